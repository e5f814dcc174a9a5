package kubetest

import (
	"context"
	"fmt"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// OpenGate labels every fake node label=value, so that Pods selecting it
// are scheduled (a test holds a step open with such a nodeSelector), and
// removes the label when the test ends. It returns how many nodes it
// labelled.
func OpenGate(t testing.TB, c client.Client, label, value string) int {
	t.Helper()
	var nodes corev1.NodeList
	if err := c.List(context.Background(), &nodes); err != nil {
		t.Fatal(err)
	}
	set := func(v string) client.Patch {
		return client.RawPatch("application/merge-patch+json", fmt.Appendf(nil, `{"metadata":{"labels":{%q:%s}}}`, label, v))
	}
	for i := range nodes.Items {
		n := &nodes.Items[i]
		if err := c.Patch(context.Background(), n, set(fmt.Sprintf("%q", value))); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = c.Patch(context.Background(), n, set("null")) })
	}
	return len(nodes.Items)
}
