package sync

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func obj(kind, name, wave string) *unstructured.Unstructured {
	u := &unstructured.Unstructured{}
	u.SetAPIVersion("v1")
	u.SetKind(kind)
	u.SetName(name)
	if wave != "" {
		u.SetAnnotations(map[string]string{WaveAnnotation: wave})
	}
	return u
}

func names(objs []*unstructured.Unstructured) string {
	var out []string
	for _, o := range objs {
		out = append(out, o.GetName())
	}
	return strings.Join(out, ",")
}

func TestSortForApply(t *testing.T) {
	objs := []*unstructured.Unstructured{
		obj("Widget", "cr", ""),
		obj("Deployment", "deploy", ""),
		obj("Service", "svc", ""),
		obj("ConfigMap", "late", "2"),
		obj("ConfigMap", "b-cm", ""),
		obj("ConfigMap", "a-cm", ""),
		obj("Namespace", "ns", ""),
		obj("CustomResourceDefinition", "crd", ""),
		obj("Job", "early", "-1"),
		obj("Secret", "bad-wave", "x"),
	}
	SortForApply(objs)
	want := "early,ns,bad-wave,a-cm,b-cm,crd,svc,deploy,cr,late"
	if got := names(objs); got != want {
		t.Fatalf("apply order\n got %s\nwant %s", got, want)
	}
	SortForPrune(objs)
	if got := names(objs); got != "late,cr,deploy,svc,crd,b-cm,a-cm,bad-wave,ns,early" {
		t.Fatalf("prune order: %s", got)
	}
}
