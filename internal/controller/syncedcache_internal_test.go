package controller

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestMetaIntent(t *testing.T) {
	base := func() *metav1.ObjectMeta {
		return &metav1.ObjectMeta{Name: "web", Generation: 3, Labels: map[string]string{"app": "web"}, ResourceVersion: "10"}
	}
	ref := metaIntent(base())
	tests := []struct {
		name string
		mut  func(m *metav1.ObjectMeta)
		same bool
	}{
		{"a status write (new resourceVersion only)", func(m *metav1.ObjectMeta) { m.ResourceVersion = "11" }, true},
		{"a spec change (new generation)", func(m *metav1.ObjectMeta) { m.Generation = 4 }, false},
		{"a label edited", func(m *metav1.ObjectMeta) { m.Labels["app"] = "other" }, false},
		{"an annotation added", func(m *metav1.ObjectMeta) { m.Annotations = map[string]string{"x": "y"} }, false},
		{"a finalizer added", func(m *metav1.ObjectMeta) { m.Finalizers = []string{"f"} }, false},
	}
	for _, tt := range tests {
		m := base()
		tt.mut(m)
		if got := metaIntent(m) == ref; got != tt.same {
			t.Errorf("%s: same intent = %t, want %t", tt.name, got, tt.same)
		}
	}
	if metaIntent(&metav1.ObjectMeta{Name: "cm"}) != "" {
		t.Error("an object without a generation must not take the status-only path")
	}
}
