package diff

import (
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func TestEqual(t *testing.T) {
	replicas := []string{"/spec/replicas"}
	webImage := `.spec.template.spec.containers[] | select(.name == "web") | .image`
	tests := []struct {
		name  string
		rules []Rule
		live  func(t testing.TB, u *unstructured.Unstructured)
		want  bool
	}{
		{
			name: "status and volatile metadata are ignored",
			live: func(testing.TB, *unstructured.Unstructured) {},
			want: true,
		},
		{
			name: "replica drift is detected without rules",
			live: func(t testing.TB, u *unstructured.Unstructured) { set(t, u, int64(5), "spec", "replicas") },
		},
		{
			name:  "replicas ignored by json pointer",
			rules: []Rule{{Group: "apps", Kind: "Deployment", JSONPointers: replicas}},
			live:  func(t testing.TB, u *unstructured.Unstructured) { set(t, u, int64(5), "spec", "replicas") },
			want:  true,
		},
		{
			name:  "pointer to a missing field is no error and other drift still counts",
			rules: []Rule{{Group: "apps", Kind: "Deployment", JSONPointers: []string{"/spec/paused", "/spec/template/spec/containers/9/image"}}},
			live:  func(t testing.TB, u *unstructured.Unstructured) { set(t, u, int64(5), "spec", "replicas") },
		},
		{
			name:  "annotation with ~1 escaping",
			rules: []Rule{{Group: "apps", Kind: "Deployment", JSONPointers: []string{"/metadata/annotations/team~1owner"}}},
			live: func(t testing.TB, u *unstructured.Unstructured) {
				set(t, u, "search", "metadata", "annotations", "team/owner")
			},
			want: true,
		},
		{
			name:  "unescaped slash points elsewhere",
			rules: []Rule{{Group: "apps", Kind: "Deployment", JSONPointers: []string{"/metadata/annotations/team/owner"}}},
			live: func(t testing.TB, u *unstructured.Unstructured) {
				set(t, u, "search", "metadata", "annotations", "team/owner")
			},
		},
		{
			name:  "pointer into a list by index",
			rules: []Rule{{Group: "apps", Kind: "Deployment", JSONPointers: []string{"/spec/template/spec/containers/0/image"}}},
			live:  func(t testing.TB, u *unstructured.Unstructured) { containerField(t, u, "web", "image", "nginx:1.28") },
			want:  true,
		},
		{
			name:  "jq select on a container image",
			rules: []Rule{{Group: "apps", Kind: "Deployment", JQPathExpressions: []string{webImage}}},
			live:  func(t testing.TB, u *unstructured.Unstructured) { containerField(t, u, "web", "image", "nginx:1.28") },
			want:  true,
		},
		{
			name:  "jq select leaves other containers compared",
			rules: []Rule{{Group: "apps", Kind: "Deployment", JQPathExpressions: []string{webImage}}},
			live: func(t testing.TB, u *unstructured.Unstructured) {
				containerField(t, u, "sidecar", "image", "envoy:1.31")
			},
		},
		{
			name:  "jq runtime error skips the expression",
			rules: []Rule{{Group: "apps", Kind: "Deployment", JQPathExpressions: []string{".spec.nothing[]", ".spec.replicas"}}},
			live:  func(t testing.TB, u *unstructured.Unstructured) { set(t, u, int64(5), "spec", "replicas") },
			want:  true,
		},
		{
			name: "emptied parent map is dropped",
			rules: []Rule{{Group: "apps", Kind: "Deployment", JSONPointers: []string{
				"/spec/template/metadata/annotations/kubectl.kubernetes.io~1restartedAt",
			}}},
			live: func(t testing.TB, u *unstructured.Unstructured) {
				set(t, u, map[string]any{"kubectl.kubernetes.io/restartedAt": "2026-01-01T00:00:00Z"}, "spec", "template", "metadata", "annotations")
			},
			want: true,
		},
		{
			name:  "wrong group does not match",
			rules: []Rule{{Group: "", Kind: "Deployment", JSONPointers: replicas}},
			live:  func(t testing.TB, u *unstructured.Unstructured) { set(t, u, int64(5), "spec", "replicas") },
		},
		{
			name:  "wrong kind does not match",
			rules: []Rule{{Group: "apps", Kind: "StatefulSet", JSONPointers: replicas}},
			live:  func(t testing.TB, u *unstructured.Unstructured) { set(t, u, int64(5), "spec", "replicas") },
		},
		{
			name:  "name matches",
			rules: []Rule{{Group: "apps", Kind: "Deployment", Name: "web", JSONPointers: replicas}},
			live:  func(t testing.TB, u *unstructured.Unstructured) { set(t, u, int64(5), "spec", "replicas") },
			want:  true,
		},
		{
			name:  "other name does not match",
			rules: []Rule{{Group: "apps", Kind: "Deployment", Name: "api", JSONPointers: replicas}},
			live:  func(t testing.TB, u *unstructured.Unstructured) { set(t, u, int64(5), "spec", "replicas") },
		},
		{
			name:  "namespace matches",
			rules: []Rule{{Group: "apps", Kind: "Deployment", Namespace: "shop", JSONPointers: replicas}},
			live:  func(t testing.TB, u *unstructured.Unstructured) { set(t, u, int64(5), "spec", "replicas") },
			want:  true,
		},
		{
			name:  "other namespace does not match",
			rules: []Rule{{Group: "apps", Kind: "Deployment", Namespace: "blog", JSONPointers: replicas}},
			live:  func(t testing.TB, u *unstructured.Unstructured) { set(t, u, int64(5), "spec", "replicas") },
		},
		{
			name:  "wildcard group and kind",
			rules: []Rule{{Group: "*", Kind: "*", JSONPointers: replicas}},
			live:  func(t testing.TB, u *unstructured.Unstructured) { set(t, u, int64(5), "spec", "replicas") },
			want:  true,
		},
		{
			name:  "glob kind",
			rules: []Rule{{Group: "app*", Kind: "Deploy*", JSONPointers: replicas}},
			live:  func(t testing.TB, u *unstructured.Unstructured) { set(t, u, int64(5), "spec", "replicas") },
			want:  true,
		},
		{
			name: "rules accumulate",
			rules: []Rule{
				{Group: "apps", Kind: "Deployment", JSONPointers: replicas},
				{Group: "*", Kind: "Deployment", JQPathExpressions: []string{webImage}},
			},
			live: func(t testing.TB, u *unstructured.Unstructured) {
				set(t, u, int64(5), "spec", "replicas")
				containerField(t, u, "web", "image", "nginx:1.28")
			},
			want: true,
		},
		{
			name: "numbers compare by value",
			live: func(t testing.TB, u *unstructured.Unstructured) {
				u.Object["spec"].(map[string]any)["replicas"] = float64(1)
			},
			want: true,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			desired, live := deployments(t)
			tc.live(t, live)
			d0, l0 := desired.DeepCopy(), live.DeepCopy()
			got, err := Equal(desired, live, tc.rules)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				res, _ := Diff(desired, live, tc.rules)
				t.Fatalf("Equal = %v, want %v\n%s", got, tc.want, res.Unified)
			}
			unchanged(t, "desired", d0, desired)
			unchanged(t, "live", l0, live)
		})
	}
}

func TestEqualRuleErrors(t *testing.T) {
	tests := []struct {
		name string
		rule Rule
	}{
		{"kind required", Rule{Group: "apps", JSONPointers: []string{"/spec/replicas"}}},
		{"pointer without leading slash", Rule{Kind: "Deployment", JSONPointers: []string{"spec/replicas"}}},
		{"jq syntax", Rule{Kind: "Deployment", JQPathExpressions: []string{".spec.["}}},
		{"bad glob", Rule{Group: "[apps", Kind: "Deployment"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			desired, live := deployments(t)
			if _, err := Equal(desired, live, []Rule{tc.rule}); err == nil {
				t.Fatal("Equal succeeded, want an error")
			}
		})
	}
}

func TestNormalize(t *testing.T) {
	_, live := deployments(t)
	set(t, live, int64(5), "spec", "replicas")
	rules := []Rule{{Group: "apps", Kind: "Deployment", ManagedFieldsManagers: []string{"hpa-controller", "kube-controller-manager"}}}
	l0 := live.DeepCopy()
	got, err := Normalize(live, rules, live)
	if err != nil {
		t.Fatal(err)
	}
	unchanged(t, "live", l0, live)
	for _, f := range [][]string{
		{"status"}, {"spec", "replicas"},
		{"metadata", "managedFields"}, {"metadata", "resourceVersion"}, {"metadata", "generation"},
		{"metadata", "uid"}, {"metadata", "creationTimestamp"},
		{"metadata", "annotations", "deployment.kubernetes.io/revision"},
		{"metadata", "annotations", "kubectl.kubernetes.io/last-applied-configuration"},
	} {
		if _, found, _ := unstructured.NestedFieldNoCopy(got.Object, f...); found {
			t.Errorf("%v still present", f)
		}
	}
	if img := image(t, got, "web"); img != "" {
		t.Errorf("web image %q kept, want it removed (owned by kube-controller-manager)", img)
	}
	if img := image(t, got, "sidecar"); img != "envoy:1.30" {
		t.Errorf("sidecar image = %q, want kept", img)
	}
	if v, _, _ := unstructured.NestedString(got.Object, "metadata", "annotations", "team/owner"); v != "payments" {
		t.Errorf("team/owner annotation = %q, want kept", v)
	}
	if n, err := Normalize(nil, rules, live); n != nil || err != nil {
		t.Errorf("Normalize(nil) = %v, %v", n, err)
	}
}
