package diff

import (
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// Equal reports whether predicted and live are the same after normalisation
// with the rules (managed fields taken from live). Numbers compare by value
// whatever their Go type.
func Equal(predicted, live *unstructured.Unstructured, rules []Rule) (bool, error) {
	p, l, err := normalizePair(predicted, live, rules)
	if err != nil {
		return false, err
	}
	return sameObject(p, l), nil
}

func sameObject(a, b *unstructured.Unstructured) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return valuesEqual(a.Object, b.Object)
}
