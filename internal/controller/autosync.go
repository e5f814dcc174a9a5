package controller

import (
	"strings"
	"time"

	"flotilla.dev/flotilla/api/v1alpha1"
)

// autoSyncSkipReason applies Argo CD's automated-sync rules; "" means sync.
func (r *Reconciler) autoSyncSkipReason(app *v1alpha1.Application, cmp *comparison) string {
	policy := app.Spec.SyncPolicy
	if policy == nil || !policy.IsAutomatedSyncEnabled() {
		return "automated sync is off"
	}
	auto := policy.Automated
	switch {
	case len(cmp.errs) > 0:
		return "comparison has errors"
	case cmp.syncStatus == v1alpha1.SyncStatusCodeSynced:
		return "already synced"
	case !auto.Prune && onlyPruning(cmp):
		return "auto-sync would only prune, and prune is off"
	case !auto.AllowEmpty && len(cmp.desired) == 0:
		setCondition(&app.Status, v1alpha1.ApplicationConditionSyncError,
			"auto-sync will not delete every resource of the application; set syncPolicy.automated.allowEmpty to allow it")
		return "sources render no objects"
	}
	last := app.Status.OperationState
	if last == nil || last.Operation.Sync == nil || !sameRevisions(last, cmp.revisions) {
		return ""
	}
	switch {
	case !last.Phase.Successful() && !auto.SelfHeal:
		return "the last sync to " + short(cmp.revisions[0]) + " failed and selfHeal is off"
	case !auto.SelfHeal:
		return "most recent sync is already to " + short(cmp.revisions[0]) + " and selfHeal is off"
	case last.FinishedAt != nil && time.Since(last.FinishedAt.Time) < r.selfHealBackoff(healAttempts(last)):
		return "self-heal backoff"
	}
	return ""
}

// maxSelfHealBackoff caps the self-heal backoff.
const maxSelfHealBackoff = 5 * time.Minute

// selfHealBackoff is the least time between self-heal attempt n and the
// one before it: the base backoff doubled per consecutive attempt, at most
// maxSelfHealBackoff.
func (r *Reconciler) selfHealBackoff(n int64) time.Duration {
	d := r.SelfHealBackoff
	if d <= 0 {
		d = DefaultSelfHealBackoff
	}
	for i := int64(0); i < n && d < maxSelfHealBackoff; i++ {
		d *= 2
	}
	return min(d, maxSelfHealBackoff)
}

// healAttempts counts the consecutive self-heal syncs before the next one;
// a quiet period of twice the cap starts the count again.
func healAttempts(last *v1alpha1.OperationState) int64 {
	if last.Operation.Sync == nil || last.FinishedAt == nil || time.Since(last.FinishedAt.Time) > 2*maxSelfHealBackoff {
		return 0
	}
	return last.Operation.Sync.SelfHealAttemptsCount
}

func onlyPruning(cmp *comparison) bool {
	for _, res := range cmp.resources {
		if res.Status != v1alpha1.SyncStatusCodeSynced && !res.RequiresPruning {
			return false
		}
	}
	return true
}

func sameRevisions(last *v1alpha1.OperationState, revs []string) bool {
	if last.SyncResult != nil {
		if len(last.SyncResult.Revisions) > 0 {
			return strings.Join(last.SyncResult.Revisions, ",") == strings.Join(revs, ",")
		}
		return last.SyncResult.Revision == revs[0]
	}
	return last.Operation.Sync.Revision == revs[0]
}
