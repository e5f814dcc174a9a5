package controller

import (
	"fmt"

	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/runtime/schema"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"

	"flotilla.dev/flotilla/api/v1alpha1"
)

// SetupWithManager registers the reconciler for Applications in namespace,
// with workers reconciles in parallel.
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager, namespace string, workers int) error {
	c, err := ctrl.NewControllerManagedBy(mgr).
		For(&v1alpha1.Application{}, builder.WithPredicates(intentChanged())).
		Watches(&v1alpha1.Application{}, handler.EnqueueRequestsFromMapFunc(r.dependents)).
		WithOptions(controller.Options{MaxConcurrentReconciles: max(workers, 1)}).
		Named("application").
		Build(r)
	if err != nil {
		return fmt.Errorf("build application controller: %w", err)
	}
	r.watches = &watchSet{ctrl: c, cache: mgr.GetCache(), namespace: namespace, watched: map[schema.GroupVersionKind]bool{}}
	r.synced = &syncedCache{meta: mgr.GetCache()}
	return nil
}

// intentChanged passes Application updates that change what is asked of
// the controller (spec, operation, annotations, labels, finalizers,
// deletion) and drops the controller's own status writes. Status changes of
// child Applications reach their parent through the managed-object watch.
func intentChanged() predicate.Predicate {
	return predicate.Funcs{
		UpdateFunc: func(e event.UpdateEvent) bool {
			oldApp, ok1 := e.ObjectOld.(*v1alpha1.Application)
			newApp, ok2 := e.ObjectNew.(*v1alpha1.Application)
			if !ok1 || !ok2 {
				return true
			}
			return !equality.Semantic.DeepEqual(oldApp.Spec, newApp.Spec) ||
				!equality.Semantic.DeepEqual(oldApp.Operation, newApp.Operation) ||
				!equality.Semantic.DeepEqual(oldApp.Annotations, newApp.Annotations) ||
				!equality.Semantic.DeepEqual(oldApp.Labels, newApp.Labels) ||
				!equality.Semantic.DeepEqual(oldApp.Finalizers, newApp.Finalizers) ||
				!oldApp.DeletionTimestamp.Equal(newApp.DeletionTimestamp)
		},
	}
}
