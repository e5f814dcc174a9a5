package diff

import "testing"

// BenchmarkEqual compares a typical Deployment (two containers, managed
// fields from three managers) with a pointer, a jq expression and trusted
// managers in play.
func BenchmarkEqual(b *testing.B) {
	desired, live := deployments(b)
	set(b, live, int64(5), "spec", "replicas")
	rules := []Rule{
		{Group: "apps", Kind: "Deployment", JSONPointers: []string{"/spec/replicas"}},
		{Group: "apps", Kind: "Deployment", JQPathExpressions: []string{`.spec.template.spec.containers[] | select(.name == "web") | .image`}},
		{Group: "apps", Kind: "Deployment", ManagedFieldsManagers: []string{"kube-controller-manager"}},
	}
	b.ReportAllocs()
	for b.Loop() {
		ok, err := Equal(desired, live, rules)
		if err != nil || !ok {
			b.Fatalf("Equal = %v, %v", ok, err)
		}
	}
}

// BenchmarkEqualNoRules is the common case: no ignoreDifferences.
func BenchmarkEqualNoRules(b *testing.B) {
	desired, live := deployments(b)
	b.ReportAllocs()
	for b.Loop() {
		ok, err := Equal(desired, live, nil)
		if err != nil || !ok {
			b.Fatalf("Equal = %v, %v", ok, err)
		}
	}
}
