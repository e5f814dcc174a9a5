package controller

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/appset"
	"flotilla.dev/flotilla/internal/crashpoint"
)

// orphanFinalizer keeps a set whose policy forbids deleting Applications
// until its Applications no longer name it as owner, so deleting the set
// leaves them in place (Argo CD uses the same finalizer name on sets).
const orphanFinalizer = appset.ResourcesFinalizer

// write creates, updates and deletes the plan's Applications. Every
// write is tried; the errors are joined.
func (s *AppSetReconciler) write(ctx context.Context, set *v1alpha1.ApplicationSet, plan *appset.Plan) error {
	var errs []error
	for _, app := range plan.Create {
		crashpoint.Hit(crashpoint.AppSetBeforeCreate)
		err := s.client.Create(ctx, app)
		crashpoint.Hit(crashpoint.AppSetAfterCreate)
		if apierrors.IsAlreadyExists(err) {
			continue // the cache has not seen our last create yet: the next pass compares it
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("create application %s: %w", app.Name, err))
			continue
		}
		s.event(set, "Created", "Created Application %q", app.Name)
	}
	for _, c := range plan.Update {
		crashpoint.Hit(crashpoint.AppSetBeforeUpdate)
		if err := s.client.Patch(ctx, c.Desired, client.MergeFrom(c.Live)); err != nil {
			errs = append(errs, fmt.Errorf("update application %s: %w", c.Desired.Name, err))
			continue
		}
		s.event(set, "Updated", "Updated Application %q", c.Desired.Name)
	}
	for _, app := range plan.Delete {
		if err := s.client.Delete(ctx, app, client.Preconditions{UID: &app.UID}); client.IgnoreNotFound(err) != nil {
			errs = append(errs, fmt.Errorf("delete application %s: %w", app.Name, err))
			continue
		}
		s.event(set, "Deleted", "Deleted Application %q", app.Name)
	}
	return errors.Join(errs...)
}

func (s *AppSetReconciler) event(set *v1alpha1.ApplicationSet, reason, format string, args ...any) {
	if s.apps.Events != nil {
		s.apps.Events.Eventf(set, corev1.EventTypeNormal, reason, format, args...)
	}
}

// rollout decides a RollingSync's next moves, writes them into the plan
// (a sync operation on the Applications whose turn it is) and the set's
// status. It reports whether the set rolls out at all.
func (s *AppSetReconciler) rollout(set *v1alpha1.ApplicationSet, plan *appset.Plan, existing []v1alpha1.Application, generated []v1alpha1.Application) (bool, error) {
	if !appset.RollingSync(set) {
		set.Status.ApplicationStatus = nil
		removeAppSetCondition(set, v1alpha1.ApplicationSetConditionRolloutProgressing)
		return false, nil
	}
	var owned []v1alpha1.Application
	for _, a := range existing {
		if appset.Owns(set, &a) {
			owned = append(owned, a)
		}
	}
	changed := map[string]bool{}
	for _, c := range plan.Update {
		if !specEqual(c.Live, c.Desired) {
			changed[c.Live.Name] = true
		}
	}
	r, err := appset.PlanRollout(appset.RolloutInput{Set: set, Apps: owned, Changed: changed, Now: metav1Now()})
	if err != nil {
		return true, err
	}
	set.Status.ApplicationStatus = r.Statuses
	setRolloutCondition(set, r.Step)
	byName := map[string]*v1alpha1.Application{}
	for i := range generated {
		byName[generated[i].Name] = &generated[i]
	}
	for name := range r.Sync {
		if g := byName[name]; g != nil {
			addOperation(plan, set, name, appset.SyncOperation(g), owned)
		}
	}
	return true, nil
}

// addOperation puts op on the named Application in the plan, adding an
// update when the plan left it unchanged.
func addOperation(plan *appset.Plan, set *v1alpha1.ApplicationSet, name string, op *v1alpha1.Operation, owned []v1alpha1.Application) {
	for i := range plan.Update {
		if plan.Update[i].Desired.Name == name {
			plan.Update[i].Desired.Operation = op
			return
		}
	}
	for i := range owned {
		if owned[i].Name == name && slices.Contains(plan.Unchanged, name) {
			want := owned[i].DeepCopy()
			want.Operation = op
			plan.Update = append(plan.Update, appset.Change{Live: &owned[i], Desired: want})
			return
		}
	}
}

func specEqual(a, b *v1alpha1.Application) bool {
	return equality.Semantic.DeepEqual(a.Spec, b.Spec)
}

// ensureFinalizer adds the orphan finalizer to a set whose policy forbids
// deletes, and removes it from one whose policy allows them again.
func (s *AppSetReconciler) ensureFinalizer(ctx context.Context, set *v1alpha1.ApplicationSet) error {
	want := !appset.Policy(set).AllowDelete()
	has := slices.Contains(set.Finalizers, orphanFinalizer)
	if want == has {
		return nil
	}
	orig := set.DeepCopy()
	if want {
		set.Finalizers = append(set.Finalizers, orphanFinalizer)
	} else {
		set.Finalizers = slices.DeleteFunc(set.Finalizers, func(f string) bool { return f == orphanFinalizer })
	}
	if err := s.client.Patch(ctx, set, client.MergeFromWithOptions(orig, client.MergeFromWithOptimisticLock{})); err != nil {
		return fmt.Errorf("update finalizers of %s: %w", set.Name, err)
	}
	return nil
}

// finalize runs when a set with the orphan finalizer is deleted: its
// Applications stop naming it as owner, so the garbage collector keeps
// them, then the finalizer goes.
func (s *AppSetReconciler) finalize(ctx context.Context, set *v1alpha1.ApplicationSet) error {
	if !slices.Contains(set.Finalizers, orphanFinalizer) {
		return nil
	}
	var list v1alpha1.ApplicationList
	if err := s.client.List(ctx, &list, client.InNamespace(set.Namespace)); err != nil {
		return fmt.Errorf("list applications: %w", err)
	}
	for i := range list.Items {
		app := &list.Items[i]
		if !appset.Owns(set, app) {
			continue
		}
		orig := app.DeepCopy()
		app.OwnerReferences = slices.DeleteFunc(app.OwnerReferences, func(r metav1.OwnerReference) bool { return r.UID == set.UID })
		if err := s.client.Patch(ctx, app, client.MergeFrom(orig)); client.IgnoreNotFound(err) != nil {
			return fmt.Errorf("orphan application %s: %w", app.Name, err)
		}
	}
	orig := set.DeepCopy()
	set.Finalizers = slices.DeleteFunc(set.Finalizers, func(f string) bool { return f == orphanFinalizer })
	if err := s.client.Patch(ctx, set, client.MergeFrom(orig)); err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("remove finalizer of %s: %w", set.Name, err)
	}
	return nil
}

// maxResourcesStatus caps status.resources (Argo CD's default).
const maxResourcesStatus = 5000

// recordResources writes the set's Applications, with their sync and
// health, to status.resources.
func (s *AppSetReconciler) recordResources(ctx context.Context, set *v1alpha1.ApplicationSet) error {
	var list v1alpha1.ApplicationList
	if err := s.client.List(ctx, &list, client.InNamespace(set.Namespace)); err != nil {
		return fmt.Errorf("list applications: %w", err)
	}
	var res []v1alpha1.ResourceStatus
	for i := range list.Items {
		a := &list.Items[i]
		if !appset.Owns(set, a) {
			continue
		}
		res = append(res, v1alpha1.ResourceStatus{
			Group: v1alpha1.SchemeGroupVersion.Group, Version: v1alpha1.SchemeGroupVersion.Version, Kind: "Application",
			Namespace: a.Namespace, Name: a.Name, Status: a.Status.Sync.Status,
			Health: &v1alpha1.HealthStatus{Status: a.Status.Health.Status},
		})
	}
	slices.SortFunc(res, func(a, b v1alpha1.ResourceStatus) int { return strings.Compare(a.Name, b.Name) })
	set.Status.ResourcesCount = int64(len(res))
	if len(res) > maxResourcesStatus {
		res = res[:maxResourcesStatus]
	}
	set.Status.Resources = res
	return nil
}

// appSetKey names a set in logs and maps.
func appSetKey(set *v1alpha1.ApplicationSet) types.NamespacedName {
	return types.NamespacedName{Namespace: set.Namespace, Name: set.Name}
}
