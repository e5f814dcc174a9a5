package controller

import (
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/manifests"
)

func metav1Now() metav1.Time { return metav1.Now().Rfc3339Copy() }

// setCondition sets a condition of the given type, keeping its transition
// time when the message is unchanged.
func setCondition(st *v1alpha1.ApplicationStatus, t v1alpha1.ApplicationConditionType, msg string) {
	for i, c := range st.Conditions {
		if c.Type != t {
			continue
		}
		if c.Message != msg {
			now := metav1Now()
			st.Conditions[i].Message, st.Conditions[i].LastTransitionTime = msg, &now
		}
		return
	}
	now := metav1Now()
	st.Conditions = append(st.Conditions, v1alpha1.ApplicationCondition{Type: t, Message: msg, LastTransitionTime: &now})
}

func clearCondition(st *v1alpha1.ApplicationStatus, t v1alpha1.ApplicationConditionType) {
	out := st.Conditions[:0]
	for _, c := range st.Conditions {
		if c.Type != t {
			out = append(out, c)
		}
	}
	st.Conditions = out
	if len(out) == 0 {
		st.Conditions = nil
	}
}

// writeComparison records a comparison in the app's status.
func writeComparison(st *v1alpha1.ApplicationStatus, app *v1alpha1.Application, cmp *comparison) {
	if len(cmp.errs) > 0 {
		setCondition(st, v1alpha1.ApplicationConditionComparisonError, strings.Join(cmp.errs, "; "))
	} else {
		clearCondition(st, v1alpha1.ApplicationConditionComparisonError)
	}
	if len(cmp.shared) > 0 {
		setCondition(st, v1alpha1.ApplicationConditionSharedResourceWarning, strings.Join(cmp.shared, "; "))
	} else {
		clearCondition(st, v1alpha1.ApplicationConditionSharedResourceWarning)
	}
	st.Resources = cmp.resources
	st.Sync = v1alpha1.SyncStatus{
		Status:     cmp.syncStatus,
		Revision:   cmp.revisions[0],
		Revisions:  multi(app, cmp.revisions),
		ComparedTo: comparedTo(app),
	}
	code := v1alpha1.HealthStatusCode(cmp.health.Code)
	if st.Health.Status != code || st.Health.LastTransitionTime == nil {
		now := metav1Now()
		st.Health.LastTransitionTime = &now
	}
	st.Health.Status = code
	st.Health.Message = cmp.health.Message
	st.ObservedAt = st.ReconciledAt
}

func comparedTo(app *v1alpha1.Application) v1alpha1.ComparedTo {
	ct := v1alpha1.ComparedTo{Destination: app.Spec.Destination, IgnoreDifferences: app.Spec.IgnoreDifferences}
	if app.Spec.HasMultipleSources() {
		ct.Sources = app.Spec.Sources
	} else if app.Spec.Source != nil {
		ct.Source = *app.Spec.Source
	}
	return ct
}

// recordRender notes the tools used and any render warnings.
func recordRender(st *v1alpha1.ApplicationStatus, app *v1alpha1.Application, res *manifests.Result) {
	if app.Spec.HasMultipleSources() {
		st.SourceTypes, st.SourceType = res.SourceTypes, ""
	} else if len(res.SourceTypes) > 0 {
		st.SourceType, st.SourceTypes = res.SourceTypes[0], nil
	}
	if len(res.Warnings) > 0 {
		setCondition(st, v1alpha1.ApplicationConditionRepeatedResourceWarning, strings.Join(res.Warnings, "; "))
	} else {
		clearCondition(st, v1alpha1.ApplicationConditionRepeatedResourceWarning)
	}
}
