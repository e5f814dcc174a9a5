package controller

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/log"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/appset"
	"flotilla.dev/flotilla/internal/project"
)

// appSetErrorRequeue is how soon a set whose pass failed is tried again
// (Argo CD's ReconcileRequeueOnValidationError).
const appSetErrorRequeue = 3 * time.Minute

// AppSetReconciler reconciles ApplicationSets: internal/appset generates
// and plans, this writes the Applications and the set's status. It shares
// the Application reconciler's namespaces, shards, projects, clusters and
// git fetcher.
type AppSetReconciler struct {
	apps   *Reconciler
	client client.Client
	reader client.Reader
	env    appset.Env
	// refresh holds the sets a push or the refresh annotation asked to
	// look at git again.
	refresh sync.Map
	urgent  chan event.TypedGenericEvent[*v1alpha1.ApplicationSet]
}

// Reconcile implements reconcile.Reconciler.
func (s *AppSetReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	if !s.apps.watchesNamespace(req.Namespace) || !s.apps.owns(req.Namespace, req.Name) {
		return ctrl.Result{}, nil
	}
	set := &v1alpha1.ApplicationSet{}
	if err := s.reader.Get(ctx, req.NamespacedName, set); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if set.DeletionTimestamp != nil {
		return ctrl.Result{}, s.finalize(ctx, set)
	}
	if err := s.ensureFinalizer(ctx, set); err != nil {
		return ctrl.Result{}, err
	}
	orig := set.DeepCopy()
	result := s.pass(ctx, set)
	if err := s.writeStatus(ctx, orig, set); err != nil {
		return ctrl.Result{}, err
	}
	if _, asked := set.Annotations[appset.RefreshAnnotation]; asked {
		if err := s.clearRefresh(ctx, set); err != nil {
			return ctrl.Result{}, err
		}
	}
	return result, nil
}

// pass generates the set's Applications and writes them. It never
// returns an error: problems become conditions, and a pass that cannot
// generate every Application changes none.
func (s *AppSetReconciler) pass(ctx context.Context, set *v1alpha1.ApplicationSet) ctrl.Result {
	env := s.env
	key := types.NamespacedName{Namespace: set.Namespace, Name: set.Name}
	_, pushed := s.refresh.LoadAndDelete(key)
	_, asked := set.Annotations[appset.RefreshAnnotation]
	env.Refresh = pushed || asked
	gen, err := appset.Generate(ctx, set, env)
	if err != nil {
		setAppSetError(set, "ApplicationGenerationFromParamsError", err.Error(), false)
		return ctrl.Result{RequeueAfter: appSetErrorRequeue}
	}
	if appset.RollingSync(set) {
		for i := range gen.Applications {
			appset.DisableAutoSync(&gen.Applications[i])
		}
	}
	existing, err := s.existing(ctx, set, gen.Applications)
	if err != nil {
		setAppSetError(set, "ErrorOccurred", err.Error(), true)
		return ctrl.Result{RequeueAfter: appSetErrorRequeue}
	}
	plan, err := appset.MakePlan(appset.PlanInput{Set: set, Generated: gen.Applications, Existing: existing, Validate: s.validator(ctx)})
	if err != nil {
		setAppSetError(set, "ApplicationSetValidationError", err.Error(), true)
		return ctrl.Result{RequeueAfter: appSetErrorRequeue}
	}
	rolling, err := s.rollout(set, plan, existing, gen.Applications)
	if err != nil {
		setAppSetError(set, "ApplicationSetValidationError", err.Error(), true)
		return ctrl.Result{RequeueAfter: appSetErrorRequeue}
	}
	werr := s.write(ctx, set, plan)
	if err := s.recordResources(ctx, set); err != nil {
		werr = errors.Join(werr, err)
	}
	return s.conclude(set, plan, werr, rolling, gen.RequeueAfter)
}

// conclude sets the conditions of a pass that generated its parameters
// and says when to look again.
func (s *AppSetReconciler) conclude(set *v1alpha1.ApplicationSet, plan *appset.Plan, werr error, rolling bool, requeue time.Duration) ctrl.Result {
	setHeld(set, plan)
	switch {
	case werr != nil:
		setAppSetError(set, "UpdateApplicationError", werr.Error(), true)
		requeue = minRequeue(requeue, progressRequeue)
	case len(plan.Invalid) > 0:
		setAppSetError(set, "ApplicationValidationError", invalidMessage(plan.Invalid), true)
		requeue = minRequeue(requeue, appSetErrorRequeue)
	default:
		setAppSetUpToDate(set)
	}
	if rolling && rolloutStep(set) != "" {
		requeue = minRequeue(requeue, progressRequeue)
	}
	setAppSetHealth(set)
	return ctrl.Result{RequeueAfter: requeue}
}

func minRequeue(a, b time.Duration) time.Duration {
	if a == 0 || b < a {
		return b
	}
	return a
}

// existing lists the Applications of the set's namespace that it owns
// or that have a name it generates.
func (s *AppSetReconciler) existing(ctx context.Context, set *v1alpha1.ApplicationSet, generated []v1alpha1.Application) ([]v1alpha1.Application, error) {
	var list v1alpha1.ApplicationList
	if err := s.client.List(ctx, &list, client.InNamespace(set.Namespace)); err != nil {
		return nil, fmt.Errorf("list applications: %w", err)
	}
	names := map[string]bool{}
	for _, g := range generated {
		names[g.Name] = true
	}
	var out []v1alpha1.Application
	for _, a := range list.Items {
		if names[a.Name] || appset.Owns(set, &a) {
			out = append(out, a)
		}
	}
	return out, nil
}

// validator refuses Applications the Application controller would refuse
// at once: a missing project, a project that does not admit the set's
// namespace, an unknown destination cluster.
func (s *AppSetReconciler) validator(ctx context.Context) func(*v1alpha1.Application) error {
	return func(app *v1alpha1.Application) error {
		p, err := s.apps.appProject(ctx, app)
		if err != nil {
			return err
		}
		if !project.NamespacePermitted(p, app.Namespace, s.apps.Namespace) {
			return fmt.Errorf("application %s in namespace %s may not use project %s: the project's sourceNamespaces do not list %s", app.Name, app.Namespace, p.Name, app.Namespace)
		}
		if s.apps.clusters != nil {
			if _, err := s.apps.clusters.resolve(ctx, app.Spec.Destination); err != nil {
				return fmt.Errorf("application destination spec is invalid: %w", err)
			}
		}
		return nil
	}
}

// clearRefresh removes the refresh annotation once the pass it asked for
// is done.
func (s *AppSetReconciler) clearRefresh(ctx context.Context, set *v1alpha1.ApplicationSet) error {
	patch := client.RawPatch(types.MergePatchType, []byte(`{"metadata":{"annotations":{"`+appset.RefreshAnnotation+`":null}}}`))
	if err := s.client.Patch(ctx, set, patch); err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("clear refresh annotation of %s: %w", set.Name, err)
	}
	log.FromContext(ctx).V(1).Info("refreshed applicationset", "name", set.Name)
	return nil
}
