package cli

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/controller/controllertest"
	"flotilla.dev/flotilla/internal/controlplane/kubetest"
)

// appSetEnv is a namespace of the test plane that no controller watches:
// ApplicationSets created there keep the status a test gives them.
type appSetEnv struct {
	t  *testing.T
	c  client.Client
	ns string
}

func newAppSetEnv(t *testing.T) *appSetEnv {
	t.Helper()
	c := controllertest.Start(t, appsNamespace) // installs the CRDs
	return &appSetEnv{t: t, c: c, ns: kubetest.NewNamespace(t, c)}
}

// flotilla runs the command line against the test plane, in the env's
// namespace.
func (e *appSetEnv) flotilla(args ...string) result {
	e.t.Helper()
	return run(e.t, append(args, "--kubeconfig", kubetest.Plane(e.t).KubeconfigPath(), "-n", e.ns)...)
}

func (e *appSetEnv) mustRun(args ...string) result {
	e.t.Helper()
	res := e.flotilla(args...)
	if res.code != 0 {
		e.t.Fatalf("flotilla %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), res.code, res.stdout, res.stderr)
	}
	return res
}

// createSet creates the ApplicationSet of manifest in the env's namespace
// and gives it status.
func (e *appSetEnv) createSet(manifest string, status v1alpha1.ApplicationSetStatus) *v1alpha1.ApplicationSet {
	e.t.Helper()
	set := &v1alpha1.ApplicationSet{}
	if err := yaml.UnmarshalStrict([]byte(manifest), set); err != nil {
		e.t.Fatal(err)
	}
	set.Namespace = e.ns
	ctx := context.Background()
	if err := e.c.Create(ctx, set); err != nil {
		e.t.Fatalf("create applicationset %s: %v", set.Name, err)
	}
	if status.Health.Status == "" && len(status.Conditions) == 0 {
		return set
	}
	set.Status = status
	if err := e.c.Status().Update(ctx, set); err != nil {
		e.t.Fatalf("status of applicationset %s: %v", set.Name, err)
	}
	return set
}

func condition(typ v1alpha1.ApplicationSetConditionType, status v1alpha1.ApplicationSetConditionStatus, reason, msg string) v1alpha1.ApplicationSetCondition {
	now := metav1.Now()
	return v1alpha1.ApplicationSetCondition{Type: typ, Status: status, Reason: reason, Message: msg, LastTransitionTime: &now}
}

// upToDate are the conditions of a set the controller handled.
func upToDate() []v1alpha1.ApplicationSetCondition {
	return []v1alpha1.ApplicationSetCondition{
		condition(v1alpha1.ApplicationSetConditionErrorOccurred, "False", "ApplicationSetUpToDate", "Successfully generated parameters for all Applications"),
		condition(v1alpha1.ApplicationSetConditionParametersGenerated, "True", "ParametersGenerated", "Successfully generated parameters for all Applications"),
		condition(v1alpha1.ApplicationSetConditionResourcesUpToDate, "True", "ApplicationSetUpToDate", "All applications have been generated successfully"),
	}
}

func resource(name string, sync v1alpha1.SyncStatusCode, health v1alpha1.HealthStatusCode) v1alpha1.ResourceStatus {
	return v1alpha1.ResourceStatus{Group: "argoproj.io", Version: "v1alpha1", Kind: "Application", Name: name, Status: sync,
		Health: &v1alpha1.HealthStatus{Status: health}}
}

// rollingAppSet rolls dev out before prod.
const rollingAppSet = `apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata: {name: rolling}
spec:
  goTemplate: true
  generators:
  - matrix:
      generators:
      - list: {elements: [{env: dev}, {env: prod}]}
      - clusters: {}
  strategy:
    type: RollingSync
    rollingSync:
      steps:
      - matchExpressions: [{key: env, operator: In, values: [dev]}]
      - matchExpressions: [{key: env, operator: In, values: [prod]}]
  syncPolicy: {applicationsSync: create-update, preserveResourcesOnDeletion: true}
  templatePatch: '{"metadata": {"labels": {"env": "{{.env}}"}}}'
  template:
    metadata: {name: 'rolling-{{.env}}-{{.name}}'}
    spec:
      source: {repoURL: https://git.example.com/gitops.git, path: 'envs/{{.env}}'}
      destination: {server: '{{.server}}', namespace: web}
`

// createTestSets creates guestbook (two Applications, up to date), broken
// (a generator error) and rolling (a RollingSync half done, with more
// Applications than the status lists).
func (e *appSetEnv) createTestSets() {
	e.createSet(listAppSet, v1alpha1.ApplicationSetStatus{
		Conditions:     upToDate(),
		Resources:      []v1alpha1.ResourceStatus{resource("guestbook-dev", "Synced", "Healthy"), resource("guestbook-prod", "OutOfSync", "Progressing")},
		ResourcesCount: 2,
		Health:         v1alpha1.HealthStatus{Status: "Healthy"},
	})
	e.createSet(brokenAppSet, v1alpha1.ApplicationSetStatus{
		Conditions: []v1alpha1.ApplicationSetCondition{
			condition(v1alpha1.ApplicationSetConditionErrorOccurred, "True", "ApplicationGenerationFromParamsError",
				"generator 0 (plugin): read plugin ConfigMap: no ConfigMap argocd/no-such-plugin, and a message long enough to be cut"),
		},
		Health: v1alpha1.HealthStatus{Status: "Degraded", Message: "generator 0 (plugin) failed"},
	})
	conds := append(upToDate(), condition(v1alpha1.ApplicationSetConditionRolloutProgressing, "True", "ApplicationSetModified", "ApplicationSet is performing rollout of step 2"))
	e.createSet(rollingAppSet, v1alpha1.ApplicationSetStatus{
		Conditions: conds,
		Resources: []v1alpha1.ResourceStatus{resource("rolling-dev-eu", "Synced", "Healthy"), resource("rolling-prod-eu", "OutOfSync", "Healthy"),
			resource("rolling-prod-us", "OutOfSync", "Healthy")},
		ResourcesCount: 5,
		Health:         v1alpha1.HealthStatus{Status: "Progressing"},
		ApplicationStatus: []v1alpha1.ApplicationSetApplicationStatus{
			{Application: "rolling-dev-eu", Step: "1", Status: "Healthy", Message: "Application resource is already Healthy, updating status from Waiting to Healthy.", TargetRevisions: []string{"0123456789abcdef0123456789abcdef01234567"}},
			{Application: "rolling-prod-eu", Step: "2", Status: "Progressing", Message: "Application resource became Progressing, updating status from Pending to Progressing.", TargetRevisions: []string{"0123456789abcdef0123456789abcdef01234567"}},
			{Application: "rolling-prod-us", Step: "2", Status: "Waiting", Message: "Application is waiting for the previous step", TargetRevisions: []string{}},
			{Application: "rolling-prod-ap", Step: "2", Status: "Waiting", Message: "Application is waiting for the previous step", TargetRevisions: []string{}},
		},
	})
}

func TestAppSetList(t *testing.T) {
	e := newAppSetEnv(t)
	e.createTestSets()

	golden(t, "appset_list.golden", e.mustRun("appset", "list").stdout)
	golden(t, "appset_list_wide.golden", e.mustRun("appset", "list", "-o", "wide").stdout)

	all := e.mustRun("appset", "list", "-A").stdout
	if !strings.HasPrefix(all, "NAMESPACE") || !strings.Contains(all, e.ns+"  guestbook ") {
		t.Errorf("-A has no NAMESPACE column:\n%s", all)
	}
	var list struct {
		Kind  string `json:"kind"`
		Items []struct {
			Kind     string `json:"kind"`
			Metadata struct {
				Name          string `json:"name"`
				ManagedFields []any  `json:"managedFields"`
			} `json:"metadata"`
		} `json:"items"`
	}
	js := e.mustRun("appset", "list", "-o", "json").stdout
	if err := json.Unmarshal([]byte(js), &list); err != nil {
		t.Fatalf("-o json: %v\n%s", err, js)
	}
	if list.Kind != "List" || len(list.Items) != 3 || list.Items[0].Metadata.Name != "broken" ||
		list.Items[0].Kind != "ApplicationSet" || list.Items[0].Metadata.ManagedFields != nil {
		t.Errorf("-o json = %+v", list)
	}
	if yml := e.mustRun("appset", "list", "-o", "yaml").stdout; !strings.Contains(yml, "kind: List") || !strings.Contains(yml, "name: rolling") {
		t.Errorf("-o yaml:\n%s", yml)
	}
	if none := e.mustRun("appset", "list", "-l", "nothing=here"); none.stdout != "" || !strings.Contains(none.stderr, "No ApplicationSets found in namespace "+e.ns) {
		t.Errorf("empty list: %+v", none)
	}
	if bad := e.flotilla("appset", "list", "-o", "xml"); bad.code == 0 || !strings.Contains(bad.stderr, `unknown output format "xml"`) {
		t.Errorf("-o xml: %+v", bad)
	}
}

func TestAppSetGet(t *testing.T) {
	e := newAppSetEnv(t)
	e.createTestSets()
	n := &normalizer{}
	n.add(e.ns, e.ns[:len(e.ns)-8]+"xxxxxxxx")

	golden(t, "appset_get.golden", n.apply(e.mustRun("appset", "get", "rolling").stdout))
	golden(t, "appset_get_wide.golden", n.apply(e.mustRun("appset", "get", "rolling", "-o", "wide").stdout))

	plain := e.mustRun("appset", "get", "guestbook").stdout
	inOrder(t, plain, "Generators:   list", "Strategy:     AllAtOnce", "Sync Policy:  sync", "Health:       Healthy",
		"NAME            SYNC       HEALTH", "guestbook-dev   Synced     Healthy", "guestbook-prod  OutOfSync  Progressing")
	if strings.Contains(plain, "STEP") {
		t.Errorf("a set without rollout shows steps:\n%s", plain)
	}
	broken := e.mustRun("appset", "get", "broken").stdout
	inOrder(t, broken, "Health:       Degraded: generator 0 (plugin) failed", "Conditions:   ErrorOccurred=True: generator 0 (plugin)")

	var set v1alpha1.ApplicationSet
	if js := e.mustRun("appset", "get", "rolling", "-o", "json").stdout; json.Unmarshal([]byte(js), &set) != nil ||
		set.Kind != "ApplicationSet" || set.Status.ResourcesCount != 5 || set.ManagedFields != nil {
		t.Errorf("-o json:\n%s", js)
	}
	if bad := e.flotilla("appset", "get", "rolling", "-o", "xml"); bad.code == 0 || !strings.Contains(bad.stderr, `unknown output format "xml"`) {
		t.Errorf("-o xml: %+v", bad)
	}
	if bad := e.flotilla("appset", "get"); bad.code == 0 || !strings.Contains(bad.stderr, "needs exactly one applicationset name") {
		t.Errorf("no name: %+v", bad)
	}
}

func TestAppSetNotFound(t *testing.T) {
	e := newAppSetEnv(t)
	want := `applicationset "no-such-set" not found in namespace ` + e.ns + `: list them with "flotilla appset list -A"`
	for _, args := range [][]string{{"get"}, {"delete", "--yes"}} {
		res := e.flotilla(append([]string{"appset", args[0], "no-such-set"}, args[1:]...)...)
		if res.code != 1 || !strings.Contains(res.stderr, want) {
			t.Errorf("appset %v: exit %d, stderr %q", args, res.code, res.stderr)
		}
	}
}
