package treediff

import (
	"fmt"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/diff"
	"flotilla.dev/flotilla/internal/manifests"
	"flotilla.dev/flotilla/internal/object"
)

// Compare compares the trees rendered at the base and at the head
// revisions. Applications are matched by namespace and name wherever they
// are in the trees; objects by group, kind, namespace and name. rules (Argo
// CD's ignoreDifferences) apply to every object and to the Applications'
// specs.
func Compare(base, head []*manifests.Node, rules []diff.Rule) (*Report, error) {
	b, h := flatten(base), flatten(head)
	var apps []AppDiff
	for _, key := range mergedOrder(b, h) {
		a, err := compareApp(b.byKey[key], h.byKey[key], rules)
		if err != nil {
			return nil, fmt.Errorf("application %s: %w", key, err)
		}
		if a != nil {
			apps = append(apps, *a)
		}
	}
	return NewReport("", "", apps), nil
}

// entry is one Application of a flattened tree.
type entry struct {
	node   *manifests.Node
	parent string
}

// flatTree is a tree's Applications by namespace/name, in walk order.
type flatTree struct {
	order []string
	byKey map[string]*entry
}

func flatten(roots []*manifests.Node) flatTree {
	t := flatTree{byKey: map[string]*entry{}}
	for _, r := range roots {
		parents := map[*manifests.Node]string{}
		r.Walk(func(n *manifests.Node, _ int) {
			for _, c := range n.Children {
				parents[c] = n.App.Name
			}
			key := appKey(n)
			if _, dup := t.byKey[key]; dup {
				return
			}
			t.order = append(t.order, key)
			t.byKey[key] = &entry{node: n, parent: parents[n]}
		})
	}
	return t
}

func appKey(n *manifests.Node) string {
	key := n.App.Namespace + "/" + n.App.Name
	if n.FailedAppSet {
		key = "applicationset:" + key
	}
	return key
}

// mergedOrder is the head's order, then what only the base has.
func mergedOrder(b, h flatTree) []string {
	out := append([]string{}, h.order...)
	for _, k := range b.order {
		if _, ok := h.byKey[k]; !ok {
			out = append(out, k)
		}
	}
	return out
}

// compareApp compares one Application; nil when it did not change.
func compareApp(b, h *entry, rules []diff.Rule) (*AppDiff, error) {
	a := newAppDiff(b, h)
	if failed(a, b, h) {
		return a, nil
	}
	var err error
	switch {
	case b == nil:
		a.Change = Added
		a.Objects, err = diffObjects(nil, h.node.Result.Objects, rules)
	case h == nil:
		a.Change = Removed
		a.Objects, err = diffObjects(b.node.Result.Objects, nil, rules)
	default:
		if a.Spec, err = diffApp(b.node.App, h.node.App, rules); err != nil {
			return nil, err
		}
		a.Objects, err = diffObjects(b.node.Result.Objects, h.node.Result.Objects, rules)
		if a.Spec != "" || len(a.Objects) > 0 {
			a.Change = Changed
		}
	}
	if err != nil || a.Change == "" {
		return nil, err
	}
	return a, nil
}

func newAppDiff(b, h *entry) *AppDiff {
	e := h
	if e == nil {
		e = b
	}
	n := e.node
	return &AppDiff{Name: n.App.Name, Namespace: n.App.Namespace, Parent: e.parent, ApplicationSet: n.AppSet, Objects: []ObjectDiff{}}
}

// failed records the render errors of either side; true when there is one.
func failed(a *AppDiff, b, h *entry) bool {
	if b != nil && b.node.Err != nil {
		a.BaseError = b.node.Err.Error()
	}
	if h != nil && h.node.Err != nil {
		a.HeadError = h.node.Err.Error()
	}
	if a.BaseError == "" && a.HeadError == "" {
		return false
	}
	a.Change = Failed
	return true
}

// diffObjects compares two object lists by key.
func diffObjects(base, head []*unstructured.Unstructured, rules []diff.Rule) ([]ObjectDiff, error) {
	b, h := byKey(base), byKey(head)
	keys := make([]object.Key, 0, len(b)+len(h))
	for k := range h {
		keys = append(keys, k)
	}
	for k := range b {
		if _, ok := h[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i].Less(keys[j]) })
	out := []ObjectDiff{}
	for _, k := range keys {
		d, err := diffObject(b[k], h[k], rules)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", k, err)
		}
		if d.Change != "" {
			d.Group, d.Kind, d.Namespace, d.Name = k.Group, k.Kind, k.Namespace, k.Name
			out = append(out, d)
		}
	}
	return out, nil
}

func byKey(objs []*unstructured.Unstructured) map[object.Key]*unstructured.Unstructured {
	m := make(map[object.Key]*unstructured.Unstructured, len(objs))
	for _, o := range objs {
		m[object.KeyOf(o)] = o
	}
	return m
}

// diffObject compares one object; Change "" when it is the same.
func diffObject(b, h *unstructured.Unstructured, rules []diff.Rule) (ObjectDiff, error) {
	res, err := diff.Diff(h, b, rules)
	if err != nil || !res.Modified {
		return ObjectDiff{}, err
	}
	d := ObjectDiff{Change: Changed, Diff: relabel(res.Unified)}
	switch {
	case b == nil:
		d.Change = Added
	case h == nil:
		d.Change = Removed
	}
	return d, nil
}

// diffApp is the unified diff of two Applications' identities and specs,
// "" when they are the same.
func diffApp(b, h *v1alpha1.Application, rules []diff.Rule) (string, error) {
	bu, err := appObject(b)
	if err != nil {
		return "", err
	}
	hu, err := appObject(h)
	if err != nil {
		return "", err
	}
	res, err := diff.Diff(hu, bu, rules)
	if err != nil || !res.Modified {
		return "", err
	}
	return relabel(res.Unified), nil
}

// appObject is an Application's kind, name, namespace and spec: what
// "changed" means for an Application (not its status or labels).
func appObject(app *v1alpha1.Application) (*unstructured.Unstructured, error) {
	spec, err := runtime.DefaultUnstructuredConverter.ToUnstructured(&app.Spec)
	if err != nil {
		return nil, fmt.Errorf("convert spec: %w", err)
	}
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": v1alpha1.SchemeGroupVersion.String(),
		"kind":       v1alpha1.ApplicationKind,
		"metadata":   map[string]any{"name": app.Name, "namespace": app.Namespace},
		"spec":       spec,
	}}, nil
}

// relabel names the sides of diff.Diff's "live"/"desired" output.
func relabel(unified string) string {
	unified = strings.Replace(unified, "--- live\n", "--- base\n", 1)
	return strings.Replace(unified, "+++ desired\n", "+++ head\n", 1)
}
