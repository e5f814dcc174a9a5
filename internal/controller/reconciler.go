package controller

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/record"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/log"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/apply"
	"flotilla.dev/flotilla/internal/cluster"
	"flotilla.dev/flotilla/internal/crashpoint"
	"flotilla.dev/flotilla/internal/manifests"
	"flotilla.dev/flotilla/internal/object"
	"flotilla.dev/flotilla/internal/project"
	flsync "flotilla.dev/flotilla/internal/sync"
)

// Defaults for the Reconciler's timing.
const (
	DefaultPollInterval    = 3 * time.Minute
	DefaultSelfHealBackoff = 5 * time.Second
	// progressRequeue is how soon an app that is not yet Synced and Healthy
	// is looked at again even without an event.
	progressRequeue = 10 * time.Second
	// errorRequeue is how soon an app with a comparison error is retried.
	errorRequeue = 30 * time.Second
)

// Reconciler reconciles Applications in the controller's namespace and
// the namespaces AppNamespaces match.
type Reconciler struct {
	// Namespace is the controller's namespace (Argo CD's "argocd"): its
	// AppProjects, repository Secrets and Applications.
	Namespace string
	// AppNamespaces are globs of further namespaces whose Applications are
	// reconciled when their project's sourceNamespaces allow it.
	AppNamespaces []string
	// Shards decides which Applications this replica reconciles; nil
	// reconciles all.
	Shards Sharder
	// Client patches Applications and reads other objects (cached reads).
	Client client.Client
	// Secrets caches Argo CD's repository and cluster Secrets.
	Secrets cache.Cache
	// Reader reads Applications from the API server itself: an operation
	// steps on the progress it last wrote, which a cache may not show yet.
	Reader client.Reader
	// Cluster applies, predicts, reads and deletes managed objects.
	Cluster *apply.Client
	// Manifests renders the Applications' sources.
	Manifests *manifests.Generator
	// PollInterval is how often sources are polled for new commits.
	PollInterval time.Duration
	// KubeVersion is the destination cluster's version, for Helm.
	KubeVersion string
	// Events records Kubernetes Events on Applications; nil records none.
	Events record.EventRecorder
	// SelfHealBackoff is the least time between two self-heal syncs.
	SelfHealBackoff time.Duration
	// ErrorBackoff is the wait before an app whose comparison failed is
	// tried again, doubled for every further failure in a row up to
	// ErrorBackoffMax (defaults DefaultErrorBackoff, DefaultErrorBackoffMax).
	ErrorBackoff, ErrorBackoffMax time.Duration

	watches *watchSet
	checks  *healthChecks
	// trackings are argocd-cm's tracking method and instance label.
	trackings *trackingSettings
	synced    *syncedCache
	nudge     chan event.TypedGenericEvent[*v1alpha1.Application]
	urgent    chan event.TypedGenericEvent[*v1alpha1.Application]
	// fresh holds, per Application, the resourceVersion this controller
	// last read from the API server or wrote itself (see read).
	fresh *sync.Map
	// pending holds progress not written yet (see holdWrite).
	pending *pendingWrites
	// elected reports whether this replica is the leader (nil: it is).
	elected func() bool
	// sets reconciles the ApplicationSets beside the Applications.
	sets *AppSetReconciler
	// statusPosts holds each app's last commit status error (see
	// commitstatus.go), shown as its CommitStatusError condition.
	statusPosts *sync.Map
	// clusters are the destination clusters; nil reconciles everything
	// on Cluster.
	clusters *clusterSet
	// failures counts each app's failed comparisons in a row.
	failures *failureCounts
	// dest is the app's destination cluster in a Reconciler made for one
	// app by forDestination; destErr why it could not be resolved.
	dest    *cluster.Cluster
	destErr error
	// reach probes a remote destination before it is compared.
	reach *reachability
	// scope is a namespaced install's reach; nil: everything.
	scope *namespaceScope
}

// Reconcile implements reconcile.Reconciler.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	if !r.watchesNamespace(req.Namespace) || !r.owns(req.Namespace, req.Name) {
		return ctrl.Result{}, nil
	}
	app, orig, confirmed, err := r.read(ctx, req.NamespacedName)
	if err != nil {
		if apierrors.IsNotFound(err) {
			forgetAppInfo(req.Namespace, req.Name)
			r.forgetFresh(req.NamespacedName)
			r.pending.drop(req.NamespacedName)
			if r.failures != nil {
				r.failures.reset(req.NamespacedName)
			}
		}
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	r = r.forDestination(ctx, app)
	if app.DeletionTimestamp != nil {
		return r.finalize(ctx, app)
	}
	defer func(start time.Time) { reconcileDuration.Observe(time.Since(start).Seconds()) }(time.Now())
	r.checks.refresh(ctx)
	r.trackings.refresh(ctx)
	result := r.reconcileApp(ctx, app, freshness(app))
	if _, asked := app.Annotations[RefreshAnnotation]; asked {
		delete(app.Annotations, RefreshAnnotation)
	}
	recordAppInfo(orig, app)
	if wait, ok := holdWrite(orig, app); ok {
		r.pending.hold(orig, app)
		return soonest(result, wait), nil
	}
	r.pending.drop(req.NamespacedName)
	if !r.worthWriting(orig, app) {
		return result, nil
	}
	r.announce(orig, app)
	crashpoint.Hit(crashpoint.StatusBeforeWrite)
	if err := r.Client.Patch(ctx, app, r.statusPatch(orig, confirmed)); err != nil {
		if r.fresh != nil {
			r.fresh.Store(req.NamespacedName, staleVersion)
		}
		return ctrl.Result{}, fmt.Errorf("write status of %s: %w", app.Name, err)
	}
	crashpoint.Hit(crashpoint.StatusAfterWrite)
	if r.fresh != nil {
		r.fresh.Store(req.NamespacedName, app.ResourceVersion)
	}
	return result, nil
}

// statusPatch is a merge patch from orig. It is optimistic when orig was
// not confirmed as the latest version (see read), and with sharding, so
// while the fleet rebalances two replicas never both step one operation:
// the second write fails and is retried on fresh state.
func (r *Reconciler) statusPatch(orig *v1alpha1.Application, confirmed bool) client.Patch {
	if r.Shards != nil || !confirmed {
		return client.MergeFromWithOptions(orig, client.MergeFromWithOptimisticLock{})
	}
	return client.MergeFrom(orig)
}

// read returns the Application to reconcile (with its unwritten progress,
// see pendingWrites), the version stored in the API server that a write
// patches, and whether that is known to be the latest version.
//
// An operation steps on the progress it last wrote, which a lagging cache
// may not show yet, so the cached copy of an app this controller wrote is
// used only when it is exactly the version it last read from the API
// server or wrote; otherwise (a user's change, a cache behind our own
// write) the API server is asked. An app this process has not written yet
// (new, or first seen after a start) is read from the cache, which the
// event that brought it here filled, and is not confirmed (unless it has
// an operation to step): its status write then carries its
// resourceVersion, so a cache that was behind after all makes the write
// fail and the next round ask the API server. A steady fleet's resyncs,
// and a new fleet's first syncs, thus cost no read.
func (r *Reconciler) read(ctx context.Context, key types.NamespacedName) (app, stored *v1alpha1.Application, confirmed bool, err error) {
	stored, confirmed, err = r.readStored(ctx, key)
	if err != nil {
		return nil, nil, false, err
	}
	return r.pending.apply(stored), stored, confirmed, nil
}

func (r *Reconciler) readStored(ctx context.Context, key types.NamespacedName) (app *v1alpha1.Application, confirmed bool, err error) {
	app = &v1alpha1.Application{}
	if r.Reader == nil || r.fresh == nil {
		return app, true, r.Client.Get(ctx, key, app)
	}
	rv, known := r.fresh.Load(key)
	if !known {
		err := r.Client.Get(ctx, key, app)
		if err != nil || (app.Operation == nil && runningOperation(app) == nil) {
			return app, false, err
		}
		// an operation steps only on confirmed progress
		app = &v1alpha1.Application{}
	}
	if known && rv != staleVersion {
		if err := r.Client.Get(ctx, key, app); err == nil && app.ResourceVersion == rv {
			return app, true, nil
		}
		app = &v1alpha1.Application{}
	}
	if err := r.Reader.Get(ctx, key, app); err != nil {
		return nil, false, err
	}
	r.fresh.Store(key, app.ResourceVersion)
	return app, true, nil
}

// staleVersion marks an app whose cached copy proved stale: it is read
// from the API server next time.
const staleVersion = "stale"

func (r *Reconciler) forgetFresh(key types.NamespacedName) {
	if r.fresh != nil {
		r.fresh.Delete(key)
	}
}

func (r *Reconciler) owns(namespace, name string) bool {
	return r.Shards == nil || r.Shards.Owns(namespace, name)
}

// reconcileApp does one round of fetch, render, compare and sync, leaving
// the outcome in app.Status. It never returns an error: problems become
// conditions, and nothing running is touched when the desired state
// cannot be computed.
func (r *Reconciler) reconcileApp(ctx context.Context, app *v1alpha1.Application, fresh manifests.Request) ctrl.Result {
	logger := log.FromContext(ctx)
	now := metav1Now()
	app.Status.ReconciledAt = &now
	if err := r.destErr; err != nil {
		setCondition(&app.Status, v1alpha1.ApplicationConditionInvalidSpecError, err.Error())
		app.Status.Sync.Status = v1alpha1.SyncStatusCodeUnknown
		return ctrl.Result{RequeueAfter: r.jitteredPoll()}
	}
	proj, err := r.checkProject(ctx, app)
	if err != nil {
		setCondition(&app.Status, v1alpha1.ApplicationConditionInvalidSpecError, err.Error())
		app.Status.Sync.Status = v1alpha1.SyncStatusCodeUnknown
		return ctrl.Result{RequeueAfter: errorRequeue}
	}
	clearCondition(&app.Status, v1alpha1.ApplicationConditionInvalidSpecError)
	if err := r.reach.check(ctx); err != nil {
		// nothing is compared or applied, and a running sync waits
		return ctrl.Result{RequeueAfter: r.comparisonFailed(app, err)}
	}
	running := runningOperation(app)
	cmp, err := r.desiredVsLive(ctx, app, fresh, running, proj)
	if isInvalidSpec(err) {
		setCondition(&app.Status, v1alpha1.ApplicationConditionInvalidSpecError, err.Error())
		app.Status.Sync.Status = v1alpha1.SyncStatusCodeUnknown
		if running != nil {
			r.finishOperation(app, flsync.Outcome{State: flsync.Failed, Message: err.Error()})
		}
		return ctrl.Result{RequeueAfter: errorRequeue}
	}
	if err != nil {
		logger.Info("comparison failed", "app", app.Name, "error", err.Error())
		wait := r.comparisonFailed(app, err)
		switch {
		case running != nil && isClusterError(err):
			// the cluster failed, not the sources: the sync waits, as
			// it does for a failed apply
			running.Message = "retrying after an error: " + err.Error()
		case running != nil:
			r.finishOperation(app, flsync.Outcome{State: flsync.Failed, Message: "render: " + err.Error()})
		}
		return ctrl.Result{RequeueAfter: wait}
	}
	blocked := false
	// A new operation with hooks is written as Running, with its start,
	// before its first step: the names of generateName hooks and their
	// adoption after a crash depend on that start. An operation of
	// resources alone takes its first step at once (see holdWrite).
	started := false
	if running == nil {
		blocked = r.recordDependencies(ctx, app)
	}
	if running == nil && !blocked {
		op, why := r.nextOperation(app, cmp)
		if op == nil && why != "" {
			logger.V(1).Info("not syncing", "app", app.Name, "reason", why)
		}
		if op != nil {
			r.startOperation(app, op, cmp.revisions)
			running = app.Status.OperationState
			logger.Info("sync started", "app", app.Namespace+"/"+app.Name, "revision", running.Operation.Sync.Revision, "automated", op.InitiatedBy.Automated)
			if pinned := pinnedRevisions(app, running); strings.Join(pinned, ",") != strings.Join(cmp.revisions, ",") {
				// a sync to another revision (a rollback) renders that revision
				if cmp, err = r.desiredVsLive(ctx, app, manifests.Request{}, running, proj); err != nil {
					r.finishOperation(app, flsync.Outcome{State: flsync.Failed, Message: "render: " + err.Error()})
					return ctrl.Result{RequeueAfter: errorRequeue}
				}
			}
			started = len(cmp.hooks) > 0
		}
	}
	var requeue time.Duration
	if running != nil && !started {
		applied := map[object.Key]*unstructured.Unstructured{}
		requeue = r.stepOperation(ctx, app, cmp, applied)
		state := &desiredState{revisions: cmp.revisions, objects: append(append([]*unstructured.Unstructured(nil), cmp.desired...), cmp.hooks...)}
		if cmp, err = r.compareAfterStep(ctx, app, state, applied); err != nil {
			return ctrl.Result{RequeueAfter: r.comparisonFailed(app, r.clusterFailed(err))}
		}
	}
	r.comparisonSucceeded(app)
	writeComparison(&app.Status, app, cmp)
	r.noteCommitStatus(app)
	noteHooks(app, cmp.hooks)
	switch {
	case requeue > 0:
		return ctrl.Result{RequeueAfter: requeue}
	case runningOperation(app) != nil:
		return ctrl.Result{Requeue: true}
	case blocked || cmp.syncStatus != v1alpha1.SyncStatusCodeSynced || cmp.health.Code != "Healthy":
		return ctrl.Result{RequeueAfter: progressRequeue}
	}
	return ctrl.Result{RequeueAfter: r.jitteredPoll()}
}

// desiredVsLive renders the sources and compares them with the cluster.
// A running operation pins the revisions it started with.
func (r *Reconciler) desiredVsLive(ctx context.Context, app *v1alpha1.Application, fresh manifests.Request, running *v1alpha1.OperationState, proj *v1alpha1.AppProject) (*comparison, error) {
	req := manifests.Request{App: app, Refresh: fresh.Refresh, FreshWithin: fresh.FreshWithin, KubeVersion: r.KubeVersion}
	if running != nil {
		req.Revisions = pinnedRevisions(app, running)
	}
	res, err := r.Manifests.Generate(ctx, req)
	if err != nil && !req.Refresh && len(req.Revisions) == 0 {
		// a revision resolved a while ago may miss what the app needs
		// (a path committed since): ask the repository before failing
		req.Refresh, req.FreshWithin = true, 0
		res, err = r.Manifests.Generate(ctx, req)
	}
	if err != nil {
		return nil, err
	}
	recordRender(&app.Status, app, res)
	state := &desiredState{revisions: res.Revisions, objects: res.Objects}
	if err := manifests.Prepare(app, state.objects, r.Cluster, r.Namespace); err != nil {
		return nil, err
	}
	if err := r.setLabels(app, state.objects); err != nil {
		return nil, err
	}
	if err := project.CheckObjects(proj, state.objects); err != nil {
		return nil, invalidSpecError{err}
	}
	if err := r.checkClusterScope(state.objects); err != nil {
		return nil, err
	}
	if r.watches != nil {
		r.watches.ensure(ctx, state.objects)
	}
	cmp, err := r.compare(ctx, app, state)
	if err != nil {
		return nil, r.clusterFailed(err)
	}
	return cmp, nil
}

// forDestination returns a Reconciler for app whose cluster client,
// watches, in-sync cache and Kubernetes version are those of the app's
// destination cluster. When the destination cannot be resolved, destErr
// says why (an InvalidSpecError) and nothing is applied.
func (r *Reconciler) forDestination(ctx context.Context, app *v1alpha1.Application) *Reconciler {
	if r.clusters == nil {
		return r
	}
	rr := *r
	d := app.Spec.Destination
	if d.Server == "" && d.Name == "" {
		rr.destErr = fmt.Errorf("destination has neither server nor name")
		return &rr
	}
	t, err := r.clusters.resolve(ctx, d)
	if err != nil {
		rr.destErr = err
		return &rr
	}
	rr.Cluster, rr.watches, rr.synced, rr.dest, rr.reach = t.client, t.watches, t.synced, t.cluster, t.reach
	if t.kubeVersion != "" {
		rr.KubeVersion = t.kubeVersion
	}
	return &rr
}

// jitteredPoll spreads polls over ±10% of the interval so that many apps do
// not poll in lock-step.
func (r *Reconciler) jitteredPoll() time.Duration {
	p := r.PollInterval
	if p <= 0 {
		p = DefaultPollInterval
	}
	jitter := time.Duration(rand.Int64N(int64(p)/5+1)) - p/10
	return p + jitter
}

// reconciledAtRefresh is how many poll intervals old status.reconciledAt
// may grow while nothing else changes. Every write of an Application costs
// the API server and every watcher a decode; a steady fleet that rewrote
// each app's timestamps on every poll would spend most of its resync on
// that.
const reconciledAtRefresh = 5

// worthWriting reports whether the reconciled app differs from what is
// stored in more than its reconcile timestamps, or those are older than
// reconciledAtRefresh poll intervals. Skipping no-op writes keeps a steady
// fleet quiet.
func (r *Reconciler) worthWriting(orig, app *v1alpha1.Application) bool {
	if orig.Status.ReconciledAt == nil {
		return true
	}
	a, b := orig.DeepCopy(), app.DeepCopy()
	a.Status.ReconciledAt, a.Status.ObservedAt = nil, nil
	b.Status.ReconciledAt, b.Status.ObservedAt = nil, nil
	if !equality.Semantic.DeepEqual(a, b) {
		return true
	}
	return time.Since(orig.Status.ReconciledAt.Time) >= reconciledAtRefresh*r.jitteredPoll()
}

// freshness is how recent the revisions app renders must be: resolved now
// when a refresh was asked for or its sources changed (as Argo CD
// refreshes an app whose spec changed); for a new app, resolved after it
// was created, so the thousand new apps of one repository share one
// request to it, and every one still sees the commits made before it was
// written; within the poll interval otherwise.
func freshness(app *v1alpha1.Application) manifests.Request {
	switch {
	case app.Annotations[RefreshAnnotation] != "":
		return manifests.Request{Refresh: true}
	case app.Status.ReconciledAt == nil && !app.CreationTimestamp.IsZero():
		// creationTimestamp is in whole seconds: a resolution in the
		// second before it might predate a commit made just before the app
		since := time.Since(app.CreationTimestamp.Time) - time.Second
		if since <= 0 {
			return manifests.Request{Refresh: true}
		}
		return manifests.Request{FreshWithin: since}
	case sourcesChanged(app):
		return manifests.Request{Refresh: true}
	}
	return manifests.Request{}
}

// sourcesChanged reports an app never compared, or whose sources differ
// from those of its last comparison: its revisions are resolved afresh, as
// Argo CD refreshes an app whose spec changed.
func sourcesChanged(app *v1alpha1.Application) bool {
	ct := app.Status.Sync.ComparedTo
	if app.Status.ReconciledAt == nil {
		return true
	}
	if app.Spec.HasMultipleSources() {
		return !equality.Semantic.DeepEqual(ct.Sources, app.Spec.Sources)
	}
	return app.Spec.Source != nil && !equality.Semantic.DeepEqual(ct.Source, *app.Spec.Source)
}

// recordDependencies sets the conditions of app's dependsOn and reports
// whether they hold its sync back.
func (r *Reconciler) recordDependencies(ctx context.Context, app *v1alpha1.Application) bool {
	waiting, err := r.dependencyBlock(ctx, app)
	switch {
	case err != nil:
		setCondition(&app.Status, v1alpha1.ApplicationConditionInvalidSpecError, err.Error())
		clearCondition(&app.Status, ConditionWaitingForDependencies)
		return true
	case len(waiting) > 0:
		setCondition(&app.Status, ConditionWaitingForDependencies, "waiting for "+strings.Join(waiting, ", "))
		return true
	}
	clearCondition(&app.Status, ConditionWaitingForDependencies)
	return false
}
