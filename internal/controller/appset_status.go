package controller

import (
	"context"
	"fmt"
	"slices"
	"sort"

	"k8s.io/apimachinery/pkg/api/equality"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/appset"
	"flotilla.dev/flotilla/internal/crashpoint"
)

// ConditionDeletionsHeld is flotilla's condition on a set whose pass
// would delete more Applications than its max-deletions annotation allows.
const ConditionDeletionsHeld v1alpha1.ApplicationSetConditionType = "DeletionsHeld"

const upToDateMessage = "All applications have been generated successfully"

// setAppSetCondition sets one condition, moving its transition time only
// when its status changes.
func setAppSetCondition(set *v1alpha1.ApplicationSet, typ v1alpha1.ApplicationSetConditionType, status v1alpha1.ApplicationSetConditionStatus, reason, msg string) {
	now := metav1Now()
	for i := range set.Status.Conditions {
		c := &set.Status.Conditions[i]
		if c.Type != typ {
			continue
		}
		if c.Status != status {
			c.LastTransitionTime = &now
		}
		c.Status, c.Reason, c.Message = status, reason, msg
		return
	}
	set.Status.Conditions = append(set.Status.Conditions, v1alpha1.ApplicationSetCondition{
		Type: typ, Status: status, Reason: reason, Message: msg, LastTransitionTime: &now,
	})
}

func removeAppSetCondition(set *v1alpha1.ApplicationSet, typ v1alpha1.ApplicationSetConditionType) {
	set.Status.Conditions = slices.DeleteFunc(set.Status.Conditions, func(c v1alpha1.ApplicationSetCondition) bool { return c.Type == typ })
}

func appSetCondition(set *v1alpha1.ApplicationSet, typ v1alpha1.ApplicationSetConditionType) *v1alpha1.ApplicationSetCondition {
	for i := range set.Status.Conditions {
		if set.Status.Conditions[i].Type == typ {
			return &set.Status.Conditions[i]
		}
	}
	return nil
}

// setAppSetError records a failed pass as Argo CD does: ErrorOccurred
// True, ResourcesUpToDate False, and ParametersGenerated telling whether
// generating got that far.
func setAppSetError(set *v1alpha1.ApplicationSet, reason, msg string, generated bool) {
	const (
		yes = v1alpha1.ApplicationSetConditionStatusTrue
		no  = v1alpha1.ApplicationSetConditionStatusFalse
	)
	setAppSetCondition(set, v1alpha1.ApplicationSetConditionErrorOccurred, yes, reason, msg)
	setAppSetCondition(set, v1alpha1.ApplicationSetConditionResourcesUpToDate, no, "ErrorOccurred", msg)
	if generated {
		setAppSetCondition(set, v1alpha1.ApplicationSetConditionParametersGenerated, yes, "ParametersGenerated", "Successfully generated parameters for all Applications")
	} else {
		setAppSetCondition(set, v1alpha1.ApplicationSetConditionParametersGenerated, no, "ErrorOccurred", msg)
	}
	setAppSetHealth(set)
}

func setAppSetUpToDate(set *v1alpha1.ApplicationSet) {
	const (
		yes = v1alpha1.ApplicationSetConditionStatusTrue
		no  = v1alpha1.ApplicationSetConditionStatusFalse
	)
	setAppSetCondition(set, v1alpha1.ApplicationSetConditionErrorOccurred, no, "ApplicationSetUpToDate", upToDateMessage)
	setAppSetCondition(set, v1alpha1.ApplicationSetConditionParametersGenerated, yes, "ParametersGenerated", "Successfully generated parameters for all Applications")
	setAppSetCondition(set, v1alpha1.ApplicationSetConditionResourcesUpToDate, yes, "ApplicationSetUpToDate", upToDateMessage)
}

func setRolloutCondition(set *v1alpha1.ApplicationSet, step string) {
	if step != "" {
		setAppSetCondition(set, v1alpha1.ApplicationSetConditionRolloutProgressing, v1alpha1.ApplicationSetConditionStatusTrue,
			"ApplicationSetModified", "ApplicationSet is performing rollout of step "+step)
		return
	}
	setAppSetCondition(set, v1alpha1.ApplicationSetConditionRolloutProgressing, v1alpha1.ApplicationSetConditionStatusFalse,
		"ApplicationSetRolloutComplete", "ApplicationSet Rollout has completed")
}

// rolloutStep is the step a rolling sync is at, "" when none is.
func rolloutStep(set *v1alpha1.ApplicationSet) string {
	c := appSetCondition(set, v1alpha1.ApplicationSetConditionRolloutProgressing)
	if c == nil || c.Status != v1alpha1.ApplicationSetConditionStatusTrue {
		return ""
	}
	return c.Message
}

// setHeld records the max-deletions guard holding deletions, and clears
// the condition once nothing is held.
func setHeld(set *v1alpha1.ApplicationSet, plan *appset.Plan) {
	if len(plan.Held) == 0 {
		removeAppSetCondition(set, ConditionDeletionsHeld)
		return
	}
	setAppSetCondition(set, ConditionDeletionsHeld, v1alpha1.ApplicationSetConditionStatusTrue, "MaxDeletionsExceeded", plan.HeldMessage)
}

// setAppSetHealth derives the set's health from its conditions, as Argo
// CD's health check for ApplicationSets does.
func setAppSetHealth(set *v1alpha1.ApplicationSet) {
	h := v1alpha1.HealthStatus{Status: v1alpha1.HealthStatusHealthy}
	if c := appSetCondition(set, v1alpha1.ApplicationSetConditionErrorOccurred); c != nil && c.Status == v1alpha1.ApplicationSetConditionStatusTrue {
		h = v1alpha1.HealthStatus{Status: v1alpha1.HealthStatusDegraded, Message: c.Message}
	} else if c := appSetCondition(set, v1alpha1.ApplicationSetConditionRolloutProgressing); c != nil && c.Status == v1alpha1.ApplicationSetConditionStatusTrue {
		h = v1alpha1.HealthStatus{Status: v1alpha1.HealthStatusProgressing, Message: c.Message}
	} else if c := appSetCondition(set, ConditionDeletionsHeld); c != nil && c.Status == v1alpha1.ApplicationSetConditionStatusTrue {
		h = v1alpha1.HealthStatus{Status: v1alpha1.HealthStatusSuspended, Message: c.Message}
	}
	if set.Status.Health.Status != h.Status || set.Status.Health.Message != h.Message {
		now := metav1Now()
		h.LastTransitionTime = &now
		set.Status.Health = h
	}
}

// invalidMessage is Argo CD's message for skipped Applications: the
// first error, and how many more there are.
func invalidMessage(invalid map[string]string) string {
	names := make([]string, 0, len(invalid))
	for n := range invalid {
		names = append(names, n)
	}
	sort.Strings(names)
	msg := invalid[names[0]]
	if len(names) > 1 {
		msg = fmt.Sprintf("%s (and %d more)", msg, len(names)-1)
	}
	return msg
}

// writeStatus writes the set's status when the pass changed it.
func (s *AppSetReconciler) writeStatus(ctx context.Context, orig, set *v1alpha1.ApplicationSet) error {
	if equality.Semantic.DeepEqual(orig.Status, set.Status) {
		return nil
	}
	crashpoint.Hit(crashpoint.AppSetBeforeStatus)
	if err := s.client.Status().Patch(ctx, set, client.MergeFrom(orig)); client.IgnoreNotFound(err) != nil {
		return fmt.Errorf("write status of applicationset %s: %w", set.Name, err)
	}
	return nil
}
