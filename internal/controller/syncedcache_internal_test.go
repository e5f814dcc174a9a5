package controller

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestMetaIntent(t *testing.T) {
	base := func() *metav1.ObjectMeta {
		return &metav1.ObjectMeta{Name: "web", Generation: 3, Labels: map[string]string{"app": "web"}, ResourceVersion: "10"}
	}
	desired := &metav1.ObjectMeta{Name: "web", Labels: map[string]string{"app": "web"}, Annotations: map[string]string{"team": "a"}}
	ref := metaIntent(base(), desired)
	tests := []struct {
		name string
		mut  func(m *metav1.ObjectMeta)
		same bool
	}{
		{"a status write (new resourceVersion only)", func(m *metav1.ObjectMeta) { m.ResourceVersion = "11" }, true},
		{"a spec change (new generation)", func(m *metav1.ObjectMeta) { m.Generation = 4 }, false},
		{"a label edited", func(m *metav1.ObjectMeta) { m.Labels["app"] = "other" }, false},
		{"a desired annotation added", func(m *metav1.ObjectMeta) { m.Annotations = map[string]string{"team": "a"} }, false},
		{"another writer's annotation added", func(m *metav1.ObjectMeta) {
			m.Annotations = map[string]string{"deployment.kubernetes.io/revision": "1"}
		}, true},
		{"another writer's label added", func(m *metav1.ObjectMeta) { m.Labels["pod-template-hash"] = "abc" }, true},
		{"a desired label removed", func(m *metav1.ObjectMeta) { delete(m.Labels, "app") }, false},
		{"a finalizer added", func(m *metav1.ObjectMeta) { m.Finalizers = []string{"f"} }, false},
	}
	for _, tt := range tests {
		m := base()
		tt.mut(m)
		if got := metaIntent(m, desired) == ref; got != tt.same {
			t.Errorf("%s: same intent = %t, want %t", tt.name, got, tt.same)
		}
	}
	if metaIntent(&metav1.ObjectMeta{Name: "cm"}, desired) != "" {
		t.Error("an object without a generation must not take the status-only path")
	}
}
