package controller

import (
	"context"
	"fmt"
	"slices"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/apply"
	flsync "flotilla.dev/flotilla/internal/sync"
)

var resourceFinalizers = []string{ResourcesFinalizer, ResourcesFinalizerForeground, ResourcesFinalizerBackground}

// finalize cascades the deletion of an Application that carries a
// resources finalizer: every object it tracks is deleted, and the finalizer
// is removed once they are all gone. Objects whose tracking id names
// another app are left alone.
func (r *Reconciler) finalize(ctx context.Context, app *v1alpha1.Application) (ctrl.Result, error) {
	fin := ""
	for _, f := range app.Finalizers {
		if slices.Contains(resourceFinalizers, f) {
			fin = f
		}
	}
	if fin == "" {
		return ctrl.Result{}, nil
	}
	if r.destErr != nil {
		// Deleting on a cluster we cannot reach, or on the wrong one, is
		// worse than waiting: say why and retry.
		orig := app.DeepCopy()
		setCondition(&app.Status, v1alpha1.ApplicationConditionDeletionError, "cannot delete the resources: "+r.destErr.Error())
		if err := r.Client.Patch(ctx, app, client.MergeFrom(orig)); client.IgnoreNotFound(err) != nil {
			return ctrl.Result{}, fmt.Errorf("write status of %s: %w", app.Name, err)
		}
		return ctrl.Result{RequeueAfter: errorRequeue}, nil
	}
	propagation := metav1.DeletePropagationForeground
	if fin == ResourcesFinalizerBackground {
		propagation = metav1.DeletePropagationBackground
	}
	remaining := 0
	for _, res := range app.Status.Resources {
		probe := &unstructured.Unstructured{}
		probe.SetGroupVersionKind(schema.GroupVersionKind{Group: res.Group, Version: res.Version, Kind: res.Kind})
		probe.SetNamespace(res.Namespace)
		probe.SetName(res.Name)
		live, err := r.Cluster.Get(ctx, probe)
		if err != nil || live == nil || !apply.IsTrackedBy(live, r.instance(app)) {
			continue
		}
		if flsync.HasResourceOption(live, "Delete", "false") {
			continue // Delete=false: kept when its app goes
		}
		remaining++
		if live.GetDeletionTimestamp() != nil {
			continue
		}
		if err := r.Cluster.Delete(ctx, live, propagation); err != nil {
			orig := app.DeepCopy()
			setCondition(&app.Status, v1alpha1.ApplicationConditionDeletionError, err.Error())
			_ = r.Client.Patch(ctx, app, client.MergeFrom(orig))
			return ctrl.Result{RequeueAfter: errorRequeue}, nil
		}
	}
	if remaining > 0 {
		return ctrl.Result{RequeueAfter: progressRequeue / 5}, nil
	}
	orig := app.DeepCopy()
	app.Finalizers = slices.DeleteFunc(app.Finalizers, func(f string) bool { return slices.Contains(resourceFinalizers, f) })
	if err := r.Client.Patch(ctx, app, client.MergeFrom(orig)); err != nil {
		return ctrl.Result{}, fmt.Errorf("remove finalizer of %s: %w", app.Name, err)
	}
	return ctrl.Result{}, nil
}
