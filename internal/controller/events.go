package controller

import (
	corev1 "k8s.io/api/core/v1"

	"flotilla.dev/flotilla/api/v1alpha1"
)

// recordOperationEvents emits Kubernetes Events on the Application when a
// sync starts and when it ends (with its prunes), and counts finished syncs.
func (r *Reconciler) recordOperationEvents(before, after *v1alpha1.Application) {
	prev, cur := before.Status.OperationState, after.Status.OperationState
	if cur == nil || cur.Operation.Sync == nil {
		return
	}
	started := prev == nil || !prev.StartedAt.Equal(&cur.StartedAt)
	if started {
		who := "automated sync"
		if !cur.Operation.InitiatedBy.Automated {
			who = "sync requested by " + orUnknown(cur.Operation.InitiatedBy.Username)
		}
		r.event(after, corev1.EventTypeNormal, "OperationStarted", "%s to %s", who, short(cur.Operation.Sync.Revision))
	}
	if !cur.Phase.Completed() || (!started && prev.Phase == cur.Phase) {
		return
	}
	syncTotal.WithLabelValues(after.Namespace, after.Name, string(cur.Phase)).Inc()
	if cur.Phase.Successful() {
		r.event(after, corev1.EventTypeNormal, "OperationCompleted", "sync to %s succeeded: %s", short(cur.Operation.Sync.Revision), cur.Message)
	} else {
		r.event(after, corev1.EventTypeWarning, "OperationFailed", "sync to %s failed: %s", short(cur.Operation.Sync.Revision), cur.Message)
	}
	if cur.SyncResult == nil {
		return
	}
	pruned := 0
	for _, res := range cur.SyncResult.Resources {
		if res.Status == v1alpha1.ResultCodePruned {
			pruned++
		}
	}
	if pruned > 0 {
		r.event(after, corev1.EventTypeNormal, "ResourcesPruned", "pruned %d resources", pruned)
	}
}

func (r *Reconciler) event(app *v1alpha1.Application, kind, reason, format string, args ...any) {
	if r.Events != nil {
		r.Events.Eventf(app, kind, reason, format, args...)
	}
}
