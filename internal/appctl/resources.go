package appctl

import (
	"context"
	"fmt"
	"sort"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/health"
)

// ResourceNode is one object of an app's resource tree.
type ResourceNode struct {
	Group, Version, Kind, Namespace, Name string
	// Sync is Synced or OutOfSync for the app's own resources, "" for the
	// objects they own.
	Sync    string
	Health  string
	Message string
	Hook    bool
	// Children are the objects owned through ownerReferences.
	Children []*ResourceNode
}

// WalkResources calls fn for every node of the trees, depth first, with its depth.
func WalkResources(nodes []*ResourceNode, fn func(n *ResourceNode, depth int)) {
	var walk func(*ResourceNode, int)
	walk = func(n *ResourceNode, depth int) {
		fn(n, depth)
		for _, c := range n.Children {
			walk(c, depth+1)
		}
	}
	for _, n := range nodes {
		walk(n, 0)
	}
}

// ownedKinds are the kinds followed below each kind, with the version
// they are listed in.
var ownedKinds = map[schema.GroupKind][]schema.GroupVersionKind{
	{Group: "apps", Kind: "Deployment"}:  {rsGVK},
	{Group: "apps", Kind: "ReplicaSet"}:  {podGVK},
	{Group: "apps", Kind: "StatefulSet"}: {podGVK, revisionGVK},
	{Group: "apps", Kind: "DaemonSet"}:   {podGVK, revisionGVK},
	{Group: "batch", Kind: "CronJob"}:    {jobGVK},
	{Group: "batch", Kind: "Job"}:        {podGVK},
}

var (
	rsGVK       = schema.GroupVersionKind{Group: "apps", Version: "v1", Kind: "ReplicaSet"}
	podGVK      = schema.GroupVersionKind{Version: "v1", Kind: "Pod"}
	jobGVK      = schema.GroupVersionKind{Group: "batch", Version: "v1", Kind: "Job"}
	revisionGVK = schema.GroupVersionKind{Group: "apps", Version: "v1", Kind: "ControllerRevision"}
)

// ResourceTree builds the app's resource tree from status.resources,
// following ownerReferences to their descendants: ReplicaSets under
// Deployments, Pods under ReplicaSets, StatefulSets, DaemonSets and Jobs,
// Jobs under CronJobs, ControllerRevisions under StatefulSets and
// DaemonSets. Descendants are found with metadata-only lists in the
// namespaces the app's resources live in; a Pod's health comes from a
// full get of it (the others' is "").
func ResourceTree(ctx context.Context, c client.Reader, app *v1alpha1.Application) ([]*ResourceNode, error) {
	roots := make([]*ResourceNode, 0, len(app.Status.Resources))
	for _, r := range app.Status.Resources {
		n := &ResourceNode{Group: r.Group, Version: r.Version, Kind: r.Kind, Namespace: r.Namespace, Name: r.Name,
			Sync: string(r.Status), Hook: r.Hook}
		if r.Health != nil {
			n.Health, n.Message = string(r.Health.Status), r.Health.Message
		}
		roots = append(roots, n)
	}
	owned, err := listOwned(ctx, c, roots)
	if err != nil {
		return nil, err
	}
	seen := map[ownerKey]bool{}
	var attach func(n *ResourceNode) error
	attach = func(n *ResourceNode) error {
		k := keyOfNode(n)
		if seen[k] {
			return nil
		}
		seen[k] = true
		for _, m := range owned[k] {
			child, err := childNode(ctx, c, m)
			if err != nil {
				return err
			}
			n.Children = append(n.Children, child)
			if err := attach(child); err != nil {
				return err
			}
		}
		return nil
	}
	for _, n := range roots {
		if err := attach(n); err != nil {
			return nil, err
		}
	}
	return roots, nil
}

// ownerKey names an owner as ownerReferences do, plus the namespace.
type ownerKey struct{ Group, Kind, Namespace, Name string }

func keyOfNode(n *ResourceNode) ownerKey {
	return ownerKey{Group: n.Group, Kind: n.Kind, Namespace: n.Namespace, Name: n.Name}
}

// listOwned lists, in the roots' namespaces, every kind that may be owned
// below the roots' kinds, and indexes the objects by owner.
func listOwned(ctx context.Context, c client.Reader, roots []*ResourceNode) (map[ownerKey][]metav1.PartialObjectMetadata, error) {
	namespaces := map[string]bool{}
	var frontier []schema.GroupKind
	for _, n := range roots {
		if n.Namespace != "" {
			namespaces[n.Namespace] = true
		}
		frontier = append(frontier, schema.GroupKind{Group: n.Group, Kind: n.Kind})
	}
	wanted := reachableKinds(frontier)
	index := map[ownerKey][]metav1.PartialObjectMetadata{}
	for _, gvk := range wanted {
		for _, ns := range sortedKeys(namespaces) {
			list := &metav1.PartialObjectMetadataList{}
			list.SetGroupVersionKind(gvk.GroupVersion().WithKind(gvk.Kind + "List"))
			if err := c.List(ctx, list, client.InNamespace(ns)); err != nil {
				return nil, fmt.Errorf("list %s in %s: %w", gvk.Kind, ns, err)
			}
			for _, m := range list.Items {
				m.SetGroupVersionKind(gvk)
				for _, ref := range m.OwnerReferences {
					gv, err := schema.ParseGroupVersion(ref.APIVersion)
					if err != nil {
						continue
					}
					k := ownerKey{Group: gv.Group, Kind: ref.Kind, Namespace: m.Namespace, Name: ref.Name}
					index[k] = append(index[k], m)
				}
			}
		}
	}
	for k := range index {
		items := index[k]
		sort.Slice(items, func(i, j int) bool {
			if items[i].Kind != items[j].Kind {
				return items[i].Kind < items[j].Kind
			}
			return items[i].Name < items[j].Name
		})
	}
	return index, nil
}

// reachableKinds are the kinds owned, directly or not, by the given ones.
func reachableKinds(from []schema.GroupKind) []schema.GroupVersionKind {
	seen := map[schema.GroupVersionKind]bool{}
	var out []schema.GroupVersionKind
	for len(from) > 0 {
		gk := from[0]
		from = from[1:]
		for _, gvk := range ownedKinds[gk] {
			if !seen[gvk] {
				seen[gvk] = true
				out = append(out, gvk)
				from = append(from, gvk.GroupKind())
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	return out
}

func childNode(ctx context.Context, c client.Reader, m metav1.PartialObjectMetadata) (*ResourceNode, error) {
	gvk := m.GroupVersionKind()
	n := &ResourceNode{Group: gvk.Group, Version: gvk.Version, Kind: gvk.Kind, Namespace: m.Namespace, Name: m.Name}
	if gvk != podGVK {
		return n, nil
	}
	st, err := podHealth(ctx, c, m.Namespace, m.Name)
	if err != nil {
		return nil, err
	}
	n.Health, n.Message = string(st.Code), st.Message
	return n, nil
}

// podHealth assesses a Pod from a full get; a Pod gone meanwhile is
// Missing.
func podHealth(ctx context.Context, c client.Reader, namespace, name string) (health.Status, error) {
	var pod corev1.Pod
	if err := c.Get(ctx, client.ObjectKey{Namespace: namespace, Name: name}, &pod); err != nil {
		if client.IgnoreNotFound(err) == nil {
			return health.Status{Code: health.Missing}, nil
		}
		return health.Status{}, fmt.Errorf("get pod %s/%s: %w", namespace, name, err)
	}
	obj, err := runtime.DefaultUnstructuredConverter.ToUnstructured(&pod)
	if err != nil {
		return health.Status{}, fmt.Errorf("convert pod %s/%s: %w", namespace, name, err)
	}
	u := &unstructured.Unstructured{Object: obj}
	u.SetGroupVersionKind(podGVK)
	return health.Assess(u), nil
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
