package controller

import (
	"context"
	"fmt"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/object"
	flsync "flotilla.dev/flotilla/internal/sync"
)

// nextOperation returns the sync to run now: a requested one (app.operation)
// or an automated one. When there is none, why says why not.
func (r *Reconciler) nextOperation(app *v1alpha1.Application, cmp *comparison) (*v1alpha1.Operation, string) {
	if app.Operation != nil && app.Operation.Sync != nil {
		op := app.Operation.DeepCopy()
		app.Operation = nil
		return op, ""
	}
	why := r.autoSyncSkipReason(app, cmp)
	if why != "" {
		return nil, why
	}
	auto := app.Spec.SyncPolicy.Automated
	return &v1alpha1.Operation{
		Sync: &v1alpha1.SyncOperation{
			Revision:    cmp.revisions[0],
			Revisions:   multi(app, cmp.revisions),
			Prune:       auto.Prune,
			SyncOptions: app.Spec.SyncPolicy.SyncOptions,
		},
		InitiatedBy: v1alpha1.OperationInitiator{Automated: true},
	}, ""
}

// autoSyncSkipReason applies Argo CD's automated-sync rules; "" means sync.
func (r *Reconciler) autoSyncSkipReason(app *v1alpha1.Application, cmp *comparison) string {
	policy := app.Spec.SyncPolicy
	if policy == nil || !policy.IsAutomatedSyncEnabled() {
		return "automated sync is off"
	}
	auto := policy.Automated
	switch {
	case len(cmp.errs) > 0:
		return "comparison has errors"
	case cmp.syncStatus == v1alpha1.SyncStatusCodeSynced:
		return "already synced"
	case !auto.Prune && onlyPruning(cmp):
		return "auto-sync would only prune, and prune is off"
	case !auto.AllowEmpty && len(cmp.desired) == 0:
		setCondition(&app.Status, v1alpha1.ApplicationConditionSyncError,
			"auto-sync will not delete every resource of the application; set syncPolicy.automated.allowEmpty to allow it")
		return "sources render no objects"
	}
	last := app.Status.OperationState
	if last == nil || last.Operation.Sync == nil || !sameRevisions(last, cmp.revisions) {
		return ""
	}
	if !last.Phase.Successful() {
		return "the last sync to " + short(cmp.revisions[0]) + " failed"
	}
	if !auto.SelfHeal {
		return "most recent sync is already to " + short(cmp.revisions[0]) + " and selfHeal is off"
	}
	if last.FinishedAt != nil && time.Since(last.FinishedAt.Time) < r.selfHealBackoff() {
		return "self-heal backoff"
	}
	return ""
}

func (r *Reconciler) selfHealBackoff() time.Duration {
	if r.SelfHealBackoff > 0 {
		return r.SelfHealBackoff
	}
	return DefaultSelfHealBackoff
}

func onlyPruning(cmp *comparison) bool {
	for _, res := range cmp.resources {
		if res.Status != v1alpha1.SyncStatusCodeSynced && !res.RequiresPruning {
			return false
		}
	}
	return true
}

func sameRevisions(last *v1alpha1.OperationState, revs []string) bool {
	if last.SyncResult != nil {
		if len(last.SyncResult.Revisions) > 0 {
			return strings.Join(last.SyncResult.Revisions, ",") == strings.Join(revs, ",")
		}
		return last.SyncResult.Revision == revs[0]
	}
	return last.Operation.Sync.Revision == revs[0]
}

func multi(app *v1alpha1.Application, revs []string) []string {
	if app.Spec.HasMultipleSources() {
		return revs
	}
	return nil
}

// runOperation runs one sync and records it in operationState and history.
func (r *Reconciler) runOperation(ctx context.Context, app *v1alpha1.Application, op *v1alpha1.Operation, cmp *comparison) {
	started := metav1Now()
	state := &v1alpha1.OperationState{Operation: *op, Phase: v1alpha1.OperationRunning, StartedAt: started}
	desired, prunable := selectResources(op.Sync.Resources, cmp.desired), selectResources(op.Sync.Resources, cmp.prunable)
	results, err := r.sync(ctx, app, op, desired, prunable)
	finished := metav1Now()
	state.FinishedAt = &finished
	state.SyncResult = &v1alpha1.SyncOperationResult{
		Resources: toResourceResults(results),
		Revision:  cmp.revisions[0],
		Revisions: multi(app, cmp.revisions),
	}
	if app.Spec.HasMultipleSources() {
		state.SyncResult.Sources = app.Spec.Sources
	} else if app.Spec.Source != nil {
		state.SyncResult.Source = *app.Spec.Source
	}
	if err != nil {
		state.Phase, state.Message = v1alpha1.OperationFailed, err.Error()
		setCondition(&app.Status, v1alpha1.ApplicationConditionSyncError, "sync failed: "+err.Error())
	} else {
		state.Phase, state.Message = v1alpha1.OperationSucceeded, "successfully synced (all tasks run)"
		clearCondition(&app.Status, v1alpha1.ApplicationConditionSyncError)
		if !op.Sync.DryRun {
			addHistory(app, state, started)
		}
	}
	app.Status.OperationState = state
}

func (r *Reconciler) sync(ctx context.Context, app *v1alpha1.Application, op *v1alpha1.Operation, desired, prunable []*unstructured.Unstructured) ([]flsync.Result, error) {
	opts := syncOptions(app, op)
	if op.Sync.DryRun {
		return r.dryRunSync(ctx, desired)
	}
	if opts.HasOption("CreateNamespace=true") && app.Spec.Destination.Namespace != "" {
		if err := r.ensureNamespace(ctx, app); err != nil {
			return nil, err
		}
	}
	return flsync.Run(ctx, r.Cluster, desired, prunable, flsync.Options{
		Prune:            op.Sync.Prune,
		PrunePropagation: prunePropagation(opts),
	})
}

func (r *Reconciler) dryRunSync(ctx context.Context, desired []*unstructured.Unstructured) ([]flsync.Result, error) {
	var results []flsync.Result
	for _, u := range desired {
		res := flsync.Result{Key: object.KeyOf(u), Version: u.GroupVersionKind().Version, Code: flsync.Synced, Message: "dry run", Wave: flsync.Wave(u)}
		if _, err := r.Cluster.DryRun(ctx, u); err != nil {
			res.Code, res.Message = flsync.SyncFailed, err.Error()
			results = append(results, res)
			return results, fmt.Errorf("dry run: %w", err)
		}
		results = append(results, res)
	}
	return results, nil
}

// ensureNamespace creates the destination namespace (CreateNamespace=true)
// with the managed namespace metadata. It is not tracked, so never pruned.
func (r *Reconciler) ensureNamespace(ctx context.Context, app *v1alpha1.Application) error {
	ns := &unstructured.Unstructured{}
	ns.SetAPIVersion("v1")
	ns.SetKind("Namespace")
	ns.SetName(app.Spec.Destination.Namespace)
	if md := app.Spec.SyncPolicy.ManagedNamespaceMetadata; md != nil {
		ns.SetLabels(md.Labels)
		ns.SetAnnotations(md.Annotations)
		if _, err := r.Cluster.Apply(ctx, ns); err != nil {
			return fmt.Errorf("create namespace: %w", err)
		}
		return nil
	}
	live, err := r.Cluster.Get(ctx, ns)
	if err != nil || live != nil {
		return err
	}
	if _, err := r.Cluster.Apply(ctx, ns); err != nil {
		return fmt.Errorf("create namespace: %w", err)
	}
	return nil
}

func syncOptions(app *v1alpha1.Application, op *v1alpha1.Operation) v1alpha1.SyncOptions {
	var opts v1alpha1.SyncOptions
	if app.Spec.SyncPolicy != nil {
		opts = append(opts, app.Spec.SyncPolicy.SyncOptions...)
	}
	return append(opts, op.Sync.SyncOptions...)
}

func prunePropagation(opts v1alpha1.SyncOptions) metav1.DeletionPropagation {
	switch {
	case opts.HasOption("PrunePropagationPolicy=background"):
		return metav1.DeletePropagationBackground
	case opts.HasOption("PrunePropagationPolicy=orphan"):
		return metav1.DeletePropagationOrphan
	}
	return metav1.DeletePropagationForeground
}

// selectResources keeps the objects named in a partial sync (all when
// none are named).
func selectResources(want []v1alpha1.SyncOperationResource, objs []*unstructured.Unstructured) []*unstructured.Unstructured {
	if len(want) == 0 {
		return objs
	}
	var out []*unstructured.Unstructured
	for _, u := range objs {
		k := object.KeyOf(u)
		for _, w := range want {
			if w.Group == k.Group && w.Kind == k.Kind && w.Name == k.Name && (w.Namespace == "" || w.Namespace == k.Namespace) {
				out = append(out, u)
				break
			}
		}
	}
	return out
}

func toResourceResults(results []flsync.Result) v1alpha1.ResourceResults {
	out := make(v1alpha1.ResourceResults, 0, len(results))
	for _, res := range results {
		out = append(out, &v1alpha1.ResourceResult{
			Group: res.Key.Group, Version: res.Version, Kind: res.Key.Kind,
			Namespace: res.Key.Namespace, Name: res.Key.Name,
			Status: v1alpha1.ResultCode(res.Code), Message: res.Message,
			SyncPhase: v1alpha1.SyncPhase("Sync"),
		})
	}
	return out
}

// addHistory records a successful sync, keeping revisionHistoryLimit
// entries (default 10).
func addHistory(app *v1alpha1.Application, state *v1alpha1.OperationState, started metav1.Time) {
	var nextID int64
	if n := len(app.Status.History); n > 0 {
		nextID = app.Status.History[n-1].ID + 1
	}
	entry := v1alpha1.RevisionHistory{
		ID:              nextID,
		Revision:        state.SyncResult.Revision,
		Revisions:       state.SyncResult.Revisions,
		Source:          state.SyncResult.Source,
		Sources:         state.SyncResult.Sources,
		DeployedAt:      *state.FinishedAt,
		DeployStartedAt: &started,
		InitiatedBy:     state.Operation.InitiatedBy,
	}
	limit := int64(10)
	if app.Spec.RevisionHistoryLimit != nil {
		limit = *app.Spec.RevisionHistoryLimit
	}
	app.Status.History = append(app.Status.History, entry)
	if over := int64(len(app.Status.History)) - limit; over > 0 {
		app.Status.History = app.Status.History[over:]
	}
}

func short(rev string) string {
	if len(rev) == 40 {
		return rev[:7]
	}
	return rev
}
