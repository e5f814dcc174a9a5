package controller

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/apply"
	"flotilla.dev/flotilla/internal/crashpoint"
	flsync "flotilla.dev/flotilla/internal/sync"
)

var resourceFinalizers = []string{ResourcesFinalizer, ResourcesFinalizerForeground, ResourcesFinalizerBackground}

// finalize runs the deletion of an Application, stage by stage as Argo
// CD: its PreDelete hooks (pre-delete finalizer), then the cascade of a
// resources finalizer, then its PostDelete hooks (post-delete finalizer),
// then the /cleanup stages that delete the hooks per their delete policy.
// Each stage removes its finalizer when done; the Application goes when
// the last one is removed.
func (r *Reconciler) finalize(ctx context.Context, app *v1alpha1.Application) (ctrl.Result, error) {
	fin := ""
	for _, f := range app.Finalizers {
		if slices.Contains(resourceFinalizers, f) {
			fin = f
		}
	}
	if fin == "" && !hasDeleteHookFinalizer(app) {
		return ctrl.Result{}, nil
	}
	if r.destErr != nil {
		// Deleting on a cluster we cannot reach, or on the wrong one, is
		// worse than waiting: say why and retry.
		return r.deletionHeld(ctx, app, "cannot delete the resources: "+r.destErr.Error(), errorRequeue)
	}
	if err := r.scope.checkDeletion(app, r.dest); err != nil {
		return r.deletionHeld(ctx, app, "cannot delete the resources: "+err.Error(), errorRequeue)
	}
	if hasFinalizer(app, PreDeleteFinalizer) {
		return r.deleteHookStage(ctx, app, PreDeleteFinalizer, r.runDeleteHooks, flsync.PreDelete)
	}
	if fin != "" {
		return r.cascade(ctx, app, fin)
	}
	for _, stage := range []struct {
		fin   string
		phase flsync.Phase
		run   func(context.Context, *v1alpha1.Application, flsync.Phase) (bool, ctrl.Result, error)
	}{
		{PostDeleteFinalizer, flsync.PostDelete, r.runDeleteHooks},
		{PreDeleteFinalizer + cleanupStage, flsync.PreDelete, r.cleanupDeleteHooks},
		{PostDeleteFinalizer + cleanupStage, flsync.PostDelete, r.cleanupDeleteHooks},
	} {
		if hasFinalizer(app, stage.fin) {
			return r.deleteHookStage(ctx, app, stage.fin, stage.run, stage.phase)
		}
	}
	return ctrl.Result{}, nil
}

// hasDeleteHookFinalizer reports whether app carries one of Argo CD's
// delete-hook finalizers.
func hasDeleteHookFinalizer(app *v1alpha1.Application) bool {
	return slices.ContainsFunc(app.Finalizers, func(f string) bool {
		return strings.HasPrefix(f, PreDeleteFinalizer) || strings.HasPrefix(f, PostDeleteFinalizer)
	})
}

// deleteHookStage runs one delete-hook stage and removes its finalizer
// once the stage is done.
func (r *Reconciler) deleteHookStage(ctx context.Context, app *v1alpha1.Application, fin string,
	run func(context.Context, *v1alpha1.Application, flsync.Phase) (bool, ctrl.Result, error), phase flsync.Phase) (ctrl.Result, error) {
	done, res, err := run(ctx, app, phase)
	if err != nil || !done {
		return res, err
	}
	if cond := conditionMessage(app, v1alpha1.ApplicationConditionDeletionError); cond != "" {
		orig := app.DeepCopy()
		clearCondition(&app.Status, v1alpha1.ApplicationConditionDeletionError)
		if err := r.Client.Patch(ctx, app, client.MergeFrom(orig)); client.IgnoreNotFound(err) != nil {
			return ctrl.Result{}, fmt.Errorf("write status of %s: %w", app.Name, err)
		}
	}
	if err := r.removeFinalizer(ctx, app, fin); err != nil {
		return ctrl.Result{}, err
	}
	return ctrl.Result{Requeue: true}, nil
}

// conditionMessage returns the message of app's condition of type t, "" when
// there is none.
func conditionMessage(app *v1alpha1.Application, t v1alpha1.ApplicationConditionType) string {
	for _, c := range app.Status.Conditions {
		if c.Type == t {
			return c.Message
		}
	}
	return ""
}

// cascade deletes every object app tracks (a resources finalizer) and
// removes the finalizer once they are all gone. Objects whose tracking id
// names another app, and Delete=false ones, are left alone.
func (r *Reconciler) cascade(ctx context.Context, app *v1alpha1.Application, fin string) (ctrl.Result, error) {
	propagation := metav1.DeletePropagationForeground
	if fin == ResourcesFinalizerBackground {
		propagation = metav1.DeletePropagationBackground
	}
	remaining := 0
	var waiting []string // Delete=confirm objects not confirmed yet
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
		if flsync.HasResourceOption(live, "Delete", "confirm") && !deletionApproved(app, app.DeletionTimestamp.Time) {
			waiting = append(waiting, live.GetKind()+" "+live.GetName())
			continue
		}
		crashpoint.Hit(crashpoint.CascadeBeforeDelete)
		err = r.Cluster.Delete(ctx, live, propagation)
		crashpoint.Hit(crashpoint.CascadeAfterDelete)
		if err != nil {
			orig := app.DeepCopy()
			setCondition(&app.Status, v1alpha1.ApplicationConditionDeletionError, err.Error())
			_ = r.Client.Patch(ctx, app, client.MergeFrom(orig))
			return ctrl.Result{RequeueAfter: errorRequeue}, nil
		}
	}
	if len(waiting) > 0 {
		r.waitForDeletionConfirmation(ctx, app, waiting)
	}
	if remaining > 0 {
		return ctrl.Result{RequeueAfter: progressRequeue / 5}, nil
	}
	crashpoint.Hit(crashpoint.CascadeBeforeFinalize)
	orig := app.DeepCopy()
	app.Finalizers = slices.DeleteFunc(app.Finalizers, func(f string) bool { return slices.Contains(resourceFinalizers, f) })
	if err := r.Client.Patch(ctx, app, client.MergeFrom(orig)); client.IgnoreNotFound(err) != nil {
		return ctrl.Result{}, fmt.Errorf("remove finalizer of %s: %w", app.Name, err)
	}
	return ctrl.Result{Requeue: hasDeleteHookFinalizer(app)}, nil
}

// waitForDeletionConfirmation says, as a DeletionError condition, which
// Delete=confirm objects wait for the deletion-approved annotation.
func (r *Reconciler) waitForDeletionConfirmation(ctx context.Context, app *v1alpha1.Application, waiting []string) {
	msg := fmt.Sprintf("waiting for deletion confirmation of %s: annotate the Application with %s=%s or later",
		strings.Join(waiting, ", "), DeletionApprovedAnnotation, app.DeletionTimestamp.UTC().Format(time.RFC3339))
	if conditionMessage(app, v1alpha1.ApplicationConditionDeletionError) == msg {
		return
	}
	orig := app.DeepCopy()
	setCondition(&app.Status, v1alpha1.ApplicationConditionDeletionError, msg)
	_ = r.Client.Patch(ctx, app, client.MergeFrom(orig))
}
