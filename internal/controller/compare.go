package controller

import (
	"context"
	"errors"
	"fmt"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/apply"
	"flotilla.dev/flotilla/internal/diff"
	"flotilla.dev/flotilla/internal/health"
	"flotilla.dev/flotilla/internal/object"
	flsync "flotilla.dev/flotilla/internal/sync"
)

// desiredState is what an Application's sources say the cluster should hold.
type desiredState struct {
	revisions []string
	objects   []*unstructured.Unstructured
}

// comparison is desired vs live for one Application.
type comparison struct {
	revisions []string
	desired   []*unstructured.Unstructured
	// hooks are run by syncs but never compared or pruned.
	hooks      []*unstructured.Unstructured
	prunable   []*unstructured.Unstructured
	resources  []v1alpha1.ResourceStatus
	syncStatus v1alpha1.SyncStatusCode
	health     health.Status
	// errs are per-object problems that make the comparison unreliable.
	errs []string
	// shared are objects whose tracking id names another app.
	shared []string
}

// compare reads the live state of every desired and previously managed
// object and decides sync status and health.
func (r *Reconciler) compare(ctx context.Context, app *v1alpha1.Application, state *desiredState) (*comparison, error) {
	resources, hooks := splitHooks(state.objects)
	cmp := &comparison{revisions: state.revisions, desired: resources, hooks: hooks, syncStatus: v1alpha1.SyncStatusCodeSynced}
	var codes []health.Code
	seen := map[object.Key]bool{}
	for _, u := range resources {
		key := object.KeyOf(u)
		seen[key] = true
		res, problem, err := r.compareOne(ctx, app, u, cmp)
		if err != nil {
			return nil, err
		}
		if res.Status != v1alpha1.SyncStatusCodeSynced {
			cmp.syncStatus = v1alpha1.SyncStatusCodeOutOfSync
		}
		if problem != "" {
			cmp.errs = append(cmp.errs, problem)
		}
		codes = append(codes, health.Code(res.Health.Status))
		cmp.resources = append(cmp.resources, res)
	}
	if err := r.findPrunable(ctx, app, seen, cmp); err != nil {
		return nil, err
	}
	cmp.health = health.Status{Code: health.Worst(codes...)}
	return cmp, nil
}

// compareOne compares one desired object. problem explains a dry-run that
// the API server refused (the object is then OutOfSync).
func (r *Reconciler) compareOne(ctx context.Context, app *v1alpha1.Application, u *unstructured.Unstructured, cmp *comparison) (res v1alpha1.ResourceStatus, problem string, err error) {
	res = resourceStatus(u)
	checker := r.checks.get()
	if h, ok := r.synced.lookup(ctx, app, u, checker); ok {
		res.Status = v1alpha1.SyncStatusCodeSynced
		res.Health = &v1alpha1.HealthStatus{Status: v1alpha1.HealthStatusCode(h.Code), Message: h.Message}
		return res, "", nil
	}
	intent, statusOnly := r.synced.statusOnly(ctx, app, u, checker)
	var live *unstructured.Unstructured
	if !r.synced.absent(ctx, u) {
		live, err = r.Cluster.Get(ctx, u)
	}
	if errors.Is(err, apply.ErrUnknownKind) {
		live, err = nil, nil // defined by a CRD in the same sync
	}
	if err != nil {
		return res, "", err
	}
	if live != nil && statusOnly && metaIntent(live) == intent {
		// in sync as before: only its status moved, which health reads
		h := checker.Assess(live)
		res.Status = v1alpha1.SyncStatusCodeSynced
		res.Health = &v1alpha1.HealthStatus{Status: v1alpha1.HealthStatusCode(h.Code), Message: h.Message}
		r.synced.remember(app, u, live, h, checker)
		return res, "", nil
	}
	if live == nil {
		res.Status = v1alpha1.SyncStatusCodeOutOfSync
		res.Health = &v1alpha1.HealthStatus{Status: v1alpha1.HealthStatusMissing}
		return res, "", nil
	}
	tracking := r.tracking()
	owner := tracking.Owner(live)
	shared := owner != "" && !tracking.Owns(live, r.instance(app))
	if shared {
		cmp.shared = append(cmp.shared, fmt.Sprintf("%s/%s is part of applications %s and %s", u.GetKind(), u.GetName(), owner, app.Name))
	}
	if live, err = r.takeOver(ctx, app, live); err != nil {
		return res, "", err
	}
	h := checker.Assess(live)
	res.Health = &v1alpha1.HealthStatus{Status: v1alpha1.HealthStatusCode(h.Code), Message: h.Message}
	var appOpts v1alpha1.SyncOptions
	if app.Spec.SyncPolicy != nil {
		appOpts = app.Spec.SyncPolicy.SyncOptions
	}
	mode := applyMode(appOpts, u)
	predicted, err := r.Cluster.DryRunWith(ctx, u, mode)
	if err != nil {
		res.Status = v1alpha1.SyncStatusCodeOutOfSync
		if mode.Replace && mode.Force && apierrors.IsInvalid(err) {
			// Replace=true,Force=true: a change the API server refuses
			// (an immutable field) is made by re-creating the object, so
			// it is a difference to sync, not a comparison error.
			return res, "", nil
		}
		return res, err.Error(), nil
	}
	res.Status = v1alpha1.SyncStatusCodeOutOfSync
	equal, err := diff.Equal(predicted, r.backfillTracking(app, u, live), ignoreRules(app))
	if err != nil {
		return res, "ignoreDifferences: " + err.Error(), nil
	}
	if equal {
		res.Status = v1alpha1.SyncStatusCodeSynced
		if !shared {
			r.synced.remember(app, u, live, h, checker)
		}
	} else {
		r.synced.forget(app, u)
	}
	return res, "", nil
}

// findPrunable looks up the objects this app managed before (its last
// status.resources) that are no longer desired. Only those still carrying
// this app's tracking id (or, with a label tracking method and no tracking
// id, its instance label: see apply.Tracking.Owns) are candidates for
// pruning.
func (r *Reconciler) findPrunable(ctx context.Context, app *v1alpha1.Application, seen map[object.Key]bool, cmp *comparison) error {
	for _, prev := range app.Status.Resources {
		key := object.Key{Group: prev.Group, Kind: prev.Kind, Namespace: prev.Namespace, Name: prev.Name}
		if seen[key] {
			continue
		}
		seen[key] = true
		probe := &unstructured.Unstructured{}
		probe.SetGroupVersionKind(schema.GroupVersionKind{Group: prev.Group, Version: prev.Version, Kind: prev.Kind})
		probe.SetNamespace(prev.Namespace)
		probe.SetName(prev.Name)
		live, err := r.Cluster.Get(ctx, probe)
		if errors.Is(err, apply.ErrUnknownKind) {
			continue // its kind is gone, so is it
		}
		if err != nil {
			return err
		}
		if live == nil || !r.tracking().Owns(live, r.instance(app)) {
			continue
		}
		cmp.prunable = append(cmp.prunable, live)
		if !ignoresExtraneous(live) {
			cmp.syncStatus = v1alpha1.SyncStatusCodeOutOfSync
		}
		res := resourceStatus(live)
		res.Status = v1alpha1.SyncStatusCodeOutOfSync
		res.RequiresPruning = true
		cmp.resources = append(cmp.resources, res)
	}
	return nil
}

func resourceStatus(u *unstructured.Unstructured) v1alpha1.ResourceStatus {
	gvk := u.GroupVersionKind()
	return v1alpha1.ResourceStatus{
		Group: gvk.Group, Version: gvk.Version, Kind: gvk.Kind,
		Namespace: u.GetNamespace(), Name: u.GetName(),
		SyncWave: int64(flsync.Wave(u)),
	}
}

// splitHooks separates hooks from the resources an app manages; objects
// annotated Skip are left out of both.
func splitHooks(objs []*unstructured.Unstructured) (resources, hooks []*unstructured.Unstructured) {
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

// ignoresExtraneous reports the compare option IgnoreExtraneous: an object
// to prune that does not make its app OutOfSync.
func ignoresExtraneous(u *unstructured.Unstructured) bool {
	return strings.Contains(u.GetAnnotations()["argocd.argoproj.io/compare-options"], "IgnoreExtraneous")
}

// ignoreRules are the app's ignoreDifferences in the diff package's form.
func ignoreRules(app *v1alpha1.Application) []diff.Rule {
	return diff.RulesOf(app.Spec.IgnoreDifferences)
}

// takeOver hands the fields Argo CD's field managers hold on live to
// flotilla (apply.Client.TakeOver) when live is this app's, so that a
// field later removed from git is removed from the object. Only
// metadata.managedFields change; the object is not re-created.
func (r *Reconciler) takeOver(ctx context.Context, app *v1alpha1.Application, live *unstructured.Unstructured) (*unstructured.Unstructured, error) {
	if !apply.HasPreviousManagers(live) || !r.tracking().Owns(live, r.instance(app)) {
		return live, nil
	}
	return r.Cluster.TakeOver(ctx, live)
}

// backfillTracking is live as compared with desired u: an object this app
// owns through Argo CD's instance label alone (applied with label
// tracking) gets u's tracking id, as Argo CD's tracking normalisation
// does, so that the annotation the next sync adds is no difference.
func (r *Reconciler) backfillTracking(app *v1alpha1.Application, u, live *unstructured.Unstructured) *unstructured.Unstructured {
	if !r.tracking().OwnsByLabel(live, r.instance(app)) {
		return live
	}
	out := live.DeepCopy()
	ann := out.GetAnnotations()
	if ann == nil {
		ann = map[string]string{}
	}
	ann[apply.TrackingAnnotation] = u.GetAnnotations()[apply.TrackingAnnotation]
	out.SetAnnotations(ann)
	return out
}
