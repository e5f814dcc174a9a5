package controller_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"github.com/go-logr/logr/funcr"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/apply"
	"flotilla.dev/flotilla/internal/controller"
	"flotilla.dev/flotilla/internal/controller/controllertest"
	"flotilla.dev/flotilla/internal/controlplane/kubetest"
	"flotilla.dev/flotilla/internal/install"
	"flotilla.dev/flotilla/internal/source/git/gittest"
)

// TestNamespacedInstall runs a controller as the ServiceAccount of a
// namespaced install, with only the RBAC that install.Manifests makes for
// it, on the control plane with RBAC enforced. An app into a listed
// namespace syncs and turns healthy, and so does an app-of-apps whose
// child Application is in the controller's namespace. Apps into another
// namespace, with a cluster-scoped object, asking CreateNamespace for
// another namespace, or listing an object in another namespace from before
// (a full install's sync) are refused with an InvalidSpecError, and
// nothing of theirs is written; the deletion of the last is held rather
// than cascaded outside. The Events of the syncs are written, and no
// informer of the controller meets a forbidden list or watch (their errors
// go to its logger, which the test reads, as do its reconcile errors).
func TestNamespacedInstall(t *testing.T) {
	plane := kubetest.Plane(t)
	scheme, err := controller.Scheme()
	if err != nil {
		t.Fatal(err)
	}
	admin, err := client.New(plane.RESTConfig(), client.Options{Scheme: scheme})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	own := kubetest.NewNamespace(t, admin)
	teamA, teamB := kubetest.NewNamespace(t, admin), kubetest.NewNamespace(t, admin)
	outside := kubetest.NewNamespace(t, admin)
	never := "never-" + own // a namespace nobody creates

	// the namespaced install, as flotilla bootstrap --namespaced applies
	// it, but for the Deployment: the controller runs here instead
	objs, err := install.Manifests(install.Options{Namespace: own, Namespaced: []string{teamA, teamB}})
	if err != nil {
		t.Fatal(err)
	}
	var rbac []string
	for i := 0; i < len(objs); i++ {
		switch o := objs[i]; o.GetKind() {
		case "Deployment", "Service":
			objs = append(objs[:i], objs[i+1:]...)
			i--
		case "ClusterRole", "ClusterRoleBinding":
			t.Fatalf("the namespaced install has %s %s", o.GetKind(), o.GetName())
		case "Role", "RoleBinding":
			rbac = append(rbac, o.GetKind()+" "+o.GetNamespace()+"/"+o.GetName())
		}
	}
	ac, err := apply.NewForConfig(plane.RESTConfig())
	if err != nil {
		t.Fatal(err)
	}
	if err := install.Apply(ctx, ac, objs); err != nil {
		t.Fatal(err)
	}
	t.Logf("applied %s", strings.Join(rbac, ", "))

	// the controller's identity is the install's ServiceAccount
	cfg := rest.CopyConfig(plane.RESTConfig())
	cfg.Impersonate = rest.ImpersonationConfig{
		UserName: "system:serviceaccount:" + own + ":flotilla-controller",
		Groups:   []string{"system:serviceaccounts", "system:serviceaccounts:" + own, "system:authenticated"},
	}
	sa, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, time.Minute, func() (bool, string) {
		// the CRDs served and the Role in force
		err := sa.List(ctx, &v1alpha1.ApplicationList{}, client.InNamespace(own))
		return err == nil, fmt.Sprint(err)
	})
	if err := sa.List(ctx, &corev1.ConfigMapList{}); !apierrors.IsForbidden(err) {
		t.Fatalf("the ServiceAccount lists ConfigMaps in every namespace: %v", err)
	}

	logs := &logLines{}
	opts := controllertest.Options(own)
	opts.Namespaced = []string{teamA, teamB}
	opts.Embedded = true
	opts.CacheDir = t.TempDir()
	opts.Logger = logs.logger()
	mgr, err := controller.NewManager(cfg, opts)
	if err != nil {
		t.Fatal(err)
	}
	run, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := mgr.Start(run); err != nil {
			t.Errorf("controller: %v", err)
		}
	}()
	t.Cleanup(func() { stop(); <-done }) // before the namespaces go

	clusterRole := "flotilla-test-" + own
	srv := gittest.NewServer(t)
	repo := srv.NewRepo(t, "namespaced")
	repo.Commit(t, map[string]string{
		"web/deployment.yaml": deployment("web", 1),
		"web/config.yaml":     configMap("settings", "v1"),
		"stray/config.yaml":   configMap("stray", "v1"),
		"admin/config.yaml":   configMap("admin-settings", "v1"),
		// an app-of-apps: its child Application in the controller's
		// namespace, the child's objects in a listed one
		"root/child.yaml": strings.Replace(directoryApp("child", repo.URL(), "child", teamB, true),
			"metadata:\n", "metadata:\n  namespace: "+own+"\n", 1),
		"child/config.yaml": configMap("child-settings", "v1"),
		"admin/role.yaml": fmt.Sprintf(`apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: %s
rules:
- apiGroups: [""]
  resources: [pods]
  verbs: [get]
`, clusterRole),
	}, "apps")
	createNamespace := "    syncOptions:\n    - CreateNamespace=true\n"
	// CreateNamespace of a listed namespace: it exists, nothing to do
	createAppIn(t, admin, own, directoryApp("web", repo.URL(), "web", teamA, true)+createNamespace)
	createAppIn(t, admin, own, directoryApp("stray", repo.URL(), "stray", outside, true))
	createAppIn(t, admin, own, directoryApp("admin", repo.URL(), "admin", teamB, true))
	createAppIn(t, admin, own, directoryApp("new-namespace", repo.URL(), "stray", never, true)+createNamespace)
	// an app synced by a full install before, with an object outside,
	// which its deletion would cascade to
	legacy := createAppIn(t, admin, own, strings.Replace(directoryApp("legacy", repo.URL(), "stray", teamA, true),
		"metadata:\n", "metadata:\n  finalizers: ["+controller.ResourcesFinalizer+"]\n", 1)+
		"status:\n  resources:\n  - {version: v1, kind: ConfigMap, namespace: "+outside+", name: old}\n")
	createAppIn(t, admin, own, directoryApp("root", repo.URL(), "root", own, true))
	t.Cleanup(func() { _ = admin.Delete(ctx, &v1alpha1.Application{ObjectMeta: objectMetaIn(own, "child")}) })

	for _, name := range []string{"web", "root", "child"} {
		eventually(t, 90*time.Second, func() (bool, string) {
			app := getAppIn(t, admin, own, name)
			st := app.Status
			return st.Sync.Status == v1alpha1.SyncStatusCodeSynced && st.Health.Status == v1alpha1.HealthStatusHealthy &&
				st.OperationState != nil && st.OperationState.Phase == v1alpha1.OperationSucceeded, describe(app) + logs.forbidden()
		})
	}
	for _, key := range []client.ObjectKey{{Namespace: teamA, Name: "settings"}, {Namespace: teamB, Name: "child-settings"}} {
		if err := admin.Get(ctx, key, &corev1.ConfigMap{}); err != nil {
			t.Errorf("ConfigMap of an allowed app: %v", err)
		}
	}
	// the Events of its syncs were written (a rejected Event is only
	// logged by client-go, not by the controller)
	eventually(t, 30*time.Second, func() (bool, string) {
		var events corev1.EventList
		if err := admin.List(ctx, &events, client.InNamespace(own)); err != nil {
			return false, err.Error()
		}
		for _, e := range events.Items {
			if e.InvolvedObject.Name == "web" && e.Reason == "OperationCompleted" {
				return true, ""
			}
		}
		return false, fmt.Sprintf("no OperationCompleted Event of app web among %d Events", len(events.Items))
	})

	scope := fmt.Sprintf("the controller is installed for namespaces %s only", strings.Join(sorted(teamA, teamB), ", "))
	for _, tc := range []struct{ app, says string }{
		{app: "stray", says: "destination namespace " + outside + " is outside them: " + scope},
		{app: "admin", says: "ClusterRole " + clusterRole + " is cluster-scoped: " + scope},
		{app: "new-namespace", says: "CreateNamespace=true asks for namespace " + never + ", which it may not create: " + scope},
		{app: "legacy", says: "it managed ConfigMap old in namespace " + outside + " before: " + scope},
	} {
		eventually(t, 30*time.Second, func() (bool, string) {
			app := getAppIn(t, admin, own, tc.app)
			return strings.Contains(condition(app, v1alpha1.ApplicationConditionInvalidSpecError), tc.says), describe(app)
		})
	}
	// the refused apps stay refused: nothing of theirs is ever written
	holdsFor(t, func() (bool, string) {
		for _, o := range []struct {
			key client.ObjectKey
			obj client.Object
		}{
			{client.ObjectKey{Namespace: outside, Name: "stray"}, &corev1.ConfigMap{}},
			{client.ObjectKey{Name: clusterRole}, &rbacv1.ClusterRole{}},
			{client.ObjectKey{Namespace: teamB, Name: "admin-settings"}, &corev1.ConfigMap{}},
			{client.ObjectKey{Name: never}, &corev1.Namespace{}},
			{client.ObjectKey{Namespace: teamA, Name: "stray"}, &corev1.ConfigMap{}},
		} {
			if err := admin.Get(ctx, o.key, o.obj); !apierrors.IsNotFound(err) {
				return true, fmt.Sprintf("%T %s of a refused app: %v", o.obj, o.key, err)
			}
		}
		for _, name := range []string{"stray", "admin", "new-namespace", "legacy"} {
			if op := getAppIn(t, admin, own, name).Status.OperationState; op != nil {
				return true, fmt.Sprintf("refused app %s started a sync: %s %s", name, op.Phase, op.Message)
			}
		}
		return false, ""
	})

	// its deletion is held, not cascaded outside
	if err := admin.Delete(ctx, legacy); err != nil {
		t.Fatal(err)
	}
	eventually(t, 30*time.Second, func() (bool, string) {
		app := getAppIn(t, admin, own, "legacy")
		msg := condition(app, v1alpha1.ApplicationConditionDeletionError)
		return strings.Contains(msg, "cannot delete the resources: it managed ConfigMap old in namespace "+outside+" before: "+scope), describe(app)
	})
	unblock := client.RawPatch("application/merge-patch+json", []byte(`{"metadata":{"finalizers":null}}`))
	if err := admin.Patch(ctx, legacy, unblock); err != nil {
		t.Fatal(err)
	}

	if !logs.contain("sync started") {
		t.Fatalf("the controller's logs do not reach the test (no \"sync started\"):\n%s", logs)
	}
	if forbidden := logs.forbidden(); forbidden != "" {
		t.Error(forbidden)
	}
}

func sorted(a, b string) []string {
	if b < a {
		return []string{b, a}
	}
	return []string{a, b}
}

// logLines records what a logger writes, for a test to read.
type logLines struct {
	mu    sync.Mutex
	lines []string
}

func (l *logLines) logger() logr.Logger {
	return funcr.New(func(prefix, args string) {
		l.mu.Lock()
		defer l.mu.Unlock()
		l.lines = append(l.lines, prefix+" "+args)
	}, funcr.Options{Verbosity: 1})
}

func (l *logLines) matching(s string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, line := range l.lines {
		if strings.Contains(strings.ToLower(line), strings.ToLower(s)) {
			out = append(out, line)
		}
	}
	return out
}

func (l *logLines) contain(s string) bool { return len(l.matching(s)) > 0 }

// forbidden says which requests of the controller the API server
// refused, "" when none.
func (l *logLines) forbidden() string {
	lines := l.matching("forbidden")
	if len(lines) == 0 {
		return ""
	}
	return fmt.Sprintf("\nthe controller met %d forbidden requests:\n%s", len(lines), strings.Join(lines, "\n"))
}

func (l *logLines) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}
