package diff

import (
	"os"
	"path/filepath"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"flotilla.dev/flotilla/internal/object"
)

// parse decodes one object from YAML.
func parse(t testing.TB, doc string) *unstructured.Unstructured {
	t.Helper()
	objs, err := object.Decode([]byte(doc))
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	if len(objs) != 1 {
		t.Fatalf("decoded %d objects, want 1", len(objs))
	}
	return objs[0]
}

// load decodes one object from a file under testdata.
func load(t testing.TB, name string) *unstructured.Unstructured {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return parse(t, string(data))
}

// deployments returns the desired and live Deployment fixtures.
func deployments(t testing.TB) (desired, live *unstructured.Unstructured) {
	t.Helper()
	return load(t, "deployment-desired.yaml"), load(t, "deployment-live.yaml")
}

// set sets a nested field, failing the test on error.
func set(t testing.TB, u *unstructured.Unstructured, value any, fields ...string) {
	t.Helper()
	if err := unstructured.SetNestedField(u.Object, value, fields...); err != nil {
		t.Fatalf("set %v: %v", fields, err)
	}
}

// containerField sets field of the named container of a Deployment.
func containerField(t testing.TB, u *unstructured.Unstructured, name, field string, value any) {
	t.Helper()
	cs, _, err := unstructured.NestedSlice(u.Object, "spec", "template", "spec", "containers")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cs {
		if m := c.(map[string]any); m["name"] == name {
			m[field] = value
			set(t, u, cs, "spec", "template", "spec", "containers")
			return
		}
	}
	t.Fatalf("no container %q", name)
}

// image returns the image of the named container of a Deployment.
func image(t testing.TB, u *unstructured.Unstructured, name string) string {
	t.Helper()
	cs, _, _ := unstructured.NestedSlice(u.Object, "spec", "template", "spec", "containers")
	for _, c := range cs {
		if m := c.(map[string]any); m["name"] == name {
			s, _ := m["image"].(string)
			return s
		}
	}
	t.Fatalf("no container %q", name)
	return ""
}

// unchanged fails the test when u differs from its earlier copy.
func unchanged(t testing.TB, what string, before, after *unstructured.Unstructured) {
	t.Helper()
	if before == nil && after == nil {
		return
	}
	if !valuesEqual(before.Object, after.Object) {
		t.Errorf("%s was mutated", what)
	}
}
