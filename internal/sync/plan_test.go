package sync

import (
	"fmt"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"flotilla.dev/flotilla/internal/apply"
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

func TestPlanNamesGenerateNameHooks(t *testing.T) {
	hook := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "batch/v1", "kind": "Job",
		"metadata": map[string]any{"generateName": "upgrade-sql-schema-", "namespace": "db", "annotations": map[string]any{
			"argocd.argoproj.io/hook": "PreSync,PostSync",
		}},
	}}
	apply.SetTracking(hook, "guestbook")
	started := time.Date(2026, 12, 6, 3, 0, 0, 0, time.UTC)
	opts := PlanOptions{Revision: "3F1C2A9D0E6B", StartedAt: started}
	tasks := Plan(nil, []*unstructured.Unstructured{hook}, nil, opts)
	want := map[Phase]string{
		PreSync:  fmt.Sprintf("upgrade-sql-schema-3f1c2a9-presync-%d", started.Unix()),
		PostSync: fmt.Sprintf("upgrade-sql-schema-3f1c2a9-postsync-%d", started.Unix()),
	}
	if len(tasks) != 2 {
		t.Fatalf("%d tasks, want 2", len(tasks))
	}
	for _, task := range tasks {
		if got := task.Obj.GetName(); got != want[task.Phase] {
			t.Errorf("%s hook named %q, want %q", task.Phase, got, want[task.Phase])
		}
		if !apply.IsTrackedBy(task.Obj, "guestbook") {
			t.Errorf("%s hook's tracking id %q does not name it", task.Phase, task.Obj.GetAnnotations()[apply.TrackingAnnotation])
		}
	}
	if hook.GetName() != "" {
		t.Error("planning changed the rendered hook")
	}
	// The same operation names it the same again: a resumed operation
	// finds the hook it created.
	again := Plan(nil, []*unstructured.Unstructured{hook}, nil, opts)
	if again[0].Obj.GetName() != tasks[0].Obj.GetName() {
		t.Error("hook names differ between two plans of one operation")
	}
}

func TestApplyMode(t *testing.T) {
	withOptions := func(opts string) *unstructured.Unstructured {
		u := obj("ConfigMap", "cm", "0")
		if opts != "" {
			u.SetAnnotations(map[string]string{"argocd.argoproj.io/sync-options": opts})
		}
		return u
	}
	tests := []struct {
		name     string
		app      []string
		resource string
		want     apply.Mode
	}{
		{"defaults: strict server-side apply", nil, "", apply.Mode{}},
		{"app ServerSideApply=false", []string{"ServerSideApply=false"}, "", apply.Mode{ClientSide: true}},
		{"resource ServerSideApply=false", nil, "ServerSideApply=false", apply.Mode{ClientSide: true}},
		{"resource true wins over app false", []string{"ServerSideApply=false"}, "ServerSideApply=true", apply.Mode{}},
		{"resource false wins over app true", []string{"ServerSideApply=true"}, "ServerSideApply=false", apply.Mode{ClientSide: true}},
		{"Force alone", nil, "Force=true", apply.Mode{Force: true}},
		{"Replace and Force from app and resource", []string{"Replace=true"}, "Force=true,Validate=false",
			apply.Mode{Replace: true, Force: true, SkipValidation: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ApplyMode(tt.app, withOptions(tt.resource)); got != tt.want {
				t.Errorf("ApplyMode(%v, %q) = %+v, want %+v", tt.app, tt.resource, got, tt.want)
			}
		})
	}
}
