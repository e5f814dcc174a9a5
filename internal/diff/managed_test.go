package diff

import (
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"
	"sigs.k8s.io/structured-merge-diff/v6/value"
)

func TestEqualManagedFieldsManagers(t *testing.T) {
	hpa := []string{"hpa-controller"}
	both := []string{"hpa-controller", "kube-controller-manager"}
	tests := []struct {
		name     string
		managers []string
		live     func(t testing.TB, u *unstructured.Unstructured)
		desired  func(t testing.TB, u *unstructured.Unstructured)
		want     bool
	}{
		{
			name:     "replicas set by the HPA are ignored",
			managers: hpa,
			live:     func(t testing.TB, u *unstructured.Unstructured) { set(t, u, int64(5), "spec", "replicas") },
			want:     true,
		},
		{
			name: "without the manager replicas drift",
			live: func(t testing.TB, u *unstructured.Unstructured) { set(t, u, int64(5), "spec", "replicas") },
		},
		{
			name:     "other drift is still detected",
			managers: hpa,
			live: func(t testing.TB, u *unstructured.Unstructured) {
				set(t, u, int64(5), "spec", "replicas")
				containerField(t, u, "web", "image", "nginx:1.28")
			},
		},
		{
			name:     "keyed list item field owned by kube-controller-manager",
			managers: both,
			live: func(t testing.TB, u *unstructured.Unstructured) {
				set(t, u, int64(5), "spec", "replicas")
				containerField(t, u, "web", "image", "nginx:1.28")
				set(t, u, "4", "metadata", "annotations", "deployment.kubernetes.io/revision")
			},
			want: true,
		},
		{
			name:     "sibling item owned by another manager still drifts",
			managers: both,
			live: func(t testing.TB, u *unstructured.Unstructured) {
				containerField(t, u, "sidecar", "image", "envoy:1.31")
			},
		},
		{
			name:     "fields of the manager's items owned by others still drift",
			managers: both,
			live: func(t testing.TB, u *unstructured.Unstructured) {
				containerField(t, u, "web", "env", []any{map[string]any{"name": "MODE", "value": "debug"}})
			},
		},
		{
			name:     "an owned field missing from desired is a difference, not a conflict",
			managers: both,
			desired: func(t testing.TB, u *unstructured.Unstructured) {
				unstructured.RemoveNestedField(u.Object, "metadata", "annotations", "deployment.kubernetes.io/revision")
			},
		},
		{
			name:     "the manager of the status subresource owns no spec",
			managers: []string{"kube-controller-manager"},
			live:     func(t testing.TB, u *unstructured.Unstructured) { set(t, u, int64(5), "spec", "replicas") },
		},
		{
			name:     "unknown manager changes nothing",
			managers: []string{"someone-else"},
			live:     func(t testing.TB, u *unstructured.Unstructured) { set(t, u, int64(5), "spec", "replicas") },
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			desired, live := deployments(t)
			if tc.live != nil {
				tc.live(t, live)
			}
			if tc.desired != nil {
				tc.desired(t, desired)
			}
			rules := []Rule{{Group: "apps", Kind: "Deployment", ManagedFieldsManagers: tc.managers}}
			got, err := Equal(desired, live, rules)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				res, _ := Diff(desired, live, rules)
				t.Fatalf("Equal = %v, want %v\n%s", got, tc.want, res.Unified)
			}
		})
	}
}

func TestManagedFieldsParseError(t *testing.T) {
	desired, live := deployments(t)
	mf, _, _ := unstructured.NestedSlice(live.Object, "metadata", "managedFields")
	mf[1].(map[string]any)["fieldsV1"] = map[string]any{"f:spec": map[string]any{"k:notjson": map[string]any{}}}
	set(t, live, mf, "metadata", "managedFields")
	rules := []Rule{{Group: "apps", Kind: "Deployment", ManagedFieldsManagers: []string{"hpa-controller"}}}
	if _, err := Equal(desired, live, rules); err == nil {
		t.Fatal("Equal succeeded, want a parse error")
	}
}

func TestResolveFieldPath(t *testing.T) {
	obj := parse(t, `
apiVersion: v1
kind: Pod
metadata:
  name: p
  finalizers: [a, b]
spec:
  containers:
  - name: web
    ports:
    - containerPort: 80
      protocol: TCP
    - containerPort: 80
      protocol: UDP
    args: [x, y]
`).Object
	tests := []struct {
		name string
		path fieldpath.Path
		want []any
		ok   bool
	}{
		{
			name: "field names",
			path: fieldpath.MakePathOrDie("metadata", "name"),
			want: []any{"metadata", "name"},
			ok:   true,
		},
		{
			name: "value in a set",
			path: fieldpath.MakePathOrDie("metadata", "finalizers", value.NewValueInterface("b")),
			want: []any{"metadata", "finalizers", 1},
			ok:   true,
		},
		{
			name: "compound key",
			path: fieldpath.MakePathOrDie("spec", "containers", fieldpath.KeyByFields("name", "web"), "ports", fieldpath.KeyByFields("containerPort", 80, "protocol", "UDP"), "protocol"),
			want: []any{"spec", "containers", 0, "ports", 1, "protocol"},
			ok:   true,
		},
		{
			name: "index",
			path: fieldpath.MakePathOrDie("spec", "containers", fieldpath.KeyByFields("name", "web"), "args", 1),
			want: []any{"spec", "containers", 0, "args", 1},
			ok:   true,
		},
		{name: "missing key", path: fieldpath.MakePathOrDie("spec", "containers", fieldpath.KeyByFields("name", "db"))},
		{name: "index out of range", path: fieldpath.MakePathOrDie("spec", "containers", fieldpath.KeyByFields("name", "web"), "args", 2)},
		{name: "missing field", path: fieldpath.MakePathOrDie("spec", "volumes")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := resolveFieldPath(obj, tc.path)
			if ok != tc.ok || (ok && comparePaths(got, tc.want) != 0) {
				t.Fatalf("resolveFieldPath = %v, %v; want %v, %v", got, ok, tc.want, tc.ok)
			}
		})
	}
}
