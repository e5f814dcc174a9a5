package cli

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/controller/controllertest"
	"flotilla.dev/flotilla/internal/controlplane/kubetest"
	"flotilla.dev/flotilla/internal/goldentest"
	"flotilla.dev/flotilla/internal/source/git/gittest"
)

// appsNamespace is where the test controller reconciles Applications.
const appsNamespace = "argocd"

// appEnv is one test's world: the controller, a destination namespace and
// a git repository.
type appEnv struct {
	t    *testing.T
	c    client.Client
	ns   string
	repo *gittest.Repo
}

func newAppEnv(t *testing.T) *appEnv {
	t.Helper()
	c := controllertest.Start(t, appsNamespace)
	return &appEnv{t: t, c: c, ns: kubetest.NewNamespace(t, c), repo: gittest.NewLocalRepo(t)}
}

// flotilla runs the command line against the test plane, in argocd.
func (e *appEnv) flotilla(args ...string) result {
	e.t.Helper()
	return run(e.t, append(args, "--kubeconfig", kubetest.Plane(e.t).KubeconfigPath(), "-n", appsNamespace)...)
}

// mustRun runs the command line and fails the test unless it exits 0.
func (e *appEnv) mustRun(args ...string) result {
	e.t.Helper()
	res := e.flotilla(args...)
	if res.code != 0 {
		e.t.Fatalf("flotilla %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), res.code, res.stdout, res.stderr)
	}
	return res
}

// appSpec is what newApp makes.
type appSpec struct {
	name, path  string
	destNS      string // default the test namespace
	automated   bool
	annotations map[string]string
	labels      map[string]string
}

// newApp creates an Application in argocd tracking HEAD of the test
// repository, and deletes it when the test ends.
func (e *appEnv) newApp(s appSpec) *v1alpha1.Application {
	e.t.Helper()
	if s.destNS == "" {
		s.destNS = e.ns
	}
	app := &v1alpha1.Application{
		ObjectMeta: metav1.ObjectMeta{Namespace: appsNamespace, Name: s.name, Annotations: s.annotations, Labels: s.labels},
		Spec: v1alpha1.ApplicationSpec{
			Project:     "default",
			Source:      &v1alpha1.ApplicationSource{RepoURL: e.repo.URL(), Path: s.path, TargetRevision: "HEAD"},
			Destination: v1alpha1.ApplicationDestination{Server: "https://kubernetes.default.svc", Namespace: s.destNS},
		},
	}
	if s.automated {
		app.Spec.SyncPolicy = &v1alpha1.SyncPolicy{Automated: &v1alpha1.SyncPolicyAutomated{Prune: true}}
	}
	if err := e.c.Create(context.Background(), app); err != nil {
		e.t.Fatalf("create application %s: %v", s.name, err)
	}
	e.t.Cleanup(func() { e.deleteApp(s.name) })
	return app
}

// deleteApp deletes an Application without its resources (the test
// namespace takes them) and waits until it is gone.
func (e *appEnv) deleteApp(name string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	app := &v1alpha1.Application{}
	key := client.ObjectKey{Namespace: appsNamespace, Name: name}
	for ctx.Err() == nil {
		if err := e.c.Get(ctx, key, app); err != nil {
			return
		}
		if len(app.Finalizers) > 0 {
			orig := app.DeepCopy()
			app.Finalizers = nil
			_ = e.c.Patch(ctx, app, client.MergeFrom(orig))
		}
		_ = e.c.Delete(ctx, app)
		time.Sleep(100 * time.Millisecond)
	}
}

// getApp reads an Application.
func (e *appEnv) getApp(name string) *v1alpha1.Application {
	e.t.Helper()
	app := &v1alpha1.Application{}
	if err := e.c.Get(context.Background(), client.ObjectKey{Namespace: appsNamespace, Name: name}, app); err != nil {
		e.t.Fatalf("get application %s: %v", name, err)
	}
	return app
}

// waitApp polls the Application until cond holds, failing the test with
// the app's state after timeout.
func (e *appEnv) waitApp(name string, timeout time.Duration, cond func(*v1alpha1.Application) bool) *v1alpha1.Application {
	e.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		app := e.getApp(name)
		if cond(app) {
			return app
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("application %s: condition not met within %s: sync=%s health=%s revision=%s operation=%+v conditions=%+v",
				name, timeout, app.Status.Sync.Status, app.Status.Health.Status, app.Status.Sync.Revision, app.Status.OperationState, app.Status.Conditions)
		}
		time.Sleep(150 * time.Millisecond)
	}
}

// settled: Synced, Healthy, at revision (any when ""), no sync running.
func settled(revision string) func(*v1alpha1.Application) bool {
	return func(app *v1alpha1.Application) bool {
		st := app.Status
		return st.Sync.Status == v1alpha1.SyncStatusCodeSynced && st.Health.Status == v1alpha1.HealthStatusHealthy &&
			(revision == "" || st.Sync.Revision == revision) && app.Operation == nil &&
			(st.OperationState == nil || st.OperationState.Phase.Completed())
	}
}

// compared: the controller compared the app with revision.
func compared(revision string) func(*v1alpha1.Application) bool {
	return func(app *v1alpha1.Application) bool {
		return app.Status.Sync.Revision == revision && app.Status.Sync.Status != ""
	}
}

// configValue is the data.value of a ConfigMap in the test namespace, or
// "<absent>".
func (e *appEnv) configValue(name string) string {
	e.t.Helper()
	var cm corev1.ConfigMap
	if err := e.c.Get(context.Background(), client.ObjectKey{Namespace: e.ns, Name: name}, &cm); err != nil {
		if client.IgnoreNotFound(err) == nil {
			return "<absent>"
		}
		e.t.Fatal(err)
	}
	return cm.Data["value"]
}

func configMap(name, value string, annotations ...string) string {
	ann := ""
	if len(annotations) > 0 {
		ann = "  annotations:\n"
		for i := 0; i+1 < len(annotations); i += 2 {
			ann += fmt.Sprintf("    %s: %q\n", annotations[i], annotations[i+1])
		}
	}
	return fmt.Sprintf("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: %s\n%sdata:\n  value: %q\n", name, ann, value)
}

func deployment(name string, wave string) string {
	return fmt.Sprintf(`apiVersion: apps/v1
kind: Deployment
metadata:
  name: %[1]s
  annotations:
    argocd.argoproj.io/sync-wave: "%[2]s"
spec:
  replicas: 1
  selector:
    matchLabels: {app: %[1]s}
  template:
    metadata:
      labels: {app: %[1]s}
    spec:
      containers:
      - name: web
        image: nginx:1.27
`, name, wave)
}

// normalizer replaces run-specific strings with stable ones of the same
// length, so aligned tables keep their shape.
type normalizer struct{ old, new []string }

func (n *normalizer) add(old, new string) {
	if len(new) < len(old) {
		new += strings.Repeat("_", len(old)-len(new))
	}
	n.old, n.new = append(n.old, old), append(n.new, new[:len(old)])
}

var rfc3339 = regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ`)

func (n *normalizer) apply(s string) string {
	for i := range n.old {
		s = strings.ReplaceAll(s, n.old[i], n.new[i])
	}
	return rfc3339.ReplaceAllString(s, "YYYY-MM-DDTHH:MM:SSZ")
}

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	goldentest.Check(t, name, got)
}

// inOrder fails the test unless every line appears in out, in this order.
func inOrder(t *testing.T, out string, lines ...string) {
	t.Helper()
	rest := out
	for _, l := range lines {
		i := strings.Index(rest, l)
		if i < 0 {
			t.Fatalf("%q missing (or out of order) in:\n%s", l, out)
		}
		rest = rest[i+len(l):]
	}
}
