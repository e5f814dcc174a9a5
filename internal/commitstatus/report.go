package commitstatus

import (
	"fmt"
	"net/url"
	"strings"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/scm"
)

// Annotation opts an Application in to commit statuses.
const Annotation = "flotilla.dev/commit-status"

// Enabled says whether app asked for commit statuses.
func Enabled(app *v1alpha1.Application) bool {
	return app.Annotations[Annotation] == "true"
}

// Report is the status one commit of one source should carry.
type Report struct {
	// RepoURL is the source's repository; SHA the commit compared.
	RepoURL, SHA string
	State        scm.State
	Description  string
	// Context names the status: flotilla/<namespace>/<app>.
	Context string
	// TargetURL links to the app in the web UI ("" without a UI URL).
	TargetURL string
}

// Reports are app's reports, one per git source with a compared commit;
// none for an app that did not opt in. uiURL is the web UI's root.
func Reports(app *v1alpha1.Application, uiURL string) []Report {
	if !Enabled(app) {
		return nil
	}
	state, desc := stateOf(app)
	sources := app.Spec.GetSources()
	revisions := app.Status.Sync.Revisions
	if !app.Spec.HasMultipleSources() {
		revisions = []string{app.Status.Sync.Revision}
	}
	var out []Report
	for i, src := range sources {
		if src.IsHelm() || i >= len(revisions) || !isCommit(revisions[i]) {
			continue
		}
		out = append(out, Report{
			RepoURL: src.RepoURL, SHA: revisions[i], State: state,
			Description: desc, Context: "flotilla/" + app.Namespace + "/" + app.Name,
			TargetURL: appURL(uiURL, app),
		})
	}
	return out
}

// stateOf is the state and description of app now.
func stateOf(app *v1alpha1.Application) (scm.State, string) {
	op := app.Status.OperationState
	sync, health := app.Status.Sync.Status, app.Status.Health.Status
	switch {
	case app.Operation != nil || (op != nil && op.Phase == v1alpha1.OperationRunning):
		return scm.StatePending, "syncing"
	case op != nil && (op.Phase == v1alpha1.OperationFailed || op.Phase == v1alpha1.OperationError) && opRevisionIs(op, app):
		return scm.StateFailure, oneLine("sync failed: " + op.Message)
	case health == v1alpha1.HealthStatusDegraded:
		return scm.StateFailure, oneLine("Degraded: " + app.Status.Health.Message)
	case sync == v1alpha1.SyncStatusCodeSynced && health == v1alpha1.HealthStatusHealthy:
		return scm.StateSuccess, "Synced and Healthy"
	}
	return scm.StatePending, fmt.Sprintf("%s and %s", orUnknown(string(sync)), orUnknown(string(health)))
}

// opRevisionIs says whether the last operation synced the commit now
// compared: a failure of an older commit says nothing of the new one.
func opRevisionIs(op *v1alpha1.OperationState, app *v1alpha1.Application) bool {
	if op.SyncResult == nil {
		return true // it failed before it resolved a revision
	}
	if app.Spec.HasMultipleSources() {
		return strings.Join(op.SyncResult.Revisions, ",") == strings.Join(app.Status.Sync.Revisions, ",")
	}
	return op.SyncResult.Revision == app.Status.Sync.Revision
}

// isCommit says whether rev is a full commit SHA (not a chart version).
func isCommit(rev string) bool {
	if len(rev) != 40 && len(rev) != 64 {
		return false
	}
	return strings.Trim(rev, "0123456789abcdef") == ""
}

// appURL links to app in the web UI.
func appURL(uiURL string, app *v1alpha1.Application) string {
	if uiURL == "" {
		return ""
	}
	return strings.TrimSuffix(uiURL, "/") + "/#/apps/" + url.PathEscape(app.Namespace) + "/" + url.PathEscape(app.Name)
}

// oneLine is the first line of s, at most 120 characters.
func oneLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	if len(s) > 120 {
		s = s[:117] + "..."
	}
	return s
}

func orUnknown(s string) string {
	if s == "" {
		return "Unknown"
	}
	return s
}
