package appset

import (
	"fmt"
	"slices"
	"strconv"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"flotilla.dev/flotilla/api/v1alpha1"
)

// The statuses of an Application in a rolling sync, as Argo CD's.
const (
	RolloutWaiting     = "Waiting"
	RolloutPending     = "Pending"
	RolloutProgressing = "Progressing"
	RolloutHealthy     = "Healthy"
)

// RollingSync reports whether the set rolls its Applications out in steps.
func RollingSync(set *v1alpha1.ApplicationSet) bool {
	s := set.Spec.Strategy
	return s != nil && s.Type == "RollingSync" && s.RollingSync != nil && len(s.RollingSync.Steps) > 0
}

// RolloutInput is what one rollout decision is made from.
type RolloutInput struct {
	Set *v1alpha1.ApplicationSet
	// Apps are the set's Applications as they are now, status included.
	Apps []v1alpha1.Application
	// Changed names the Applications whose spec this pass changes.
	Changed map[string]bool
	Now     metav1.Time
}

// Rollout is the decision: each Application's status, which to sync now,
// and the step in progress ("" when the rollout is complete).
type Rollout struct {
	Statuses []v1alpha1.ApplicationSetApplicationStatus
	Sync     map[string]bool
	Step     string
}

// PlanRollout moves each Application through Waiting, Pending,
// Progressing and Healthy, as Argo CD's progressive sync does: a step's
// Applications are synced only when every Application of the steps before
// it is Healthy (Synced and Healthy), at most maxUpdate at a time.
func PlanRollout(in RolloutInput) (*Rollout, error) {
	steps := in.Set.Spec.Strategy.RollingSync.Steps
	stepOf, err := AssignSteps(steps, in.Apps)
	if err != nil {
		return nil, err
	}
	prev := map[string]v1alpha1.ApplicationSetApplicationStatus{}
	for _, s := range in.Set.Status.ApplicationStatus {
		prev[s.Application] = s
	}
	r := &Rollout{Sync: map[string]bool{}}
	for i := range in.Apps {
		r.Statuses = append(r.Statuses, advance(&in.Apps[i], prev, stepOf, in.Changed[in.Apps[i].Name], in.Now))
	}
	allowed := syncable(steps, stepOf, r.Statuses)
	if err := promote(steps, stepOf, r.Statuses, allowed, in.Now); err != nil {
		return nil, err
	}
	live := map[string]*v1alpha1.Application{}
	for i := range in.Apps {
		live[in.Apps[i].Name] = &in.Apps[i]
	}
	for _, s := range r.Statuses {
		if s.Status == RolloutPending && allowed[s.Application] && live[s.Application].Operation == nil && !started(live[s.Application], s) {
			r.Sync[s.Application] = true
		}
	}
	r.Step = stepInProgress(len(steps), r.Statuses)
	return r, nil
}

// AssignSteps maps each Application to its step (0-based). An Application
// no step selects is left out; one selected by two steps, or a step with
// an operator other than In and NotIn or a bad maxUpdate, is an error.
func AssignSteps(steps []v1alpha1.ApplicationSetRolloutStep, apps []v1alpha1.Application) (map[string]int, error) {
	for i, s := range steps {
		for _, e := range s.MatchExpressions {
			if e.Operator != "In" && e.Operator != "NotIn" {
				return nil, fmt.Errorf("rollingSync step %d: operator %q of key %q: want In or NotIn", i+1, e.Operator, e.Key)
			}
		}
		if _, err := maxUpdate(s, 1); err != nil {
			return nil, fmt.Errorf("rollingSync step %d: %w", i+1, err)
		}
	}
	out := map[string]int{}
	for _, app := range apps {
		for i, s := range steps {
			if !selects(s, app.Labels) {
				continue
			}
			if j, ok := out[app.Name]; ok {
				return nil, fmt.Errorf("rollingSync: application %s is selected by steps %d and %d", app.Name, j+1, i+1)
			}
			out[app.Name] = i
		}
	}
	return out, nil
}

func selects(s v1alpha1.ApplicationSetRolloutStep, labels map[string]string) bool {
	for _, e := range s.MatchExpressions {
		v, ok := labels[e.Key]
		in := ok && slices.Contains(e.Values, v)
		if (e.Operator == "In" && !in) || (e.Operator == "NotIn" && in) {
			return false
		}
	}
	return true
}

// maxUpdate is how many of total Applications of a step may update at once.
func maxUpdate(s v1alpha1.ApplicationSetRolloutStep, total int) (int, error) {
	if s.MaxUpdate == nil {
		return total, nil
	}
	n, err := intstr.GetScaledValueFromIntOrPercent(s.MaxUpdate, total, false)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("maxUpdate %q: want a non-negative integer or percentage", s.MaxUpdate.String())
	}
	if s.MaxUpdate.Type == intstr.String && s.MaxUpdate.StrVal != "0%" && n < 1 {
		n = 1
	}
	return n, nil
}

func stepLabel(stepOf map[string]int, name string) string {
	if i, ok := stepOf[name]; ok {
		return strconv.Itoa(i + 1)
	}
	return "-1"
}

// advance moves one Application's status on from what the Application
// shows now.
func advance(app *v1alpha1.Application, prev map[string]v1alpha1.ApplicationSetApplicationStatus, stepOf map[string]int, changed bool, now metav1.Time) v1alpha1.ApplicationSetApplicationStatus {
	s, ok := prev[app.Name]
	if !ok {
		s = v1alpha1.ApplicationSetApplicationStatus{Application: app.Name, Status: RolloutWaiting, LastTransitionTime: &now,
			TargetRevisions: app.Status.GetRevisions(), Message: "No Application status found, defaulting status to Waiting"}
	}
	s = *s.DeepCopy()
	s.Step = stepLabel(stepOf, app.Name)
	set := func(status, msg string) { s.Status, s.Message, s.LastTransitionTime = status, msg, &now }
	revs := app.Status.GetRevisions()
	if changed || !slices.Equal(s.TargetRevisions, revs) {
		s.TargetRevisions = revs
		set(RolloutWaiting, "Application has pending changes, setting status to Waiting")
	}
	synced := app.Status.Sync.Status == v1alpha1.SyncStatusCodeSynced
	healthy := synced && app.Status.Health.Status == v1alpha1.HealthStatusHealthy
	switch s.Status {
	case RolloutWaiting:
		if healthy {
			set(RolloutHealthy, "Application resource has synced, updating status to Healthy")
		} else if synced {
			set(RolloutProgressing, "Application resource has synced, updating status to Progressing")
		}
	case RolloutPending:
		if started(app, s) {
			set(RolloutProgressing, "Application resource became Progressing, updating status from Pending to Progressing")
		} else if hasError(app) {
			set(RolloutProgressing, "Application resource has error and cannot sync, updating status to Progressing")
		}
	}
	if s.Status == RolloutProgressing && healthy {
		set(RolloutHealthy, "Application resource became Healthy, updating status from Progressing to Healthy")
	}
	return s
}

// started reports whether app's last operation started after s moved to
// its status: the sync the rollout asked for is under way or done.
func started(app *v1alpha1.Application, s v1alpha1.ApplicationSetApplicationStatus) bool {
	op := app.Status.OperationState
	return op != nil && s.LastTransitionTime != nil && !op.StartedAt.Before(s.LastTransitionTime)
}

func hasError(app *v1alpha1.Application) bool {
	for _, c := range app.Status.Conditions {
		if c.Type == v1alpha1.ApplicationConditionInvalidSpecError || c.Type == v1alpha1.ApplicationConditionUnknownError {
			return true
		}
	}
	return false
}

// syncable are the Applications of every step up to the first one whose
// Applications are not all Healthy.
func syncable(steps []v1alpha1.ApplicationSetRolloutStep, stepOf map[string]int, statuses []v1alpha1.ApplicationSetApplicationStatus) map[string]bool {
	out := map[string]bool{}
	for i := range steps {
		done := true
		for _, s := range statuses {
			if j, ok := stepOf[s.Application]; ok && j == i {
				out[s.Application] = true
				done = done && s.Status == RolloutHealthy
			}
		}
		if !done {
			break
		}
	}
	return out
}

// promote moves Waiting Applications that may sync to Pending, at most
// maxUpdate of a step updating at once.
func promote(steps []v1alpha1.ApplicationSetRolloutStep, stepOf map[string]int, statuses []v1alpha1.ApplicationSetApplicationStatus, allowed map[string]bool, now metav1.Time) error {
	total := make([]int, len(steps))
	busy := make([]int, len(steps))
	for _, s := range statuses {
		if i, ok := stepOf[s.Application]; ok {
			total[i]++
			if s.Status == RolloutPending || s.Status == RolloutProgressing {
				busy[i]++
			}
		}
	}
	for k := range statuses {
		s := &statuses[k]
		i, ok := stepOf[s.Application]
		if !ok || s.Status != RolloutWaiting || !allowed[s.Application] {
			continue
		}
		limit, err := maxUpdate(steps[i], total[i])
		if err != nil {
			return err
		}
		if busy[i] >= limit {
			continue
		}
		s.Status, s.LastTransitionTime = RolloutPending, &now
		s.Message = "Application moved to Pending status, watching for the Application resource to start Progressing"
		busy[i]++
	}
	return nil
}

// stepInProgress is the first step (1-based) not all Healthy, "" when
// every step is.
func stepInProgress(n int, statuses []v1alpha1.ApplicationSetApplicationStatus) string {
	for i := 1; i <= n; i++ {
		step := strconv.Itoa(i)
		for _, s := range statuses {
			if s.Step == step && s.Status != RolloutHealthy {
				return step
			}
		}
	}
	return ""
}

// DisableAutoSync turns automated sync off in a generated Application:
// in a rolling sync the set decides when each one syncs.
func DisableAutoSync(app *v1alpha1.Application) {
	if p := app.Spec.SyncPolicy; p != nil && p.Automated != nil {
		p.Automated.Enabled = new(false)
	}
}

// SyncOperation is the operation a rolling sync starts on app, with the
// prune, retry and sync options its own sync policy asks for.
func SyncOperation(generated *v1alpha1.Application) *v1alpha1.Operation {
	op := &v1alpha1.Operation{
		InitiatedBy: v1alpha1.OperationInitiator{Username: "applicationset-controller", Automated: true},
		Info:        []*v1alpha1.Info{{Name: "Reason", Value: "ApplicationSet RollingSync triggered a sync of this Application resource"}},
		Sync:        &v1alpha1.SyncOperation{},
		Retry:       v1alpha1.RetryStrategy{Limit: 5},
	}
	if p := generated.Spec.SyncPolicy; p != nil {
		if p.Retry != nil {
			op.Retry = *p.Retry
		}
		op.Sync.SyncOptions = p.SyncOptions
		op.Sync.Prune = p.Automated != nil && p.Automated.Prune
	}
	return op
}
