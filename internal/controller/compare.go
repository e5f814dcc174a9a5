package controller

import (
	"context"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/diff"
	"flotilla.dev/flotilla/internal/health"
	"flotilla.dev/flotilla/internal/object"
	"flotilla.dev/flotilla/internal/syncmodel"
)

// desiredState is what an Application's sources say the cluster should hold.
type desiredState struct {
	revisions []string
	objects   []*unstructured.Unstructured
}

// comparison is desired vs live for one Application, as internal/syncmodel
// answers it, in the shapes status and the sync take.
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

// compare asks internal/syncmodel what is out of sync and what a sync
// would prune; the in-sync cache (syncedCache) only lets it skip reads.
func (r *Reconciler) compare(ctx context.Context, app *v1alpha1.Application, state *desiredState) (*comparison, error) {
	return r.compareAfterStep(ctx, app, state, nil)
}

// compareAfterStep compares with the objects a step just applied taken
// as in sync (see syncedMemo.applied).
func (r *Reconciler) compareAfterStep(ctx context.Context, app *v1alpha1.Application, state *desiredState, applied map[object.Key]*unstructured.Unstructured) (*comparison, error) {
	checker := r.checks.get()
	res, err := syncmodel.Compare(ctx, syncmodel.Input{
		App: app, Objects: state.objects, Instance: r.instance(app), Tracking: r.tracking(),
		Cluster: r.Cluster, Health: checker, TakeOver: r.Cluster.TakeOver,
		Memo: syncedMemo{cache: r.synced, app: app, checker: checker, applied: applied},
	})
	if err != nil {
		return nil, err
	}
	cmp := &comparison{revisions: state.revisions, desired: res.Desired, hooks: res.Hooks,
		syncStatus: res.Status, health: res.Health, errs: res.Problems, shared: res.Shared}
	for _, m := range res.Resources {
		if m.Prune != nil {
			cmp.prunable = append(cmp.prunable, m.Live)
		}
		cmp.resources = append(cmp.resources, resourceStatus(m))
	}
	return cmp, nil
}

// resourceStatus is one entry of status.resources.
func resourceStatus(m syncmodel.Resource) v1alpha1.ResourceStatus {
	res := v1alpha1.ResourceStatus{
		Group: m.Key.Group, Version: m.Version, Kind: m.Key.Kind,
		Namespace: m.Key.Namespace, Name: m.Key.Name,
		SyncWave: int64(m.Wave), Status: m.Status, RequiresPruning: m.Prune != nil,
	}
	if m.Health != nil {
		res.Health = &v1alpha1.HealthStatus{Status: v1alpha1.HealthStatusCode(m.Health.Code), Message: m.Health.Message}
	}
	return res
}

// ignoreRules are the app's ignoreDifferences in the diff package's form.
func ignoreRules(app *v1alpha1.Application) []diff.Rule {
	return diff.RulesOf(app.Spec.IgnoreDifferences)
}
