package appset

import (
	"testing"

	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

func TestStaticReader(t *testing.T) {
	r := NewStaticReader(genObjects(t, genClusterSecrets+`
---
apiVersion: v1
kind: Secret
metadata:
  name: anywhere
  labels: {argocd.argoproj.io/secret-type: cluster}
data: {name: YW55d2hlcmU=}
stringData: {server: https://any.example.com}
---
apiVersion: v1
kind: Secret
metadata:
  name: elsewhere
  namespace: other
  labels: {argocd.argoproj.io/secret-type: cluster}
stringData: {name: elsewhere}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: cm, namespace: argocd}
data: {a: b}
---
apiVersion: cluster.open-cluster-management.io/v1beta1
kind: PlacementDecision
metadata: {name: pd, namespace: argocd, labels: {placement: p}}
`))
	ctx := t.Context()

	secrets, err := r.ClusterSecrets(ctx, "argocd", labels.Everything())
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range secrets {
		names = append(names, s.Name)
	}
	genCheckLines(t, names, "cluster-staging", "cluster-production", "anywhere")
	if got := string(secrets[2].Data["name"]) + " " + string(secrets[2].Data["server"]); got != "anywhere https://any.example.com" {
		t.Errorf("data and stringData = %q", got)
	}
	if secrets[0].StringData != nil {
		t.Errorf("stringData kept: %v", secrets[0].StringData)
	}
	staging, _ := labels.Parse("staging=true")
	if secrets, _ := r.ClusterSecrets(ctx, "argocd", staging); len(secrets) != 1 || secrets[0].Name != "cluster-staging" {
		t.Errorf("selected %v", secrets)
	}

	if s, err := r.Secret(ctx, "argocd", "repo"); err != nil || string(s.Data["name"]) != "not-a-cluster" {
		t.Errorf("Secret repo = %v, %v", s, err)
	}
	if _, err := r.Secret(ctx, "argocd", "elsewhere"); err == nil || err.Error() != "no Secret argocd/elsewhere" {
		t.Errorf("Secret elsewhere: %v", err)
	}
	if cm, err := r.ConfigMap(ctx, "argocd", "cm"); err != nil || cm.Data["a"] != "b" {
		t.Errorf("ConfigMap cm = %v, %v", cm, err)
	}

	gv := schema.GroupVersion{Group: "cluster.open-cluster-management.io", Version: "v1beta1"}
	for _, kind := range []string{"PlacementDecision", "placementdecisions", "placementdecision"} {
		list, err := r.Resources(ctx, gv.WithKind(kind), "argocd", labels.Everything())
		if err != nil || len(list) != 1 || list[0].GetName() != "pd" {
			t.Errorf("Resources(%s) = %v, %v", kind, list, err)
		}
	}
	none, _ := labels.Parse("placement=q")
	if list, _ := r.Resources(ctx, gv.WithKind("PlacementDecision"), "argocd", none); len(list) != 0 {
		t.Errorf("selector ignored: %v", list)
	}
	if list, _ := r.Resources(ctx, schema.GroupVersionKind{Group: "other", Version: "v1beta1", Kind: "PlacementDecision"}, "argocd", labels.Everything()); len(list) != 0 {
		t.Errorf("group ignored: %v", list)
	}
}
