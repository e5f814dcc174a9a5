package kubetest

import (
	"regexp"
	"strings"
	"testing"
)

func TestNamespaceName(t *testing.T) {
	label := regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)
	for _, name := range []string{"TestX", "TestDeploy/sub_test#01", strings.Repeat("TestLong", 20), "///"} {
		got := namespaceName(name)
		if len(got) > 63 || !label.MatchString(got) {
			t.Errorf("namespaceName(%q) = %q, not a DNS label", name, got)
		}
	}
	if a, b := namespaceName("TestX"), namespaceName("TestX"); a == b {
		t.Errorf("two namespaces for one test share the name %s", a)
	}
}
