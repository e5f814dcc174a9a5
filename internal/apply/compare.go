package apply

import (
	"reflect"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// volatileMetadata are fields that differ between a live object and an
// apply's prediction without meaning a difference in intent.
var volatileMetadata = []string{"managedFields", "resourceVersion", "generation"}

// Equal reports whether a dry-run prediction matches the live object,
// ignoring status and volatile metadata.
func Equal(predicted, live *unstructured.Unstructured) bool {
	return reflect.DeepEqual(Normalize(predicted).Object, Normalize(live).Object)
}

// Normalize returns a copy of u without status and volatile metadata, the
// form in which objects are compared and diffed.
func Normalize(u *unstructured.Unstructured) *unstructured.Unstructured {
	out := u.DeepCopy()
	unstructured.RemoveNestedField(out.Object, "status")
	for _, f := range volatileMetadata {
		unstructured.RemoveNestedField(out.Object, "metadata", f)
	}
	return out
}
