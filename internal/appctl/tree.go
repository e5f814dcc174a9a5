package appctl

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"flotilla.dev/flotilla/api/v1alpha1"
)

// AppNode is one Application in an app-of-apps hierarchy.
type AppNode struct {
	Namespace, Name string
	// App is nil when the child is listed by its parent but missing.
	App *v1alpha1.Application
	// Wave is the argocd.argoproj.io/sync-wave annotation of the Application.
	Wave string
	// DependsOn is the flotilla.dev/depends-on annotation, split and trimmed.
	DependsOn []string
	// Cycle is set on a child that is also one of its ancestors: it is
	// listed, but its children are not (the cycle is cut there).
	Cycle    bool
	Children []*AppNode
}

// Walk calls fn for n and every node below it, depth first, with its depth
// (0 for n).
func (n *AppNode) Walk(fn func(node *AppNode, depth int)) {
	var walk func(*AppNode, int)
	walk = func(n *AppNode, depth int) {
		fn(n, depth)
		for _, c := range n.Children {
			walk(c, depth+1)
		}
	}
	walk(n, 0)
}

// AppTree returns the app-of-apps hierarchy below namespace/name: children
// are the Applications in the parent's status.resources (group
// argoproj.io, kind Application), recursively; cycles are cut.
func AppTree(ctx context.Context, c client.Reader, namespace, name string) (*AppNode, error) {
	root, err := Get(ctx, c, namespace, name)
	if err != nil {
		return nil, err
	}
	node := newAppNode(namespace, name, root)
	if err := addChildren(ctx, c, node, map[string]bool{key(namespace, name): true}); err != nil {
		return nil, err
	}
	return node, nil
}

func addChildren(ctx context.Context, c client.Reader, parent *AppNode, ancestors map[string]bool) error {
	for _, ref := range ChildApps(parent.App) {
		ns := ref.Namespace
		if ns == "" {
			ns = parent.Namespace
		}
		app := &v1alpha1.Application{}
		err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: ref.Name}, app)
		switch {
		case apierrors.IsNotFound(err):
			app = nil
		case err != nil:
			return fmt.Errorf("get application %s/%s (child of %s): %w", ns, ref.Name, parent.Name, err)
		}
		child := newAppNode(ns, ref.Name, app)
		parent.Children = append(parent.Children, child)
		k := key(ns, ref.Name)
		if ancestors[k] {
			child.Cycle = true
			continue
		}
		if app == nil {
			continue
		}
		ancestors[k] = true
		err = addChildren(ctx, c, child, ancestors)
		delete(ancestors, k)
		if err != nil {
			return err
		}
	}
	sortByWave(parent.Children)
	return nil
}

// ChildApps are the Applications an app manages, from its status.resources.
func ChildApps(app *v1alpha1.Application) []v1alpha1.ResourceStatus {
	var out []v1alpha1.ResourceStatus
	for _, r := range app.Status.Resources {
		if r.Group == v1alpha1.Group && r.Kind == v1alpha1.ApplicationKind {
			out = append(out, r)
		}
	}
	return out
}

func newAppNode(namespace, name string, app *v1alpha1.Application) *AppNode {
	n := &AppNode{Namespace: namespace, Name: name, App: app}
	if app != nil {
		n.Wave = strings.TrimSpace(app.Annotations[WaveAnnotation])
		n.DependsOn = DependsOn(app)
	}
	return n
}

// DependsOn is an Application's flotilla.dev/depends-on annotation, split
// at commas and trimmed, empty entries dropped.
func DependsOn(app *v1alpha1.Application) []string {
	var out []string
	for _, d := range strings.Split(app.Annotations[DependsOnAnnotation], ",") {
		if d = strings.TrimSpace(d); d != "" {
			out = append(out, d)
		}
	}
	return out
}

// sortByWave orders siblings as a sync applies them: by wave, then name.
func sortByWave(nodes []*AppNode) {
	sort.SliceStable(nodes, func(i, j int) bool {
		wi, wj := waveNumber(nodes[i].Wave), waveNumber(nodes[j].Wave)
		if wi != wj {
			return wi < wj
		}
		return nodes[i].Name < nodes[j].Name
	})
}

func waveNumber(w string) int {
	n, err := strconv.Atoi(w)
	if err != nil {
		return 0
	}
	return n
}

func key(namespace, name string) string { return namespace + "/" + name }
