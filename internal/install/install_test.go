package install

import (
	"os"
	"slices"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
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

func TestNamespacedManifests(t *testing.T) {
	for _, tc := range []struct {
		name       string
		namespaced []string
		// roles are the namespaces of the Roles granting every kind
		roles []string
		// namespaces are the Namespaces created
		namespaces []string
		arg        string
	}{
		{name: "two namespaces", namespaced: []string{"team-b", "team-a"},
			roles: []string{"team-a", "team-b"}, namespaces: []string{"gitops", "team-a", "team-b"}, arg: "--namespaced=team-a,team-b"},
		{name: "the controller's own among them, repeated", namespaced: []string{"gitops", "team-a", "gitops"},
			roles: []string{"gitops", "team-a"}, namespaces: []string{"gitops", "team-a"}, arg: "--namespaced=gitops,team-a"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			objs, err := Manifests(Options{Namespace: "gitops", Namespaced: tc.namespaced})
			if err != nil {
				t.Fatal(err)
			}
			var roles, namespaces []string
			for _, o := range objs {
				switch o.GetKind() {
				case "ClusterRole", "ClusterRoleBinding":
					// a namespaced install grants nothing cluster-wide,
					// not even reads: everything it reads is namespaced
					t.Errorf("namespaced install has %s %s", o.GetKind(), o.GetName())
				case "Namespace":
					namespaces = append(namespaces, o.GetName())
				case "Role":
					if !wildcard(o) {
						if o.GetNamespace() != "gitops" || o.GetName() != "flotilla-controller" {
							t.Errorf("Role %s/%s", o.GetNamespace(), o.GetName())
						}
						continue
					}
					if o.GetName() != "flotilla-controller-managed" {
						t.Errorf("Role %s/%s grants every kind", o.GetNamespace(), o.GetName())
					}
					roles = append(roles, o.GetNamespace())
				case "RoleBinding":
					subjects, _, _ := unstructured.NestedSlice(o.Object, "subjects")
					if len(subjects) != 1 || subjects[0].(map[string]any)["namespace"] != "gitops" || subjects[0].(map[string]any)["name"] != "flotilla-controller" {
						t.Errorf("RoleBinding %s/%s binds %v", o.GetNamespace(), o.GetName(), subjects)
					}
				case "Deployment":
					args := containerArgs(t, o)
					if !slices.Contains(args, tc.arg) {
						t.Errorf("controller args %q lack %q", args, tc.arg)
					}
				}
			}
			slices.Sort(roles)
			slices.Sort(namespaces)
			if !slices.Equal(roles, tc.roles) {
				t.Errorf("Roles granting every kind in %v, want %v", roles, tc.roles)
			}
			if !slices.Equal(namespaces, tc.namespaces) {
				t.Errorf("Namespaces %v, want %v", namespaces, tc.namespaces)
			}
		})
	}
}

func TestNamespacedManifestsRefuseBadNames(t *testing.T) {
	for _, ns := range []string{"", "Team-A", "team_a", "a.b"} {
		_, err := Manifests(Options{Namespace: "gitops", Namespaced: []string{"team-a", ns}})
		if err == nil || !strings.Contains(err.Error(), "namespaced install") {
			t.Errorf("namespace %q: error %v", ns, err)
		}
	}
}

// TestFullInstallGrantsEverything pins the default: the full install is
// the one that needs a ClusterRole, and the controller runs without
// --namespaced.
func TestFullInstallGrantsEverything(t *testing.T) {
	objs, err := Manifests(Options{})
	if err != nil {
		t.Fatal(err)
	}
	var clusterWide bool
	for _, o := range objs {
		if o.GetKind() == "ClusterRole" && wildcard(o) {
			clusterWide = true
		}
		if o.GetKind() == "Role" {
			t.Errorf("full install has Role %s/%s", o.GetNamespace(), o.GetName())
		}
		if o.GetKind() == "Deployment" {
			for _, a := range containerArgs(t, o) {
				if strings.HasPrefix(a, "--namespaced") {
					t.Errorf("full install runs the controller with %s", a)
				}
			}
		}
	}
	if !clusterWide {
		t.Error("full install has no ClusterRole granting every kind")
	}
}

// wildcard reports whether a Role or ClusterRole grants a write verb on
// every resource, or any write verb through a wildcard.
func wildcard(o *unstructured.Unstructured) bool {
	rules, _, _ := unstructured.NestedSlice(o.Object, "rules")
	for _, r := range rules {
		rule := r.(map[string]any)
		resources, _, _ := unstructured.NestedStringSlice(rule, "resources")
		verbs, _, _ := unstructured.NestedStringSlice(rule, "verbs")
		if slices.Contains(resources, "*") || slices.Contains(verbs, "*") {
			return true
		}
	}
	return false
}

func containerArgs(t *testing.T, deployment *unstructured.Unstructured) []string {
	t.Helper()
	containers, _, _ := unstructured.NestedSlice(deployment.Object, "spec", "template", "spec", "containers")
	if len(containers) != 1 {
		t.Fatalf("%d containers", len(containers))
	}
	args, _, _ := unstructured.NestedStringSlice(containers[0].(map[string]any), "args")
	return args
}
