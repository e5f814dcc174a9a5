package controller

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/health"
	"flotilla.dev/flotilla/internal/manifests"
	"flotilla.dev/flotilla/internal/project"
	flsync "flotilla.dev/flotilla/internal/sync"
)

// Argo CD's finalizers for delete hooks: an Application whose desired
// objects hold PreDelete (PostDelete) hooks carries the finalizer and its
// /cleanup stage, so its deletion runs the hooks first (last), and removes
// them per their delete policy at the end.
const (
	PreDeleteFinalizer  = "pre-delete-finalizer.argocd.argoproj.io"
	PostDeleteFinalizer = "post-delete-finalizer.argocd.argoproj.io"
	cleanupStage        = "/cleanup"
)

// deleteHookRetry is how soon a deletion held by a failed delete hook
// tries again (the failed hook deleted, so a fixed one is created).
const deleteHookRetry = 5 * time.Second

// deleteHookFinalizers maps each delete phase to its finalizer.
var deleteHookFinalizers = map[flsync.Phase]string{
	flsync.PreDelete:  PreDeleteFinalizer,
	flsync.PostDelete: PostDeleteFinalizer,
}

// noteHooks keeps what the desired hooks ask of the Application: Argo
// CD's delete-hook finalizers (added while it has PreDelete or PostDelete
// hooks, removed when it has none), and an InvalidSpecError naming each
// hook whose phase flotilla does not know.
func noteHooks(app *v1alpha1.Application, hooks []*unstructured.Unstructured) {
	if err := flsync.CheckHookPhases(hooks); err != nil {
		setCondition(&app.Status, v1alpha1.ApplicationConditionInvalidSpecError, err.Error())
	}
	if app.DeletionTimestamp != nil {
		return
	}
	for phase, fin := range deleteHookFinalizers {
		has := slices.ContainsFunc(hooks, func(u *unstructured.Unstructured) bool { return flsync.IsDeleteHook(u, phase) })
		for _, f := range []string{fin, fin + cleanupStage} {
			switch present := slices.Contains(app.Finalizers, f); {
			case has && !present:
				app.Finalizers = append(app.Finalizers, f)
			case !has && present:
				app.Finalizers = slices.DeleteFunc(app.Finalizers, func(x string) bool { return x == f })
			}
		}
	}
}

// hasFinalizer reports whether app carries finalizer f.
func hasFinalizer(app *v1alpha1.Application, f string) bool {
	return slices.Contains(app.Finalizers, f)
}

// removeFinalizer patches finalizer f away from app.
func (r *Reconciler) removeFinalizer(ctx context.Context, app *v1alpha1.Application, f string) error {
	orig := app.DeepCopy()
	app.Finalizers = slices.DeleteFunc(app.Finalizers, func(x string) bool { return x == f })
	if err := r.Client.Patch(ctx, app, client.MergeFrom(orig)); client.IgnoreNotFound(err) != nil {
		return fmt.Errorf("remove finalizer %s of %s: %w", f, app.Name, err)
	}
	return nil
}

// deletionHeld records why the deletion of app does not go on (a
// DeletionError condition) and when to try again.
func (r *Reconciler) deletionHeld(ctx context.Context, app *v1alpha1.Application, msg string, after time.Duration) (ctrl.Result, error) {
	orig := app.DeepCopy()
	setCondition(&app.Status, v1alpha1.ApplicationConditionDeletionError, msg)
	if err := r.Client.Patch(ctx, app, client.MergeFrom(orig)); client.IgnoreNotFound(err) != nil {
		return ctrl.Result{}, fmt.Errorf("write status of %s: %w", app.Name, err)
	}
	return ctrl.Result{RequeueAfter: after}, nil
}

// deleteHooks renders app's target revision and returns its hooks of a
// delete phase, prepared as a sync prepares objects (namespace, tracking)
// and checked against the project. A hook with only a generateName is
// named for this deletion, so every round finds the one it created.
func (r *Reconciler) deleteHooks(ctx context.Context, app *v1alpha1.Application, phase flsync.Phase) ([]*unstructured.Unstructured, error) {
	res, err := r.Manifests.Generate(ctx, manifests.Request{App: app, KubeVersion: r.KubeVersion, FreshWithin: deleteHookRetry})
	if err != nil {
		return nil, fmt.Errorf("render %s hooks: %w", phase, err)
	}
	var hooks []*unstructured.Unstructured
	for _, u := range res.Objects {
		if flsync.IsDeleteHook(u, phase) {
			hooks = append(hooks, u)
		}
	}
	if err := manifests.Prepare(app, hooks, r.Cluster, r.Namespace); err != nil {
		return nil, fmt.Errorf("prepare %s hooks: %w", phase, err)
	}
	proj, err := r.checkProject(ctx, app)
	if err != nil {
		return nil, err
	}
	if err := project.CheckObjects(proj, hooks); err != nil {
		return nil, err
	}
	if err := r.checkClusterScope(hooks); err != nil {
		return nil, err
	}
	for i, u := range hooks {
		if u.GetName() == "" && u.GetGenerateName() != "" {
			hooks[i] = u.DeepCopy()
			hooks[i].SetName(flsync.HookName(u.GetGenerateName(), firstOf(res.Revisions), phase, app.DeletionTimestamp.Time))
		}
	}
	return hooks, nil
}

// runDeleteHooks runs the hooks of a delete phase as Argo CD does: each
// missing hook is created; done once every one is Healthy. A failed
// (Degraded) hook is deleted, so the next round creates it again (from
// the newest revision), and the deletion is held with a condition.
func (r *Reconciler) runDeleteHooks(ctx context.Context, app *v1alpha1.Application, phase flsync.Phase) (bool, ctrl.Result, error) {
	hooks, err := r.deleteHooks(ctx, app, phase)
	if err != nil {
		res, werr := r.deletionHeld(ctx, app, err.Error(), deleteHookRetry)
		return false, res, werr
	}
	created, running := 0, 0
	var failed []string
	for _, h := range hooks {
		live, err := r.Cluster.Get(ctx, h)
		if err != nil {
			return false, ctrl.Result{}, fmt.Errorf("get %s hook %s: %w", phase, h.GetName(), err)
		}
		if live == nil {
			if _, err := r.Cluster.Apply(ctx, h); err != nil {
				failed = append(failed, fmt.Sprintf("%s: %v", objectRef(h), err))
				continue
			}
			created++
			continue
		}
		switch st := r.assess(live); st.Code {
		case health.Degraded:
			failed = append(failed, strings.TrimSuffix(objectRef(h)+": "+st.Message, ": "))
			if live.GetDeletionTimestamp() == nil {
				if err := r.Cluster.Delete(ctx, live, metav1.DeletePropagationBackground); err != nil {
					return false, ctrl.Result{}, fmt.Errorf("delete failed %s hook %s: %w", phase, h.GetName(), err)
				}
			}
		case health.Healthy, health.Suspended:
		default:
			running++
		}
	}
	if len(failed) > 0 {
		res, err := r.deletionHeld(ctx, app, fmt.Sprintf("%s hook(s) failed: %s", phase, strings.Join(failed, "; ")), deleteHookRetry)
		return false, res, err
	}
	if created > 0 || running > 0 {
		return false, ctrl.Result{RequeueAfter: operationRequeue}, nil
	}
	return true, ctrl.Result{}, nil
}

// cleanupDeleteHooks is a finalizer's /cleanup stage: as Argo CD, the
// hooks of the phase whose delete policy matches their aggregated outcome
// (HookSucceeded when all are Healthy, HookFailed when one is Degraded)
// are deleted, and the stage is done once they are gone.
func (r *Reconciler) cleanupDeleteHooks(ctx context.Context, app *v1alpha1.Application, phase flsync.Phase) (bool, ctrl.Result, error) {
	hooks, err := r.deleteHooks(ctx, app, phase)
	if err != nil {
		res, werr := r.deletionHeld(ctx, app, err.Error(), deleteHookRetry)
		return false, res, werr
	}
	var live []*unstructured.Unstructured
	worst := health.Healthy
	for _, h := range hooks {
		l, err := r.Cluster.Get(ctx, h)
		if err != nil {
			return false, ctrl.Result{}, fmt.Errorf("get %s hook %s: %w", phase, h.GetName(), err)
		}
		if l == nil {
			continue
		}
		if r.assess(l).Code == health.Degraded {
			worst = health.Degraded
		}
		live = append(live, l)
	}
	policy := flsync.PolicyHookSucceeded
	if worst == health.Degraded {
		policy = flsync.PolicyHookFailed
	}
	pending := 0
	for _, l := range live {
		if !flsync.HasDeletePolicy(l, policy) {
			continue
		}
		pending++
		if l.GetDeletionTimestamp() == nil {
			if err := r.Cluster.Delete(ctx, l, metav1.DeletePropagationBackground); err != nil {
				return false, ctrl.Result{}, fmt.Errorf("delete %s hook %s: %w", phase, l.GetName(), err)
			}
		}
	}
	if pending > 0 {
		return false, ctrl.Result{RequeueAfter: progressRequeue / 5}, nil
	}
	return true, ctrl.Result{}, nil
}

// objectRef names an object as Argo CD's hook messages do: namespace/name.
func objectRef(u *unstructured.Unstructured) string {
	if u.GetNamespace() == "" {
		return u.GetKind() + " " + u.GetName()
	}
	return u.GetKind() + " " + u.GetNamespace() + "/" + u.GetName()
}
