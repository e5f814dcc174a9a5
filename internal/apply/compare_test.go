package apply

import (
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"flotilla.dev/flotilla/internal/object"
)

func TestEqualIgnoresStatusAndVolatileMetadata(t *testing.T) {
	live := mustDecode(t, `apiVersion: apps/v1
kind: Deployment
metadata: {name: d, resourceVersion: "7", generation: 3, managedFields: [{manager: x}]}
spec: {replicas: 1}
status: {readyReplicas: 1}`)
	predicted := mustDecode(t, `apiVersion: apps/v1
kind: Deployment
metadata: {name: d, resourceVersion: "8", generation: 4}
spec: {replicas: 1}`)
	if !Equal(predicted, live) {
		t.Fatal("objects differing only in status and volatile metadata compared unequal")
	}
	drifted := mustDecode(t, `apiVersion: apps/v1
kind: Deployment
metadata: {name: d}
spec: {replicas: 2}`)
	if Equal(drifted, live) {
		t.Fatal("spec difference not detected")
	}
	if live.Object["status"] == nil {
		t.Fatal("Equal modified its input")
	}
}

func mustDecode(t *testing.T, s string) *unstructured.Unstructured {
	t.Helper()
	objs, err := object.Decode([]byte(s))
	if err != nil || len(objs) != 1 {
		t.Fatalf("decode: %v", err)
	}
	return objs[0]
}
