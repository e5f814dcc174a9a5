package syncmodel

import (
	"context"
	"errors"
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/diff"
	"flotilla.dev/flotilla/internal/health"
	"flotilla.dev/flotilla/internal/object"
	flsync "flotilla.dev/flotilla/internal/sync"
)

// Compare answers the question for in.App: every desired object compared
// with its live state, then every previous resource to prune. An error is
// a failed read (or hand-over) that leaves no answer; per-object problems
// are in Result.Problems.
func Compare(ctx context.Context, in Input) (*Result, error) {
	if in.App == nil || in.Cluster == nil {
		return nil, errors.New("compare needs an application and a cluster")
	}
	c := comparer{in: in, rules: diff.RulesOf(in.App.Spec.IgnoreDifferences)}
	if in.Diffs {
		c.in.Memo = nil
	}
	res := &Result{Status: v1alpha1.SyncStatusCodeSynced}
	res.Desired, res.Hooks = SplitHooks(in.Objects)
	var codes []health.Code
	seen := map[object.Key]bool{}
	for _, u := range res.Desired {
		seen[object.KeyOf(u)] = true
		r, err := c.compareOne(ctx, u, res)
		if err != nil {
			return nil, err
		}
		if r.Status != v1alpha1.SyncStatusCodeSynced {
			res.Status = v1alpha1.SyncStatusCodeOutOfSync
		}
		if r.Problem != "" {
			res.Problems = append(res.Problems, r.Problem)
		}
		if r.Health != nil {
			codes = append(codes, r.Health.Code)
		}
		res.Resources = append(res.Resources, r)
	}
	if err := c.findPrunable(ctx, seen, res); err != nil {
		return nil, err
	}
	res.Health = health.Status{Code: health.Worst(codes...)}
	return res, nil
}

// comparer holds one Compare's inputs.
type comparer struct {
	in    Input
	rules []diff.Rule
}

// SplitHooks separates hooks from the resources an app manages; objects
// annotated Skip are left out of both.
func SplitHooks(objs []*unstructured.Unstructured) (resources, hooks []*unstructured.Unstructured) {
	for _, u := range objs {
		switch {
		case flsync.IsSkipped(u):
		case flsync.IsHook(u):
			hooks = append(hooks, u)
		default:
			resources = append(resources, u)
		}
	}
	return resources, hooks
}

func newResource(u *unstructured.Unstructured) Resource {
	return Resource{Key: object.KeyOf(u), Version: u.GroupVersionKind().Version, Wave: flsync.Wave(u)}
}

func healthOf(s health.Status) *health.Status { return &s }

// appOptions are the app's sync options.
func appOptions(app *v1alpha1.Application) v1alpha1.SyncOptions {
	if app.Spec.SyncPolicy == nil {
		return nil
	}
	return app.Spec.SyncPolicy.SyncOptions
}

// describe names an object in messages.
func describe(k object.Key) string {
	s := k.Kind
	if k.Group != "" {
		s = k.Group + "/" + s
	}
	if k.Namespace != "" {
		return fmt.Sprintf("%s %s/%s", s, k.Namespace, k.Name)
	}
	return s + " " + k.Name
}
