package appset

import (
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"flotilla.dev/flotilla/api/v1alpha1"
)

const rollingSet = `
metadata: {name: rollout}
spec:
  generators: [{list: {elements: []}}]
  template: {metadata: {}, spec: {project: default, destination: {}}}
  strategy:
    type: RollingSync
    rollingSync:
      steps:
      - matchExpressions: [{key: env, operator: In, values: [dev]}]
        maxUpdate: %s
      - matchExpressions: [{key: env, operator: NotIn, values: [dev, qa]}]
`

func rolloutApp(name, env string, sync v1alpha1.SyncStatusCode, health v1alpha1.HealthStatusCode) v1alpha1.Application {
	a := newApp(name, name)
	a.Labels = map[string]string{"env": env}
	a.Status.Sync.Status = sync
	a.Status.Health.Status = health
	return a
}

func statusOf(r *Rollout, name string) string {
	for _, s := range r.Statuses {
		if s.Application == name {
			return s.Status + "@" + s.Step
		}
	}
	return ""
}

func TestPlanRolloutSteps(t *testing.T) {
	now := metav1.NewTime(time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC))
	earlier := metav1.NewTime(now.Add(-time.Minute))
	const out, synced = v1alpha1.SyncStatusCodeOutOfSync, v1alpha1.SyncStatusCodeSynced
	const prog, healthy = v1alpha1.HealthStatusProgressing, v1alpha1.HealthStatusHealthy
	cases := []struct {
		name      string
		maxUpdate string
		prev      map[string]string // app → previous rollout status
		apps      []v1alpha1.Application
		want      map[string]string
		wantSync  string
		wantStep  string
	}{{
		name:      "a new rollout syncs step 1 only",
		maxUpdate: "100%",
		apps:      []v1alpha1.Application{rolloutApp("dev1", "dev", out, prog), rolloutApp("prod1", "prod", out, prog)},
		want:      map[string]string{"dev1": "Pending@1", "prod1": "Waiting@2"},
		wantSync:  "dev1", wantStep: "1",
	}, {
		name:      "maxUpdate caps the step's updates",
		maxUpdate: "1",
		apps:      []v1alpha1.Application{rolloutApp("dev1", "dev", out, prog), rolloutApp("dev2", "dev", out, prog), rolloutApp("prod1", "prod", out, prog)},
		want:      map[string]string{"dev1": "Pending@1", "dev2": "Waiting@1", "prod1": "Waiting@2"},
		wantSync:  "dev1", wantStep: "1",
	}, {
		name:      "a percentage rounds down but lets one through",
		maxUpdate: "10%",
		apps:      []v1alpha1.Application{rolloutApp("dev1", "dev", out, prog), rolloutApp("dev2", "dev", out, prog)},
		want:      map[string]string{"dev1": "Pending@1", "dev2": "Waiting@1"},
		wantSync:  "dev1", wantStep: "1",
	}, {
		name:      "step 2 waits while step 1 progresses",
		maxUpdate: "100%",
		prev:      map[string]string{"dev1": "Progressing", "prod1": "Waiting"},
		apps:      []v1alpha1.Application{rolloutApp("dev1", "dev", synced, prog), rolloutApp("prod1", "prod", out, prog)},
		want:      map[string]string{"dev1": "Progressing@1", "prod1": "Waiting@2"},
		wantStep:  "1",
	}, {
		name:      "step 2 starts once step 1 is synced and healthy",
		maxUpdate: "100%",
		prev:      map[string]string{"dev1": "Progressing", "prod1": "Waiting"},
		apps:      []v1alpha1.Application{rolloutApp("dev1", "dev", synced, healthy), rolloutApp("prod1", "prod", out, prog)},
		want:      map[string]string{"dev1": "Healthy@1", "prod1": "Pending@2"},
		wantSync:  "prod1", wantStep: "2",
	}, {
		name:      "an app no step selects is left alone",
		maxUpdate: "100%",
		apps:      []v1alpha1.Application{rolloutApp("qa1", "qa", out, prog)},
		want:      map[string]string{"qa1": "Waiting@-1"},
	}, {
		name:      "all healthy: the rollout is complete",
		maxUpdate: "100%",
		apps:      []v1alpha1.Application{rolloutApp("dev1", "dev", synced, healthy), rolloutApp("prod1", "prod", synced, healthy)},
		want:      map[string]string{"dev1": "Healthy@1", "prod1": "Healthy@2"},
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			set := planSet(t, strings.Replace(rollingSet, "%s", tc.maxUpdate, 1))
			for app, st := range tc.prev {
				set.Status.ApplicationStatus = append(set.Status.ApplicationStatus, v1alpha1.ApplicationSetApplicationStatus{Application: app, Status: st, LastTransitionTime: &earlier})
			}
			r, err := PlanRollout(RolloutInput{Set: set, Apps: tc.apps, Now: now})
			if err != nil {
				t.Fatal(err)
			}
			for app, want := range tc.want {
				if got := statusOf(r, app); got != want {
					t.Errorf("%s: %s, want %s", app, got, want)
				}
			}
			var synced []string
			for n := range r.Sync {
				synced = append(synced, n)
			}
			if got := strings.Join(synced, ","); got != tc.wantSync {
				t.Errorf("sync %q, want %q", got, tc.wantSync)
			}
			if r.Step != tc.wantStep {
				t.Errorf("step %q, want %q", r.Step, tc.wantStep)
			}
		})
	}
}

func TestPlanRolloutPendingBecomesProgressing(t *testing.T) {
	now := metav1.NewTime(time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC))
	pendingSince := metav1.NewTime(now.Add(-time.Minute))
	set := planSet(t, strings.Replace(rollingSet, "%s", "1", 1))
	set.Status.ApplicationStatus = []v1alpha1.ApplicationSetApplicationStatus{{Application: "dev1", Status: RolloutPending, LastTransitionTime: &pendingSince}}
	a := rolloutApp("dev1", "dev", v1alpha1.SyncStatusCodeOutOfSync, v1alpha1.HealthStatusProgressing)
	r, _ := PlanRollout(RolloutInput{Set: set, Apps: []v1alpha1.Application{a}, Now: now})
	if got := statusOf(r, "dev1"); got != "Pending@1" || !r.Sync["dev1"] {
		t.Fatalf("before the sync starts: %s, sync %v", got, r.Sync)
	}
	a.Status.OperationState = &v1alpha1.OperationState{StartedAt: metav1.NewTime(now.Add(-30 * time.Second)), Phase: v1alpha1.OperationRunning}
	r, _ = PlanRollout(RolloutInput{Set: set, Apps: []v1alpha1.Application{a}, Now: now})
	if got := statusOf(r, "dev1"); got != "Progressing@1" || r.Sync["dev1"] {
		t.Fatalf("after the sync started: %s, sync %v", got, r.Sync)
	}
}

func TestAssignStepsRefusesBadConfigs(t *testing.T) {
	cases := []struct{ name, steps, want string }{
		{"bad operator", "- matchExpressions: [{key: env, operator: Exists}]", `operator "Exists"`},
		{"bad maxUpdate", "- matchExpressions: [{key: env, operator: In, values: [dev]}]\n  maxUpdate: lots", "maxUpdate"},
		{"two steps select one app", "- matchExpressions: [{key: env, operator: In, values: [dev]}]\n- matchExpressions: [{key: env, operator: NotIn, values: [prod]}]", "selected by steps 1 and 2"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var steps []v1alpha1.ApplicationSetRolloutStep
			set := planSet(t, "metadata: {name: s}\nspec:\n  generators: []\n  template: {metadata: {}, spec: {destination: {}}}\n  strategy:\n    type: RollingSync\n    rollingSync:\n      steps:\n"+indent(tc.steps, "      "))
			steps = set.Spec.Strategy.RollingSync.Steps
			_, err := AssignSteps(steps, []v1alpha1.Application{rolloutApp("dev1", "dev", "", "")})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err %v, want %q", err, tc.want)
			}
		})
	}
}

func indent(s, prefix string) string {
	return prefix + strings.ReplaceAll(s, "\n", "\n"+prefix) + "\n"
}
