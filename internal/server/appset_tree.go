package server

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/appctl"
)

// treeBuilder turns an app-of-apps tree (package appctl) into TreeNodes
// and, when sets is true, adds below each Application the
// ApplicationSets it manages (status.resources of kind ApplicationSet),
// each with its generated Applications as children and below them what
// those manage in turn: root → set → generated apps → ….
type treeBuilder struct {
	s      *Server
	reader client.Reader
	sets   bool
}

// app converts n and what is below it. path holds the nodes from the
// root down to n's parent: appctl cuts cycles among Applications, path
// cuts those that pass through a set.
func (b treeBuilder) app(ctx context.Context, n *appctl.AppNode, path map[string]bool) (*TreeNode, error) {
	t := appTreeNode(n.Namespace, n.Name, n.App)
	t.Cycle = n.Cycle
	if n.App == nil || n.Cycle {
		return t, nil
	}
	k := treeKey(v1alpha1.ApplicationKind, n.Namespace, n.Name)
	path[k] = true
	defer delete(path, k)
	for _, c := range n.Children {
		if path[treeKey(v1alpha1.ApplicationKind, c.Namespace, c.Name)] {
			leaf := appTreeNode(c.Namespace, c.Name, c.App)
			leaf.Cycle = true
			t.Children = append(t.Children, leaf)
			continue
		}
		child, err := b.app(ctx, c, path)
		if err != nil {
			return nil, err
		}
		t.Children = append(t.Children, child)
	}
	if b.sets {
		for _, r := range n.App.Status.Resources {
			if r.Group != v1alpha1.Group || r.Kind != v1alpha1.ApplicationSetKind {
				continue
			}
			ns := orDefault(r.Namespace, orDefault(n.App.Spec.Destination.Namespace, n.Namespace))
			child, err := b.set(ctx, ns, r.Name, path)
			if err != nil {
				return nil, err
			}
			t.Children = append(t.Children, child)
		}
	}
	sortTreeNodes(t.Children)
	return t, nil
}

// set is the node of an ApplicationSet, its generated Applications as
// children; a set that does not exist (or is not served) has no AppSet
// and no children.
func (b treeBuilder) set(ctx context.Context, ns, name string, path map[string]bool) (*TreeNode, error) {
	t := &TreeNode{Kind: v1alpha1.ApplicationSetKind, Namespace: ns, Name: name, DependsOn: []string{}, Children: []*TreeNode{}}
	var set v1alpha1.ApplicationSet
	err := b.reader.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, &set)
	switch {
	case apierrors.IsNotFound(err):
		return t, nil
	case err != nil:
		return nil, fmt.Errorf("get applicationset %s/%s: %w", ns, name, err)
	}
	t.Wave = strings.TrimSpace(set.Annotations[waveAnnotation])
	t.DependsOn = parseDependsOn(set.Annotations[dependsOnAnnotation])
	ix, err := b.s.indexApps(ctx, appSetNamespaces(&set)...)
	if err != nil {
		return nil, fmt.Errorf("applications of applicationset %s/%s: %w", ns, name, err)
	}
	apps := ix.generated(&set)
	sum := summarizeAppSet(&set, apps)
	t.AppSet = &sum
	k := treeKey(v1alpha1.ApplicationSetKind, ns, name)
	if path[k] {
		t.Cycle = true
		return t, nil
	}
	path[k] = true
	defer delete(path, k)
	for _, g := range apps {
		app := ix.byKey[g.Namespace+"/"+g.Name]
		if app == nil || path[treeKey(v1alpha1.ApplicationKind, g.Namespace, g.Name)] {
			leaf := appTreeNode(g.Namespace, g.Name, app)
			leaf.Cycle = app != nil
			t.Children = append(t.Children, leaf)
			continue
		}
		sub, err := appctl.AppTree(ctx, b.reader, g.Namespace, g.Name)
		if apierrors.IsNotFound(err) { // deleted since the index was made
			t.Children = append(t.Children, appTreeNode(g.Namespace, g.Name, nil))
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("application tree of %s/%s: %w", g.Namespace, g.Name, err)
		}
		child, err := b.app(ctx, sub, path)
		if err != nil {
			return nil, err
		}
		t.Children = append(t.Children, child)
	}
	sortTreeNodes(t.Children)
	return t, nil
}

// appTreeNode is the node of an Application without children; app is nil
// for one that does not exist.
func appTreeNode(ns, name string, app *v1alpha1.Application) *TreeNode {
	t := &TreeNode{Kind: v1alpha1.ApplicationKind, Namespace: ns, Name: name, DependsOn: []string{}, Children: []*TreeNode{}}
	if app != nil {
		sum := summarize(app)
		t.App, t.Wave, t.DependsOn = &sum, sum.Wave, sum.DependsOn
	}
	return t
}

func treeKey(kind, ns, name string) string { return kind + ":" + ns + "/" + name }

// sortTreeNodes orders siblings as a sync applies them: by wave, then
// name (Applications before ApplicationSets of the same name).
func sortTreeNodes(nodes []*TreeNode) {
	wave := func(w string) int {
		n, err := strconv.Atoi(w)
		if err != nil {
			return 0
		}
		return n
	}
	slices.SortStableFunc(nodes, func(a, b *TreeNode) int {
		if c := cmp.Compare(wave(a.Wave), wave(b.Wave)); c != 0 {
			return c
		}
		if c := strings.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		return strings.Compare(a.Kind, b.Kind)
	})
}
