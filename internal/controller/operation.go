package controller

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/crashpoint"
	"flotilla.dev/flotilla/internal/diff"
	"flotilla.dev/flotilla/internal/object"
	flsync "flotilla.dev/flotilla/internal/sync"
)

// operationRequeue is how soon a running operation is stepped again when
// no watch event comes first.
const operationRequeue = 2 * time.Second

// nextOperation returns the sync to start now: a requested one
// (app.operation) or an automated one. When there is none, why says why not.
func (r *Reconciler) nextOperation(app *v1alpha1.Application, cmp *comparison) (*v1alpha1.Operation, string) {
	if app.Operation != nil && app.Operation.Sync != nil {
		op := app.Operation.DeepCopy()
		app.Operation = nil
		return op, ""
	}
	if why := r.autoSyncSkipReason(app, cmp); why != "" {
		return nil, why
	}
	policy := app.Spec.SyncPolicy
	op := &v1alpha1.Operation{
		Sync: &v1alpha1.SyncOperation{
			Revision:    cmp.revisions[0],
			Revisions:   multi(app, cmp.revisions),
			Prune:       policy.Automated.Prune,
			SyncOptions: policy.SyncOptions,
		},
		InitiatedBy: v1alpha1.OperationInitiator{Automated: true},
	}
	if last := app.Status.OperationState; last != nil && last.Operation.Sync != nil && sameRevisions(last, cmp.revisions) {
		op.Sync.SelfHealAttemptsCount = healAttempts(last) + 1 // a self-heal of the same revision
	}
	if policy.Retry != nil {
		op.Retry = *policy.Retry
	}
	crashpoint.Hit(crashpoint.OperationRequested)
	return op, ""
}

// operationIDInfo names the operation.info entry holding the operation's
// unique id (hooks are marked with it).
const operationIDInfo = "flotilla.dev/operation-id"

// operationID is the unique id of an operation, persisted in its info.
func operationID(st *v1alpha1.OperationState) string {
	for _, i := range st.Operation.Info {
		if i != nil && i.Name == operationIDInfo {
			return i.Value
		}
	}
	return st.StartedAt.UTC().Format(time.RFC3339) // operations started before ids existed
}

// attemptID names one attempt of an operation; hooks carry it. A step
// repeated after a crash adopts the hooks its attempt created, while a
// retry is a new attempt, as in Argo CD: its hooks run again (a previous
// attempt's instance is deleted first under BeforeHookCreation).
func attemptID(st *v1alpha1.OperationState) string {
	if st.RetryCount == 0 {
		return operationID(st)
	}
	return fmt.Sprintf("%s-attempt-%d", operationID(st), st.RetryCount+1)
}

func newOperationID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// startOperation records a new operation as Running; the sync itself runs
// in steps (stepOperation), one per reconcile, so it survives restarts.
func (r *Reconciler) startOperation(app *v1alpha1.Application, op *v1alpha1.Operation, revisions []string) {
	op.Info = append(op.Info, &v1alpha1.Info{Name: operationIDInfo, Value: newOperationID()})
	if op.Sync.Revision == "" || !isPinned(op.Sync.Revision) {
		op.Sync.Revision = revisions[0]
	}
	if len(op.Sync.Revisions) == 0 {
		op.Sync.Revisions = multi(app, revisions)
	}
	state := &v1alpha1.OperationState{
		Operation:  *op,
		Phase:      v1alpha1.OperationRunning,
		Message:    "sync started",
		StartedAt:  metav1Now(),
		SyncResult: &v1alpha1.SyncOperationResult{Revision: op.Sync.Revision, Revisions: op.Sync.Revisions},
	}
	if app.Spec.HasMultipleSources() {
		state.SyncResult.Sources = app.Spec.Sources
	} else if app.Spec.Source != nil {
		state.SyncResult.Source = *app.Spec.Source
	}
	app.Status.OperationState = state
}

// announce emits OperationStarted for an operation written Running for
// the first time. One that ends before its first write (the usual sync of
// resources alone) announces only its end (operationEnded), so a fleet's
// syncs cost one Event each.
func (r *Reconciler) announce(stored, app *v1alpha1.Application) {
	st := runningOperation(app)
	if st == nil {
		return
	}
	if prev := stored.Status.OperationState; prev != nil && prev.Phase == v1alpha1.OperationRunning && operationID(prev) == operationID(st) {
		return
	}
	op := st.Operation
	r.event(app, corev1.EventTypeNormal, "OperationStarted", "%s to %s", initiator(op), short(op.Sync.Revision))
}

// initiator names who started an operation, for Events.
func initiator(op v1alpha1.Operation) string {
	if op.InitiatedBy.Automated {
		return "automated sync"
	}
	return "sync requested by " + orUnknown(op.InitiatedBy.Username)
}

// isPinned reports whether a requested revision is a full commit SHA; any
// other revision (a branch, HEAD) is resolved to the commit compared now.
func isPinned(rev string) bool { return len(rev) == 40 && strings.Trim(rev, "0123456789abcdef") == "" }

// runningOperation is the operation in progress, nil when none is.
func runningOperation(app *v1alpha1.Application) *v1alpha1.OperationState {
	st := app.Status.OperationState
	if st == nil || st.Phase != v1alpha1.OperationRunning || st.Operation.Sync == nil {
		return nil
	}
	return st
}

// pinnedRevisions are the revisions a running operation renders.
func pinnedRevisions(app *v1alpha1.Application, st *v1alpha1.OperationState) []string {
	if len(st.SyncResult.Revisions) > 0 {
		return st.SyncResult.Revisions
	}
	if app.Spec.HasMultipleSources() {
		return nil
	}
	return []string{st.SyncResult.Revision}
}

// stepOperation advances the running operation by one step and returns
// how soon to look again (0 when it finished).
// The objects it applies are recorded in applied.
func (r *Reconciler) stepOperation(ctx context.Context, app *v1alpha1.Application, cmp *comparison, applied map[object.Key]*unstructured.Unstructured) time.Duration {
	st := app.Status.OperationState
	if wait := retryWait(st); wait > 0 {
		return wait
	}
	if retrying := st.FinishedAt != nil && st.RetryCount > 0; retrying && st.Operation.Retry.Refresh {
		if again := r.retryWithLatest(ctx, app, st); again > 0 {
			return again
		}
	}
	crashpoint.Hit(crashpoint.OperationStep)
	st.FinishedAt = nil
	op := &st.Operation
	if err := flsync.CheckHookPhases(cmp.hooks); err != nil {
		return r.finishOperation(app, flsync.Outcome{State: flsync.Failed, Message: err.Error()})
	}
	if op.Sync.DryRun {
		results, err := r.dryRunSync(ctx, selectResources(op.Sync.Resources, cmp.desired))
		st.SyncResult.Resources = results
		r.finishOperation(app, flsync.Outcome{State: outcomeOf(err), Message: messageOf(err, "dry run succeeded")})
		return 0
	}
	opts := syncOptions(app, op)
	if opts.HasOption("FailOnSharedResource=true") && len(cmp.shared) > 0 {
		return r.finishOperation(app, flsync.Outcome{State: flsync.Failed, Message: "shared resource found: " + strings.Join(cmp.shared, "; ")})
	}
	if opts.HasOption("CreateNamespace=true") && app.Spec.Destination.Namespace != "" {
		if err := r.ensureNamespace(ctx, app); err != nil {
			r.finishOperation(app, flsync.Outcome{State: flsync.Failed, Message: err.Error()})
			return 0
		}
	}
	desired := selectResources(op.Sync.Resources, cmp.desired)
	if opts.HasOption("ApplyOutOfSyncOnly=true") {
		desired = outOfSyncOnly(desired, cmp, progressKeys(st))
	}
	if opts.HasOption("RespectIgnoreDifferences=true") {
		var err error
		if desired, err = r.respectIgnored(ctx, app, desired); err != nil {
			return r.finishOperation(app, flsync.Outcome{State: flsync.Failed, Message: err.Error()})
		}
	}
	tasks := flsync.Plan(desired, selectResources(op.Sync.Resources, cmp.hooks),
		selectResources(op.Sync.Resources, cmp.prunable), flsync.PlanOptions{
			PruneLast: opts.HasOption("PruneLast=true"), Prune: pruneOption(opts), Revision: firstOf(pinnedRevisions(app, st)), StartedAt: st.StartedAt.Time,
		})
	progress := toProgress(st.SyncResult.Resources)
	cluster := newRecordingCluster(r, app, opts, cmp, applied)
	out, err := flsync.Step(ctx, cluster, tasks, progress, flsync.Options{
		Prune:                       op.Sync.Prune,
		PrunePropagation:            prunePropagation(opts),
		PruneConfirmed:              deletionApproved(app, st.StartedAt.Time),
		OperationID:                 attemptID(st),
		SkipDryRunOnMissingResource: opts.HasOption("SkipDryRunOnMissingResource=true"),
		Health:                      r.assess,
		Known:                       cluster.Known,
	})
	st.SyncResult.Resources = fromProgress(progress)
	if err != nil {
		out = flsync.Outcome{State: flsync.Running, Message: "retrying after an error: " + err.Error()}
	}
	if out.State == flsync.Running {
		st.Message = out.Message
		return operationRequeue
	}
	return r.finishOperation(app, out)
}

// finishOperation records the end of an attempt: success (with history),
// a retry after backoff, or failure.
func (r *Reconciler) finishOperation(app *v1alpha1.Application, out flsync.Outcome) time.Duration {
	crashpoint.Hit(crashpoint.OperationFinish)
	st := app.Status.OperationState
	now := metav1Now()
	st.FinishedAt = &now
	if out.State == flsync.Succeeded {
		st.Phase, st.Message = v1alpha1.OperationSucceeded, out.Message
		clearCondition(&app.Status, v1alpha1.ApplicationConditionSyncError)
		if !st.Operation.Sync.DryRun {
			addHistory(app, st, st.StartedAt)
		}
		r.operationEnded(app, st)
		return 0
	}
	if wait, ok := nextRetry(st); ok {
		// FinishedAt is kept in whole seconds: rounded up, so the next
		// attempt never starts before the backoff has passed.
		failedAt := time.Now()
		up := metav1.NewTime(failedAt.Truncate(time.Second).Add(time.Second))
		st.FinishedAt = &up
		st.RetryCount++
		st.SyncResult.Resources = nil
		st.Message = fmt.Sprintf("%s. Retrying attempt #%d in %s.", out.Message, st.RetryCount, wait)
		return wait + up.Sub(failedAt)
	}
	st.Phase, st.Message = v1alpha1.OperationFailed, out.Message
	setCondition(&app.Status, v1alpha1.ApplicationConditionSyncError, "sync failed: "+out.Message)
	r.operationEnded(app, st)
	return 0
}

func outcomeOf(err error) flsync.State {
	if err != nil {
		return flsync.Failed
	}
	return flsync.Succeeded
}

func messageOf(err error, ok string) string {
	if err != nil {
		return err.Error()
	}
	return ok
}

func (r *Reconciler) dryRunSync(ctx context.Context, desired []*unstructured.Unstructured) (v1alpha1.ResourceResults, error) {
	var results v1alpha1.ResourceResults
	for _, u := range desired {
		gvk := u.GroupVersionKind()
		res := &v1alpha1.ResourceResult{Group: gvk.Group, Version: gvk.Version, Kind: gvk.Kind, Namespace: u.GetNamespace(),
			Name: u.GetName(), Status: v1alpha1.ResultCodeSynced, Message: "dry run", SyncPhase: v1alpha1.SyncPhase(flsync.Sync)}
		if _, err := r.Cluster.DryRun(ctx, u); err != nil {
			res.Status, res.Message = v1alpha1.ResultCodeSyncFailed, err.Error()
			return append(results, res), fmt.Errorf("dry run: %w", err)
		}
		results = append(results, res)
	}
	return results, nil
}

// ensureNamespace creates the destination namespace (CreateNamespace=true)
// with the managed namespace metadata. It is not tracked, so never pruned.
func (r *Reconciler) ensureNamespace(ctx context.Context, app *v1alpha1.Application) error {
	if r.scope != nil {
		// a namespaced install created its namespaces, may not read
		// Namespaces, and refused apps that ask for another (checkApp)
		return nil
	}
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

func multi(app *v1alpha1.Application, revs []string) []string {
	if app.Spec.HasMultipleSources() {
		return revs
	}
	return nil
}

// outOfSyncOnly keeps the objects that are OutOfSync, and those this
// operation already applied (so their health is still waited for).
func outOfSyncOnly(objs []*unstructured.Unstructured, cmp *comparison, applied map[object.Key]bool) []*unstructured.Unstructured {
	synced := map[object.Key]bool{}
	for _, r := range cmp.resources {
		if r.Status == v1alpha1.SyncStatusCodeSynced {
			synced[object.Key{Group: r.Group, Kind: r.Kind, Namespace: r.Namespace, Name: r.Name}] = true
		}
	}
	var out []*unstructured.Unstructured
	for _, u := range objs {
		if k := object.KeyOf(u); !synced[k] || applied[k] {
			out = append(out, u)
		}
	}
	return out
}

func progressKeys(st *v1alpha1.OperationState) map[object.Key]bool {
	out := map[object.Key]bool{}
	for _, r := range st.SyncResult.Resources {
		out[object.Key{Group: r.Group, Kind: r.Kind, Namespace: r.Namespace, Name: r.Name}] = true
	}
	return out
}

// respectIgnored keeps the live value of every ignored field
// (RespectIgnoreDifferences=true), so a sync does not undo, say, an
// autoscaler's replicas.
func (r *Reconciler) respectIgnored(ctx context.Context, app *v1alpha1.Application, objs []*unstructured.Unstructured) ([]*unstructured.Unstructured, error) {
	rules := ignoreRules(app)
	if len(rules) == 0 {
		return objs, nil
	}
	out := make([]*unstructured.Unstructured, 0, len(objs))
	for _, u := range objs {
		live, err := r.Cluster.Get(ctx, u)
		if err != nil || live == nil {
			out = append(out, u)
			continue
		}
		kept, err := diff.RespectIgnored(u, live, rules)
		if err != nil {
			return nil, fmt.Errorf("respect ignoreDifferences on %s %s: %w", u.GetKind(), u.GetName(), err)
		}
		out = append(out, kept)
	}
	return out, nil
}

func firstOf(revs []string) string {
	if len(revs) == 0 {
		return ""
	}
	return revs[0]
}
