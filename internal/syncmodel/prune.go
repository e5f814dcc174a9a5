package syncmodel

import (
	"context"
	"errors"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/apply"
	"flotilla.dev/flotilla/internal/object"
	flsync "flotilla.dev/flotilla/internal/sync"
)

// compareOptionsAnnotation carries per-resource compare options.
const compareOptionsAnnotation = "argocd.argoproj.io/compare-options"

// findPrunable looks up the objects this app managed before (its previous
// status.resources, hooks never among them) that are no longer desired.
// Only those its tracking still owns are pruned.
func (c *comparer) findPrunable(ctx context.Context, seen map[object.Key]bool, res *Result) error {
	appPrune := flsync.AppPruneOption(appOptions(c.in.App))
	for _, prev := range c.in.App.Status.Resources {
		key := object.Key{Group: prev.Group, Kind: prev.Kind, Namespace: prev.Namespace, Name: prev.Name}
		if seen[key] || prev.Hook {
			continue
		}
		seen[key] = true
		live, err := c.in.Cluster.Get(ctx, probe(prev))
		if errors.Is(err, apply.ErrUnknownKind) {
			continue // its kind is gone, so is it
		}
		if err != nil {
			return err
		}
		if live == nil || !c.in.Tracking.Owns(live, c.in.Instance) {
			continue
		}
		r := pruneResource(live, appPrune)
		if !r.Prune.IgnoreExtraneous {
			res.Status = v1alpha1.SyncStatusCodeOutOfSync
		}
		if err := c.withDiff(&r); err != nil {
			return err
		}
		res.Resources = append(res.Resources, r)
	}
	return nil
}

// probe is the object a previous resource status names.
func probe(prev v1alpha1.ResourceStatus) *unstructured.Unstructured {
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(schema.GroupVersionKind{Group: prev.Group, Version: prev.Version, Kind: prev.Kind})
	u.SetNamespace(prev.Namespace)
	u.SetName(prev.Name)
	return u
}

// pruneResource is the answer for live, to be pruned.
func pruneResource(live *unstructured.Unstructured, appPrune string) Resource {
	r := newResource(live)
	r.Live, r.Status = live, v1alpha1.SyncStatusCodeOutOfSync
	opt := flsync.PruneOption(live, appPrune)
	r.Prune = &Prune{Disabled: opt == "false", Confirm: opt == "confirm", IgnoreExtraneous: IgnoresExtraneous(live)}
	return r
}

// IgnoresExtraneous reports the compare option IgnoreExtraneous: an
// object to prune that does not make its app OutOfSync.
func IgnoresExtraneous(u *unstructured.Unstructured) bool {
	return strings.Contains(u.GetAnnotations()[compareOptionsAnnotation], "IgnoreExtraneous")
}
