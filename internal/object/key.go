package object

import (
	"fmt"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Key identifies an object the way Argo CD does: group, kind, namespace and
// name. The version is deliberately not part of the identity.
type Key struct {
	Group     string
	Kind      string
	Namespace string
	Name      string
}

// KeyOf returns the key of u.
func KeyOf(u *unstructured.Unstructured) Key {
	gvk := u.GroupVersionKind()
	name := u.GetName()
	if name == "" {
		// A hook named by metadata.generateName until a sync names it; a
		// generateName ends in "-" where no name may, so they never meet.
		name = u.GetGenerateName()
	}
	return Key{Group: gvk.Group, Kind: gvk.Kind, Namespace: u.GetNamespace(), Name: name}
}

// GroupKind returns the key's group and kind.
func (k Key) GroupKind() schema.GroupKind {
	return schema.GroupKind{Group: k.Group, Kind: k.Kind}
}

// String renders the key as group/kind/namespace/name (empty parts kept).
func (k Key) String() string {
	return fmt.Sprintf("%s/%s/%s/%s", k.Group, k.Kind, k.Namespace, k.Name)
}

// Less orders keys by group, kind, namespace, name.
func (k Key) Less(o Key) bool {
	return strings.Compare(k.String(), o.String()) < 0
}

// Sort orders objects by key, in place, stably.
func Sort(objs []*unstructured.Unstructured) {
	sort.SliceStable(objs, func(i, j int) bool { return KeyOf(objs[i]).Less(KeyOf(objs[j])) })
}
