package install

import (
	"os"
	"testing"
)

// TestInstallYAMLIsGenerated fails when config/install.yaml is stale: run
// go run ./hack/gen-install > config/install.yaml.
func TestInstallYAMLIsGenerated(t *testing.T) {
	want, err := YAML(Options{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("../../config/install.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Fatal("config/install.yaml is stale: run go run ./hack/gen-install > config/install.yaml")
	}
}

func TestManifests(t *testing.T) {
	objs, err := Manifests(Options{Namespace: "gitops", Image: "example/flotilla:v1"})
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	for _, o := range objs {
		kinds[o.GetKind()]++
		if o.GetKind() == "Deployment" && o.GetNamespace() != "gitops" {
			t.Errorf("deployment in %q", o.GetNamespace())
		}
	}
	for kind, n := range map[string]int{"CustomResourceDefinition": 3, "Namespace": 1, "ServiceAccount": 1, "ClusterRole": 1, "ClusterRoleBinding": 1, "Deployment": 1} {
		if kinds[kind] != n {
			t.Errorf("%d %s, want %d", kinds[kind], kind, n)
		}
	}
}
