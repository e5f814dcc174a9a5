package manifests

import (
	"context"
	"fmt"

	"k8s.io/apimachinery/pkg/runtime"

	"flotilla.dev/flotilla/api/v1alpha1"
)

// Node is one Application of an app-of-apps tree with what it renders to.
type Node struct {
	App      *v1alpha1.Application
	Result   *Result
	Err      error
	Children []*Node
	// AppSet names the ApplicationSet that generated App ("" for an
	// Application rendered from a source or given).
	AppSet string
	// FailedAppSet marks the node of an ApplicationSet that did not
	// generate: App holds only the set's name and namespace, Err why.
	FailedAppSet bool
}

// maxTreeDepth bounds app-of-apps recursion.
const maxTreeDepth = 32

// Tree renders app and, recursively, every Application it renders: the
// whole app-of-apps tree below it, the way the controller would reconcile
// it. The Applications of an ApplicationSet it renders are generated (see
// AppSetApplications) and are children like any other. A child that fails
// to render, or a set that fails to generate, keeps its error in its
// node; the rest of the tree is still rendered. An Application that
// appears twice on one path (a cycle) is an error in that node.
func (g *Generator) Tree(ctx context.Context, app *v1alpha1.Application, req Request, scope Scope) *Node {
	return g.tree(ctx, app, req, scope, map[string]bool{}, 0)
}

func (g *Generator) tree(ctx context.Context, app *v1alpha1.Application, req Request, scope Scope, path map[string]bool, depth int) *Node {
	n := &Node{App: app}
	key := app.Namespace + "/" + app.Name
	if path[key] || depth > maxTreeDepth {
		n.Err = fmt.Errorf("application %s renders itself (cycle in the app-of-apps tree)", key)
		return n
	}
	path[key] = true
	defer delete(path, key)
	req.App = app
	res, err := g.Generate(ctx, req)
	if err == nil {
		err = Prepare(app, res.Objects, scope, app.Namespace)
	}
	if err != nil {
		n.Err = err
		return n
	}
	n.Result = res
	for _, o := range res.Objects {
		if o.GroupVersionKind().Group != v1alpha1.SchemeGroupVersion.Group {
			continue
		}
		if o.GetKind() == v1alpha1.ApplicationSetKind {
			n.Children = append(n.Children, g.appSetChildren(ctx, app, o, req, scope, path, depth+1)...)
			continue
		}
		if o.GetKind() != "Application" {
			continue
		}
		child := &v1alpha1.Application{}
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(o.Object, child); err != nil {
			n.Children = append(n.Children, &Node{App: child, Err: fmt.Errorf("decode application %s: %w", o.GetName(), err)})
			continue
		}
		n.Children = append(n.Children, g.tree(ctx, child, req, scope, path, depth+1))
	}
	return n
}

// Walk calls fn for n and every node below it, depth first.
func (n *Node) Walk(fn func(n *Node, depth int)) {
	n.walk(fn, 0)
}

func (n *Node) walk(fn func(*Node, int), depth int) {
	fn(n, depth)
	for _, c := range n.Children {
		c.walk(fn, depth+1)
	}
}
