package treediff

import (
	"context"
	"errors"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/diff"
	"flotilla.dev/flotilla/internal/manifests"
)

// Root is one root of the tree: an Application or an ApplicationSet.
type Root struct {
	App *v1alpha1.Application
	Set *v1alpha1.ApplicationSet
}

// Options steer Run.
type Options struct {
	// Generator renders both sides; its fetchers, credentials, repo map
	// and caches are shared by the two (see manifests.Generator
	// WithRevisions). Required.
	Generator *manifests.Generator
	// Base and Head pin repositories to revisions on each side, keyed by
	// source.Normalize(repoURL); a repository not pinned renders at its
	// targetRevision. See Revisions.
	Base, Head map[string]string
	// BaseLabel and HeadLabel name the sides in the Report.
	BaseLabel, HeadLabel string
	// Request carries the Kubernetes version and API versions for Helm.
	Request manifests.Request
	// Namespace is the namespace of an ApplicationSet that names none.
	Namespace string
	// Rules are ignore rules in Argo CD's ignoreDifferences format.
	Rules []diff.Rule
}

// Run renders roots at the base and at the head revisions and compares
// them. The base is rendered first, so that the head finds in the shared
// caches whatever did not change.
func Run(ctx context.Context, roots []Root, opts Options) (*Report, error) {
	if opts.Generator == nil {
		return nil, errors.New("treediff needs a manifest generator")
	}
	base := Render(ctx, opts.Generator.WithRevisions(opts.Base), roots, opts.Request, opts.Namespace)
	head := Render(ctx, opts.Generator.WithRevisions(opts.Head), roots, opts.Request, opts.Namespace)
	r, err := Compare(base, head, opts.Rules)
	if err != nil {
		return nil, err
	}
	r.Base, r.Head = opts.BaseLabel, opts.HeadLabel
	return r, nil
}

// Render renders every root down its whole tree with gen, cluster-free. A
// set that names no namespace is taken to be in namespace.
func Render(ctx context.Context, gen *manifests.Generator, roots []Root, req manifests.Request, namespace string) []*manifests.Node {
	var nodes []*manifests.Node
	for _, r := range roots {
		if r.Set != nil {
			nodes = append(nodes, gen.AppSetTree(ctx, r.Set, namespace, req, manifests.OfflineScope{})...)
			continue
		}
		nodes = append(nodes, gen.Tree(ctx, r.App, req, manifests.OfflineScope{}))
	}
	return nodes
}
