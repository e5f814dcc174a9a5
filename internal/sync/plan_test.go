package sync

import (
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func TestPlanPullsNamespaceAndCRDAhead(t *testing.T) {
	ns := obj("Namespace", "team", "5")
	ns.SetAPIVersion("v1")
	inNS := obj("ConfigMap", "early", "1")
	inNS.SetNamespace("team")
	crd := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
		"metadata": map[string]any{"name": "widgets.example.com", "annotations": map[string]any{WaveAnnotation: "3"}},
		"spec":     map[string]any{"group": "example.com", "names": map[string]any{"kind": "Widget"}},
	}}
	cr := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "example.com/v1", "kind": "Widget",
		"metadata": map[string]any{"name": "w", "annotations": map[string]any{WaveAnnotation: "-2"}},
	}}
	tasks := Plan([]*unstructured.Unstructured{ns, inNS, crd, cr}, nil, nil, PlanOptions{})
	waves := map[string]int{}
	var order []string
	for _, tk := range tasks {
		waves[tk.Obj.GetName()] = tk.Wave
		order = append(order, tk.Obj.GetName())
	}
	if waves["team"] != 1 || waves["widgets.example.com"] != -2 {
		t.Fatalf("waves = %v, want the Namespace in wave 1 and the CRD in wave -2", waves)
	}
	if order[0] != "widgets.example.com" || order[1] != "w" {
		t.Fatalf("order = %v, want the CRD right before its custom resource", order)
	}
}
