package controller_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/controlplane/kubetest"
	"flotilla.dev/flotilla/internal/source/git/gittest"
)

// A RollingSync of two steps: step 1's Application (a Deployment whose
// Pods wait for a gate) is synced by the set, and while it is not Healthy
// step 2's Application is never synced; once the gate opens and step 1 is
// Synced and Healthy, step 2's sync starts.
func TestAppSetRollingSyncWaitsForHealthyStep(t *testing.T) {
	c := env(t)
	ns := kubetest.NewNamespace(t, c)
	repo := gittest.NewServer(t).NewRepo(t, "rolling-set")
	repo.Commit(t, map[string]string{
		"apps/dev/deploy.yaml": gatedDeployment("roll-dev", "rollout", ""),
		"apps/prod/cm.yaml":    configMap("roll-prod", "1"),
	}, "apps")
	createSet(t, c, `apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: rolling-set
spec:
  generators:
  - list:
      elements:
      - {name: dev, env: dev}
      - {name: prod, env: prod}
  strategy:
    type: RollingSync
    rollingSync:
      steps:
      - matchExpressions: [{key: env, operator: In, values: [dev]}]
      - matchExpressions: [{key: env, operator: In, values: [prod]}]
        maxUpdate: 100%
  template:
    metadata:
      name: 'roll-{{name}}'
      labels: {env: '{{env}}'}
    spec:
      project: default
      source: {repoURL: `+repo.URL()+`, targetRevision: HEAD, path: 'apps/{{name}}'}
      destination: {server: https://kubernetes.default.svc, namespace: `+ns+`}
      syncPolicy: {automated: {prune: true}}
`)
	apps := waitOwnedApps(t, c, "rolling-set", "roll-dev", "roll-prod")
	for name, a := range apps {
		if a.Spec.SyncPolicy.IsAutomatedSyncEnabled() {
			t.Errorf("%s: automated sync is on; a rolling sync must own its syncs", name)
		}
	}

	// Step 1 is synced by the set and stays Progressing behind the gate
	// (its sync waits there for the Deployment to become healthy).
	eventually(t, 60*time.Second, func() (bool, string) {
		dev := getApp(t, c, "roll-dev")
		op := dev.Status.OperationState
		return op != nil && op.Operation.InitiatedBy.Username == "applicationset-controller" &&
			dev.Status.Health.Status == v1alpha1.HealthStatusProgressing, describe(dev)
	})
	waitSetCondition(t, c, "rolling-set", v1alpha1.ApplicationSetConditionRolloutProgressing, v1alpha1.ApplicationSetConditionStatusTrue, "step 1")
	// Step 2 has not started while step 1 is held, across several passes.
	holdsFor(t, func() (bool, string) {
		prod := getApp(t, c, "roll-prod")
		return prod.Status.OperationState != nil || prod.Operation != nil, "step 2 started while step 1 was not Healthy:\n" + describe(prod)
	})
	if st := rolloutStatus(getSet(t, c, "rolling-set"), "roll-prod"); st != "Waiting" {
		t.Fatalf("roll-prod's rollout status = %q, want Waiting", st)
	}

	opened := time.Now().Truncate(time.Second)
	openGate(t, c, "rollout")
	prod := waitSyncedHealthy(t, c, "roll-prod", "", 90*time.Second)
	op := prod.Status.OperationState
	if op == nil || op.StartedAt.Time.Before(opened) {
		t.Fatalf("step 2's sync started before step 1 could be Healthy: %v (gate opened %s)", op, opened)
	}
	if op.Operation.InitiatedBy.Username != "applicationset-controller" {
		t.Errorf("step 2's sync was started by %q, want the set", op.Operation.InitiatedBy.Username)
	}
	waitSetCondition(t, c, "rolling-set", v1alpha1.ApplicationSetConditionRolloutProgressing, v1alpha1.ApplicationSetConditionStatusFalse, "completed")
}

func rolloutStatus(set *v1alpha1.ApplicationSet, app string) string {
	for _, s := range set.Status.ApplicationStatus {
		if s.Application == app {
			return s.Status
		}
	}
	return ""
}

// A set outside the controller's namespace generates its Applications
// into its own namespace when their project's sourceNamespaces admit it;
// with a project that does not, nothing is created and the set says why.
func TestAppSetInAnyNamespace(t *testing.T) {
	c := env(t)
	ctx := context.Background()
	repo := gittest.NewServer(t).NewRepo(t, "team-set")
	repo.Commit(t, map[string]string{"cm/cm.yaml": configMap("team-set-config", "1")}, "config")
	teamNS := newNamespaceNamed(t, c, "team")
	dest := kubetest.NewNamespace(t, c)
	proj := &v1alpha1.AppProject{ObjectMeta: objectMeta("appset-" + teamNS)}
	proj.Spec.SourceRepos = []string{"*"}
	proj.Spec.Destinations = []v1alpha1.ApplicationDestination{{Server: "*", Namespace: "*"}}
	proj.Spec.SourceNamespaces = []string{teamNS}
	if err := c.Create(ctx, proj); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Delete(context.Background(), proj) })
	mk := func(name, project string) {
		set := &v1alpha1.ApplicationSet{}
		m := fmt.Sprintf("apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata:\n  name: %s\n  namespace: %s\nspec:\n  generators:\n  - list:\n      elements: [{name: x}]\n", name, teamNS) +
			strings.Replace(setTemplate(name+"-{{name}}", repo.URL(), "cm", dest), "project: default", "project: "+project, 1)
		if err := yamlInto(m, set); err != nil {
			t.Fatal(err)
		}
		if err := c.Create(ctx, set); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = c.Delete(context.Background(), set) })
	}
	mk("admitted", proj.Name)
	mk("refused", "default")
	eventually(t, 60*time.Second, func() (bool, string) {
		app := &v1alpha1.Application{}
		err := c.Get(ctx, client.ObjectKey{Namespace: teamNS, Name: "admitted-x"}, app)
		return err == nil && app.Status.Sync.Status == v1alpha1.SyncStatusCodeSynced, fmt.Sprintf("admitted-x: %v %s", err, describe(app))
	})
	eventually(t, 60*time.Second, func() (bool, string) {
		set := &v1alpha1.ApplicationSet{}
		if err := c.Get(ctx, client.ObjectKey{Namespace: teamNS, Name: "refused"}, set); err != nil {
			return false, err.Error()
		}
		for _, cond := range set.Status.Conditions {
			if cond.Type == v1alpha1.ApplicationSetConditionErrorOccurred && strings.Contains(cond.Message, "sourceNamespaces do not list") {
				return true, ""
			}
		}
		return false, describeSet(set)
	})
	if err := c.Get(ctx, client.ObjectKey{Namespace: teamNS, Name: "refused-x"}, &v1alpha1.Application{}); err == nil {
		t.Error("an Application its project does not admit was created")
	}
}
