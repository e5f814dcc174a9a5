package controller

import (
	"context"
	"fmt"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/tools/record"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/predicate"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/commitstatus"
)

// commitStatusTimeout bounds one app's posts.
const commitStatusTimeout = 30 * time.Second

// ConditionCommitStatusError says why an app's commit status could not be
// posted (no forge Secret holds its repository, the forge refused).
const ConditionCommitStatusError v1alpha1.ApplicationConditionType = "CommitStatusError"

// commitStatusReconciler posts the commit statuses of the Applications
// annotated flotilla.dev/commit-status: "true". It reads the apps from the
// manager's cache and the forge Secrets (at most every ten seconds), and
// writes nothing to the cluster but a Warning Event when a post fails.
type commitStatusReconciler struct {
	apps   *Reconciler
	client client.Client
	forges *forgeSecrets
	poster *commitstatus.Poster
	uiURL  string
	events record.EventRecorder
}

// setupCommitStatuses registers the reconciler.
func setupCommitStatuses(mgr ctrl.Manager, r *Reconciler, opts Options) error {
	cs := &commitStatusReconciler{
		apps:   r,
		client: mgr.GetClient(),
		forges: &forgeSecrets{reader: mgr.GetAPIReader(), namespace: opts.Namespace},
		poster: &commitstatus.Poster{},
		uiURL:  opts.UIURL,
		events: r.Events,
	}
	err := ctrl.NewControllerManagedBy(mgr).
		For(&v1alpha1.Application{}, builder.WithPredicates(r.inWatchedNamespace(), statusReportChanged())).
		WithOptions(controller.Options{MaxConcurrentReconciles: 2}).
		Named("commitstatus").
		Complete(cs)
	if err != nil {
		return fmt.Errorf("build commit status controller: %w", err)
	}
	return nil
}

// statusReportChanged passes opted-in apps whose report may have changed.
func statusReportChanged() predicate.Predicate {
	return predicate.Funcs{
		CreateFunc:  func(e event.CreateEvent) bool { return optedIn(e.Object) },
		DeleteFunc:  func(event.DeleteEvent) bool { return true }, // forget what was posted
		GenericFunc: func(e event.GenericEvent) bool { return optedIn(e.Object) },
		UpdateFunc: func(e event.UpdateEvent) bool {
			if !optedIn(e.ObjectNew) {
				return false
			}
			a, ok1 := e.ObjectOld.(*v1alpha1.Application)
			b, ok2 := e.ObjectNew.(*v1alpha1.Application)
			return !ok1 || !ok2 || !optedIn(a) || fmt.Sprint(commitstatus.Reports(a, "")) != fmt.Sprint(commitstatus.Reports(b, ""))
		},
	}
}

func optedIn(o client.Object) bool {
	return o.GetAnnotations()[commitstatus.Annotation] == "true"
}

// Reconcile posts app's changed reports; a failed post is retried with
// the controller's backoff.
func (cs *commitStatusReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	key := req.Namespace + "/" + req.Name
	var app v1alpha1.Application
	if err := cs.client.Get(ctx, req.NamespacedName, &app); err != nil {
		if apierrors.IsNotFound(err) {
			cs.poster.Forget(key)
			return ctrl.Result{}, nil
		}
		return ctrl.Result{}, err
	}
	reports := commitstatus.Reports(&app, cs.uiURL)
	if len(reports) == 0 || !cs.apps.active(&app) { // another replica's app: that replica posts
		return ctrl.Result{}, nil
	}
	forges, err := cs.forges.get(ctx)
	if err == nil {
		ctx, cancel := context.WithTimeout(ctx, commitStatusTimeout)
		defer cancel()
		err = cs.poster.Post(ctx, key, reports, forges)
	}
	cs.apps.setCommitStatusError(&app, err)
	if err != nil {
		cs.events.Event(&app, corev1.EventTypeWarning, "CommitStatusFailed", err.Error())
		log.FromContext(ctx).Info("commit status not posted", "error", err.Error())
		return ctrl.Result{}, err
	}
	return ctrl.Result{}, nil
}

// setCommitStatusError records app's last posting error (nil: posted)
// and, when it changed, queues the app so that its condition says so:
// the Application reconciler stays the one writer of its status.
func (r *Reconciler) setCommitStatusError(app *v1alpha1.Application, err error) {
	key := app.Namespace + "/" + app.Name
	msg := ""
	if err != nil {
		msg = err.Error()
	}
	old, _ := r.statusPosts.Load(key)
	if old == nil && msg == "" || old == msg {
		return
	}
	if msg == "" {
		r.statusPosts.Delete(key)
	} else {
		r.statusPosts.Store(key, msg)
	}
	if r.active(app) {
		r.enqueue(app)
	}
}

// noteCommitStatus sets or clears app's CommitStatusError condition.
func (r *Reconciler) noteCommitStatus(app *v1alpha1.Application) {
	if r.statusPosts == nil { // a Reconciler not set up with a manager
		return
	}
	if msg, ok := r.statusPosts.Load(app.Namespace + "/" + app.Name); ok && commitstatus.Enabled(app) {
		setCondition(&app.Status, ConditionCommitStatusError, msg.(string))
		return
	}
	clearCondition(&app.Status, ConditionCommitStatusError)
}

// forgeSecrets reads the forge Secrets of the controller's namespace, at
// most every ten seconds. A Secret that does not parse is an error naming
// it, so that the apps it would serve say why.
type forgeSecrets struct {
	reader    client.Reader
	namespace string

	mu     sync.Mutex
	read   time.Time
	forges []commitstatus.Forge
	err    error
}

func (f *forgeSecrets) get(ctx context.Context) ([]commitstatus.Forge, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if time.Since(f.read) < 10*time.Second {
		return f.forges, f.err
	}
	var list corev1.SecretList
	if err := f.reader.List(ctx, &list, client.InNamespace(f.namespace),
		client.MatchingLabels{commitstatus.SecretTypeLabel: commitstatus.SecretTypeForge}); err != nil {
		return nil, fmt.Errorf("list forge secrets: %w", err)
	}
	f.forges, f.err = nil, nil
	for _, s := range list.Items {
		forge, err := commitstatus.ParseForge(s.Name, s.Data)
		if err != nil {
			f.err = err
			continue
		}
		f.forges = append(f.forges, forge)
	}
	f.read = time.Now()
	return f.forges, f.err
}
