package project

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/object"
)

const platform = `
metadata: {name: platform}
spec:
  sourceRepos: ["https://git.example.com/platform/*", "!https://git.example.com/platform/secret-*", "https://charts.example.com"]
  destinations:
  - {server: https://kubernetes.default.svc, namespace: "team-*"}
  - {name: edge, namespace: edge}
  clusterResourceWhitelist: [{group: "", kind: Namespace}]
  namespaceResourceBlacklist: [{group: "", kind: ResourceQuota}]
`

func loadProject(t *testing.T, s string) *v1alpha1.AppProject {
	t.Helper()
	p := &v1alpha1.AppProject{}
	if err := yaml.UnmarshalStrict([]byte(s), p); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestSourcePermitted(t *testing.T) {
	p := loadProject(t, platform)
	tests := map[string]bool{
		"https://git.example.com/platform/apps.git":  true,
		"https://git.example.com/platform/apps":      true,
		"https://git.example.com/platform/secret-db": false,
		"https://git.example.com/platform/a/b":       false, // * does not cross /
		"https://git.example.com/other/apps":         false,
		"https://charts.example.com/":                true,
	}
	for url, want := range tests {
		if got := SourcePermitted(p, url); got != want {
			t.Errorf("SourcePermitted(%s) = %t, want %t", url, got, want)
		}
	}
	if !SourcePermitted(Default(), "https://anything/at/all") {
		t.Error("the default project refused a source")
	}
}

func TestDestinationPermitted(t *testing.T) {
	p := loadProject(t, platform)
	tests := []struct {
		d    v1alpha1.ApplicationDestination
		want bool
	}{
		{v1alpha1.ApplicationDestination{Server: "https://kubernetes.default.svc", Namespace: "team-a"}, true},
		{v1alpha1.ApplicationDestination{Server: "https://kubernetes.default.svc", Namespace: "kube-system"}, false},
		{v1alpha1.ApplicationDestination{Server: "https://other:6443", Namespace: "team-a"}, false},
		{v1alpha1.ApplicationDestination{Name: "edge", Namespace: "edge"}, true},
		{v1alpha1.ApplicationDestination{Name: "edge", Namespace: "team-a"}, false},
	}
	for _, tt := range tests {
		if got := DestinationPermitted(p, tt.d); got != tt.want {
			t.Errorf("DestinationPermitted(%+v) = %t, want %t", tt.d, got, tt.want)
		}
	}
}

func TestCheckObjects(t *testing.T) {
	p := loadProject(t, platform)
	decode := func(s string) *unstructured.Unstructured {
		objs, err := object.Decode([]byte(s))
		if err != nil {
			t.Fatal(err)
		}
		return objs[0]
	}
	ok := []*unstructured.Unstructured{
		decode("apiVersion: v1\nkind: Namespace\nmetadata: {name: team-a}\n"),
		decode("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: team-a}\n"),
	}
	if err := CheckObjects(p, ok); err != nil {
		t.Fatal(err)
	}
	bad := append(ok,
		decode("apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: admin}\n"),
		decode("apiVersion: v1\nkind: ResourceQuota\nmetadata: {name: q, namespace: team-a}\n"))
	err := CheckObjects(p, bad)
	if err == nil || !strings.Contains(err.Error(), "ClusterRole admin") || !strings.Contains(err.Error(), "ResourceQuota q") {
		t.Fatalf("error = %v", err)
	}
	if err := CheckObjects(Default(), bad); err != nil {
		t.Fatalf("default project refused: %v", err)
	}
}

func TestNamespacePermitted(t *testing.T) {
	p := loadProject(t, `
metadata: {name: teams}
spec:
  sourceNamespaces: ["team-*", "/^ops-[0-9]+$/", "exact"]
`)
	tests := []struct {
		project *v1alpha1.AppProject
		ns      string
		want    bool
	}{
		{p, "argocd", true}, // the controller's namespace needs no listing
		{p, "", true},
		{p, "team-a", true},
		{p, "exact", true},
		{p, "ops-12", true},
		{p, "ops-x", false},
		{p, "other", false},
		{Default(), "team-a", false}, // as in Argo CD, default lists no namespaces
	}
	for _, tt := range tests {
		if got := NamespacePermitted(tt.project, tt.ns, "argocd"); got != tt.want {
			t.Errorf("NamespacePermitted(%s, %q) = %t, want %t", tt.project.Name, tt.ns, got, tt.want)
		}
	}
	if MatchAny([]string{"/[/"}, "[") {
		t.Error("an invalid regexp matched")
	}
}
