package diff

import (
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func TestRespectIgnored(t *testing.T) {
	webImage := `.spec.template.spec.containers[] | select(.name == "web") | .image`
	tests := []struct {
		name    string
		rules   []Rule
		live    func(t testing.TB, u *unstructured.Unstructured)
		desired func(t testing.TB, u *unstructured.Unstructured)
		check   func(t testing.TB, got *unstructured.Unstructured)
	}{
		{
			name:  "json pointer keeps live replicas",
			rules: []Rule{{Group: "apps", Kind: "Deployment", JSONPointers: []string{"/spec/replicas"}}},
			live:  func(t testing.TB, u *unstructured.Unstructured) { set(t, u, int64(5), "spec", "replicas") },
			check: func(t testing.TB, got *unstructured.Unstructured) { wantReplicas(t, got, 5, true) },
		},
		{
			name:  "live status is never copied",
			rules: []Rule{{Group: "apps", Kind: "Deployment", JSONPointers: []string{"/status/replicas", "/spec/replicas"}, JQPathExpressions: []string{".status"}}},
			live:  func(t testing.TB, u *unstructured.Unstructured) { set(t, u, int64(5), "spec", "replicas") },
			check: func(t testing.TB, got *unstructured.Unstructured) { wantReplicas(t, got, 5, true) },
		},
		{
			name:  "ignored field live lacks is removed",
			rules: []Rule{{Group: "apps", Kind: "Deployment", JSONPointers: []string{"/spec/replicas"}}},
			live: func(_ testing.TB, u *unstructured.Unstructured) {
				unstructured.RemoveNestedField(u.Object, "spec", "replicas")
			},
			check: func(t testing.TB, got *unstructured.Unstructured) { wantReplicas(t, got, 0, false) },
		},
		{
			name:  "ignored field desired lacks is taken from live",
			rules: []Rule{{Group: "apps", Kind: "Deployment", JSONPointers: []string{"/spec/replicas"}}},
			live:  func(t testing.TB, u *unstructured.Unstructured) { set(t, u, int64(5), "spec", "replicas") },
			desired: func(_ testing.TB, u *unstructured.Unstructured) {
				unstructured.RemoveNestedField(u.Object, "spec", "replicas")
			},
			check: func(t testing.TB, got *unstructured.Unstructured) { wantReplicas(t, got, 5, true) },
		},
		{
			name:  "not ignored fields keep the desired value",
			rules: []Rule{{Group: "apps", Kind: "StatefulSet", JSONPointers: []string{"/spec/replicas"}}},
			live:  func(t testing.TB, u *unstructured.Unstructured) { set(t, u, int64(5), "spec", "replicas") },
			check: func(t testing.TB, got *unstructured.Unstructured) { wantReplicas(t, got, 1, true) },
		},
		{
			name:  "jq copies the image of the same container even when reordered",
			rules: []Rule{{Group: "apps", Kind: "Deployment", JQPathExpressions: []string{webImage}}},
			live: func(t testing.TB, u *unstructured.Unstructured) {
				containerField(t, u, "web", "image", "nginx:1.28")
				containerField(t, u, "sidecar", "image", "envoy:9")
				cs, _, _ := unstructured.NestedSlice(u.Object, "spec", "template", "spec", "containers")
				set(t, u, []any{cs[1], cs[0]}, "spec", "template", "spec", "containers")
			},
			check: func(t testing.TB, got *unstructured.Unstructured) {
				if img := image(t, got, "web"); img != "nginx:1.28" {
					t.Errorf("web image = %q, want live's nginx:1.28", img)
				}
				if img := image(t, got, "sidecar"); img != "envoy:1.30" {
					t.Errorf("sidecar image = %q, want desired's envoy:1.30", img)
				}
			},
		},
		{
			name:  "ignored list item desired lacks is kept from live",
			rules: []Rule{{Group: "apps", Kind: "Deployment", JQPathExpressions: []string{`.spec.template.spec.containers[] | select(.name == "istio-proxy")`}}},
			live: func(t testing.TB, u *unstructured.Unstructured) {
				cs, _, _ := unstructured.NestedSlice(u.Object, "spec", "template", "spec", "containers")
				cs = append(cs, map[string]any{"name": "istio-proxy", "image": "istio/proxyv2"})
				set(t, u, cs, "spec", "template", "spec", "containers")
			},
			check: func(t testing.TB, got *unstructured.Unstructured) {
				if img := image(t, got, "istio-proxy"); img != "istio/proxyv2" {
					t.Errorf("istio-proxy image = %q, want live's", img)
				}
			},
		},
		{
			name:  "managed fields take the live value",
			rules: []Rule{{Group: "apps", Kind: "Deployment", ManagedFieldsManagers: []string{"hpa-controller", "kube-controller-manager"}}},
			live: func(t testing.TB, u *unstructured.Unstructured) {
				set(t, u, int64(5), "spec", "replicas")
				containerField(t, u, "web", "image", "nginx:1.28")
				containerField(t, u, "sidecar", "image", "envoy:9")
			},
			check: func(t testing.TB, got *unstructured.Unstructured) {
				wantReplicas(t, got, 5, true)
				if img := image(t, got, "web"); img != "nginx:1.28" {
					t.Errorf("web image = %q, want live's", img)
				}
				if img := image(t, got, "sidecar"); img != "envoy:1.30" {
					t.Errorf("sidecar image = %q, want desired's (not owned by a trusted manager)", img)
				}
			},
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
			d0, l0 := desired.DeepCopy(), live.DeepCopy()
			got, err := RespectIgnored(desired, live, tc.rules)
			if err != nil {
				t.Fatal(err)
			}
			unchanged(t, "desired", d0, desired)
			unchanged(t, "live", l0, live)
			tc.check(t, got)
			if _, found := got.Object["status"]; found {
				t.Error("status copied into desired")
			}
			eq, err := Equal(got, live, tc.rules)
			if err != nil {
				t.Fatal(err)
			}
			if base, _ := Equal(desired, live, tc.rules); base != eq {
				t.Errorf("Equal changed from %v to %v; respecting ignored fields must not change the comparison", base, eq)
			}
		})
	}
}

func TestRespectIgnoredNil(t *testing.T) {
	desired, _ := deployments(t)
	rules := []Rule{{Group: "apps", Kind: "Deployment", JSONPointers: []string{"/spec/replicas"}}}
	got, err := RespectIgnored(desired, nil, rules)
	if err != nil {
		t.Fatal(err)
	}
	if got == desired {
		t.Fatal("returned the input, want a copy")
	}
	unchanged(t, "copy", desired, got)
	if got, err := RespectIgnored(nil, desired, rules); got != nil || err != nil {
		t.Fatalf("RespectIgnored(nil) = %v, %v", got, err)
	}
}

func wantReplicas(t testing.TB, u *unstructured.Unstructured, want int64, wantFound bool) {
	t.Helper()
	got, found, err := unstructured.NestedInt64(u.Object, "spec", "replicas")
	if err != nil {
		t.Fatal(err)
	}
	if found != wantFound || got != want {
		t.Errorf("replicas = %d (found %v), want %d (found %v)", got, found, want, wantFound)
	}
}

func TestTransplant(t *testing.T) {
	named := func(name, v string) map[string]any { return map[string]any{"name": name, "v": v} }
	unnamed := func(key, v string) map[string]any { return map[string]any{"key": key, "v": v} }
	tests := []struct {
		name string
		dst  []any
		src  []any
		path []any
		how  placement
		want []any
	}{
		{
			name: "pointer replaces the item at the same index",
			dst:  []any{named("a", "d"), named("b", "d")},
			src:  []any{named("x", "l"), named("b", "l")},
			path: []any{"l", 0},
			how:  samePosition,
			want: []any{named("x", "l"), named("b", "d")},
		},
		{
			name: "pointer past the end appends",
			dst:  []any{named("a", "d")},
			src:  []any{named("a", "l"), named("b", "l")},
			path: []any{"l", 1},
			how:  samePosition,
			want: []any{named("a", "d"), named("b", "l")},
		},
		{
			name: "pointer into an item desired lacks does nothing",
			dst:  []any{named("a", "d")},
			src:  []any{named("a", "l"), named("b", "l")},
			path: []any{"l", 1, "v"},
			how:  samePosition,
			want: []any{named("a", "d")},
		},
		{
			name: "jq field of a named item goes to the same name",
			dst:  []any{named("b", "d"), named("a", "d")},
			src:  []any{named("a", "l"), named("b", "l")},
			path: []any{"l", 0, "v"},
			how:  sameItem,
			want: []any{named("b", "d"), named("a", "l")},
		},
		{
			name: "jq field of a named item desired lacks does nothing",
			dst:  []any{named("b", "d")},
			src:  []any{named("a", "l")},
			path: []any{"l", 0, "v"},
			how:  sameItem,
			want: []any{named("b", "d")},
		},
		{
			name: "jq whole unnamed item is inserted at its index",
			dst:  []any{unnamed("keep", "d")},
			src:  []any{unnamed("tmp", "l"), unnamed("keep", "l")},
			path: []any{"l", 0},
			how:  sameItem,
			want: []any{unnamed("tmp", "l"), unnamed("keep", "d")},
		},
		{
			name: "jq field of an unnamed item goes by index",
			dst:  []any{unnamed("k", "d")},
			src:  []any{unnamed("k", "l")},
			path: []any{"l", 0, "v"},
			how:  sameItem,
			want: []any{unnamed("k", "l")},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dst := map[string]any{"l": tc.dst}
			transplant(dst, map[string]any{"l": tc.src}, tc.path, tc.how)
			if !valuesEqual(dst["l"], tc.want) {
				t.Fatalf("got %v, want %v", dst["l"], tc.want)
			}
		})
	}
}
