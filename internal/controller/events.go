package controller

import (
	corev1 "k8s.io/api/core/v1"

	"flotilla.dev/flotilla/api/v1alpha1"
)

// operationEnded emits the Events of a finished sync (its result and its
// prunes) and counts it.
func (r *Reconciler) operationEnded(app *v1alpha1.Application, st *v1alpha1.OperationState) {
	syncTotal.WithLabelValues(app.Namespace, app.Name, string(st.Phase)).Inc()
	if st.Phase.Successful() {
		r.event(app, corev1.EventTypeNormal, "OperationCompleted", "%s to %s succeeded: %s", initiator(st.Operation), short(st.Operation.Sync.Revision), st.Message)
	} else {
		r.event(app, corev1.EventTypeWarning, "OperationFailed", "%s to %s failed: %s", initiator(st.Operation), short(st.Operation.Sync.Revision), st.Message)
	}
	if st.SyncResult == nil {
		return
	}
	pruned := 0
	for _, res := range st.SyncResult.Resources {
		if res.Status == v1alpha1.ResultCodePruned {
			pruned++
		}
	}
	if pruned > 0 {
		r.event(app, corev1.EventTypeNormal, "ResourcesPruned", "pruned %d resources", pruned)
	}
}

func (r *Reconciler) event(app *v1alpha1.Application, kind, reason, format string, args ...any) {
	if r.Events != nil {
		r.Events.Eventf(app, kind, reason, format, args...)
	}
}
