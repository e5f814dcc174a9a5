package controller_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/controlplane/kubetest"
	"flotilla.dev/flotilla/internal/source/git/gittest"
)

func deployment(name string, replicas int) string {
	return fmt.Sprintf(`apiVersion: apps/v1
kind: Deployment
metadata:
  name: %[1]s
spec:
  replicas: %[2]d
  selector:
    matchLabels: {app: %[1]s}
  template:
    metadata:
      labels: {app: %[1]s}
    spec:
      containers:
      - name: web
        image: nginx:1.27
`, name, replicas)
}

func service(name string) string {
	return fmt.Sprintf(`apiVersion: v1
kind: Service
metadata:
  name: %[1]s
spec:
  selector: {app: %[1]s}
  ports:
  - port: 80
    targetPort: 8080
`, name)
}

func configMap(name, value string) string {
	return fmt.Sprintf("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: %s\ndata:\n  value: %q\n", name, value)
}

func directoryApp(name, repoURL, path, namespace string, selfHeal bool) string {
	return fmt.Sprintf(`apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: %s
spec:
  project: default
  source:
    repoURL: %s
    path: %s
    targetRevision: HEAD
  destination:
    server: https://kubernetes.default.svc
    namespace: %s
  syncPolicy:
    automated:
      prune: true
      selfHeal: %t
`, name, repoURL, path, namespace, selfHeal)
}

func TestDirectoryAppBecomesSyncedAndHealthy(t *testing.T) {
	c := env(t)
	ns := kubetest.NewNamespace(t, c)
	srv := gittest.NewServer(t)
	repo := srv.NewRepo(t, "guestbook")
	sha := repo.Commit(t, map[string]string{
		"guestbook/deployment.yaml": deployment("web", 2),
		"guestbook/service.yaml":    service("web"),
		"guestbook/README.md":       "not a manifest",
	}, "guestbook")
	createApp(t, c, directoryApp("guestbook", repo.URL(), "guestbook", ns, true))

	app := waitSyncedHealthy(t, c, "guestbook", sha, 90*time.Second)

	var d appsv1.Deployment
	if err := c.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: "web"}, &d); err != nil {
		t.Fatal(err)
	}
	if d.Status.AvailableReplicas != 2 {
		t.Errorf("deployment has %d available replicas, want 2", d.Status.AvailableReplicas)
	}
	if got, want := d.Annotations["argocd.argoproj.io/tracking-id"], "guestbook:apps/Deployment:"+ns+"/web"; got != want {
		t.Errorf("tracking id = %q, want %q", got, want)
	}
	if len(app.Status.Resources) != 2 {
		t.Errorf("status.resources has %d entries, want 2: %s", len(app.Status.Resources), describe(app))
	}
	if op := app.Status.OperationState; op == nil || op.Phase != v1alpha1.OperationSucceeded || !op.Operation.InitiatedBy.Automated {
		t.Errorf("operationState = %+v, want an automated Succeeded sync", op)
	}
	if len(app.Status.History) != 1 || app.Status.History[0].Revision != sha {
		t.Errorf("history = %+v, want one entry at %s", app.Status.History, sha)
	}
}

func TestAppOfAppsCreatesAndReconcilesChildren(t *testing.T) {
	c := env(t)
	nsA := kubetest.NewNamespace(t, c)
	nsB := kubetest.NewNamespace(t, c)
	srv := gittest.NewServer(t)
	repo := srv.NewRepo(t, "fleet")
	child := func(name, path, ns string) string {
		return strings.Replace(directoryApp(name, repo.URL(), path, ns, true), "metadata:\n", "metadata:\n  namespace: argocd\n", 1)
	}
	repo.Commit(t, map[string]string{
		"apps/child-a.yaml":           child("aoa-child-a", "workloads/a", nsA),
		"apps/child-b.yaml":           child("aoa-child-b", "workloads/b", nsB),
		"workloads/a/deployment.yaml": deployment("a", 1),
		"workloads/a/service.yaml":    service("a"),
		"workloads/b/deployment.yaml": deployment("b", 1),
		"workloads/b/service.yaml":    service("b"),
	}, "fleet")
	createApp(t, c, directoryApp("aoa-root", repo.URL(), "apps", appNamespace, true))
	t.Cleanup(func() {
		for _, n := range []string{"aoa-child-a", "aoa-child-b"} {
			_ = c.Delete(context.Background(), &v1alpha1.Application{ObjectMeta: objectMeta(n)})
		}
	})

	root := waitSyncedHealthy(t, c, "aoa-root", "", 120*time.Second)
	for _, name := range []string{"aoa-child-a", "aoa-child-b"} {
		child := waitSyncedHealthy(t, c, name, "", 30*time.Second)
		if child.Annotations["argocd.argoproj.io/tracking-id"] != "aoa-root:argoproj.io/Application:argocd/"+name {
			t.Errorf("%s is not tracked by the root: %v", name, child.Annotations)
		}
	}
	var d appsv1.Deployment
	if err := c.Get(context.Background(), client.ObjectKey{Namespace: nsB, Name: "b"}, &d); err != nil || d.Status.AvailableReplicas != 1 {
		t.Fatalf("child b's deployment: %v, available %d", err, d.Status.AvailableReplicas)
	}
	if len(root.Status.Resources) != 2 {
		t.Errorf("root manages %d resources, want the 2 child Applications", len(root.Status.Resources))
	}
}

func TestCommitIsAppliedAndRemovedFileIsPruned(t *testing.T) {
	c := env(t)
	ns := kubetest.NewNamespace(t, c)
	srv := gittest.NewServer(t)
	repo := srv.NewRepo(t, "config")
	repo.Commit(t, map[string]string{
		"app/settings.yaml": configMap("settings", "v1"),
		"app/extra.yaml":    configMap("extra", "x"),
	}, "first")
	createApp(t, c, directoryApp("commits", repo.URL(), "app", ns, false))
	waitSyncedHealthy(t, c, "commits", "", 60*time.Second)

	start := time.Now()
	sha := repo.Commit(t, map[string]string{"app/settings.yaml": configMap("settings", "v2")}, "change")
	refresh(t, c, "commits")
	waitSyncedHealthy(t, c, "commits", sha, 30*time.Second)
	t.Logf("commit to Synced: %s", time.Since(start).Round(time.Millisecond))
	var cm corev1.ConfigMap
	if err := c.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: "settings"}, &cm); err != nil || cm.Data["value"] != "v2" {
		t.Fatalf("settings after commit: %v %v", err, cm.Data)
	}

	sha = repo.Remove(t, []string{"app/extra.yaml"}, "remove extra")
	refresh(t, c, "commits")
	app := waitSyncedHealthy(t, c, "commits", sha, 30*time.Second)
	eventually(t, 30*time.Second, func() (bool, string) {
		err := c.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: "extra"}, &corev1.ConfigMap{})
		return apierrors.IsNotFound(err), fmt.Sprintf("extra still there: %v", err)
	})
	pruned := false
	for _, r := range app.Status.OperationState.SyncResult.Resources {
		pruned = pruned || (r.Name == "extra" && r.Status == v1alpha1.ResultCodePruned)
	}
	if !pruned {
		t.Errorf("sync result does not record the prune: %s", describe(app))
	}
}

// editReplicas changes a managed Deployment as `kubectl edit` would: an
// update under another field manager.
func editReplicas(t *testing.T, c client.Client, ns, name string, replicas int32) {
	t.Helper()
	var d appsv1.Deployment
	if err := c.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, &d); err != nil {
		t.Fatal(err)
	}
	d.Spec.Replicas = &replicas
	if err := c.Update(context.Background(), &d, client.FieldOwner("kubectl-edit")); err != nil {
		t.Fatal(err)
	}
}

func TestSelfHealRevertsManualEdit(t *testing.T) {
	c := env(t)
	ns := kubetest.NewNamespace(t, c)
	srv := gittest.NewServer(t)
	repo := srv.NewRepo(t, "heal")
	repo.Commit(t, map[string]string{"app/deployment.yaml": deployment("web", 1)}, "first")
	createApp(t, c, directoryApp("heal", repo.URL(), "app", ns, true))
	waitSyncedHealthy(t, c, "heal", "", 60*time.Second)

	editReplicas(t, c, ns, "web", 3)
	eventually(t, 30*time.Second, func() (bool, string) {
		var d appsv1.Deployment
		if err := c.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: "web"}, &d); err != nil {
			return false, err.Error()
		}
		return *d.Spec.Replicas == 1, fmt.Sprintf("replicas = %d", *d.Spec.Replicas)
	})
	waitSyncedHealthy(t, c, "heal", "", 30*time.Second)
}

// A managed Secret is watched like any other kind (metadata only), though
// the controller caches Argo CD's own Secrets separately: an edit of it is
// noticed at once (the test controller polls hourly) and healed.
func TestSelfHealRevertsEditedSecret(t *testing.T) {
	c := env(t)
	ns := kubetest.NewNamespace(t, c)
	repo := gittest.NewServer(t).NewRepo(t, "heal-secret")
	repo.Commit(t, map[string]string{"app/secret.yaml": "apiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\nstringData:\n  password: from-git\n"}, "a secret")
	createApp(t, c, directoryApp("heal-secret", repo.URL(), "app", ns, true))
	waitSyncedHealthy(t, c, "heal-secret", "", 60*time.Second)

	sec := &corev1.Secret{}
	if err := c.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: "creds"}, sec); err != nil {
		t.Fatal(err)
	}
	sec.Data["password"] = []byte("edited")
	if err := c.Update(context.Background(), sec); err != nil {
		t.Fatal(err)
	}
	eventually(t, 20*time.Second, func() (bool, string) {
		got := &corev1.Secret{}
		_ = c.Get(context.Background(), client.ObjectKeyFromObject(sec), got)
		return string(got.Data["password"]) == "from-git", "password = " + string(got.Data["password"])
	})
}

func TestDriftShownOutOfSyncWithoutSelfHeal(t *testing.T) {
	c := env(t)
	ns := kubetest.NewNamespace(t, c)
	srv := gittest.NewServer(t)
	repo := srv.NewRepo(t, "drift")
	repo.Commit(t, map[string]string{"app/deployment.yaml": deployment("web", 1)}, "first")
	createApp(t, c, directoryApp("drift", repo.URL(), "app", ns, false))
	waitSyncedHealthy(t, c, "drift", "", 60*time.Second)

	editReplicas(t, c, ns, "web", 2)
	eventually(t, 30*time.Second, func() (bool, string) {
		app := getApp(t, c, "drift")
		for _, r := range app.Status.Resources {
			if r.Kind == "Deployment" && r.Status == v1alpha1.SyncStatusCodeOutOfSync {
				return app.Status.Sync.Status == v1alpha1.SyncStatusCodeOutOfSync, describe(app)
			}
		}
		return false, describe(app)
	})
	// Without selfHeal the edit stays.
	time.Sleep(3 * time.Second)
	var d appsv1.Deployment
	if err := c.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: "web"}, &d); err != nil || *d.Spec.Replicas != 2 {
		t.Fatalf("edit was reverted without selfHeal: %v replicas=%d", err, *d.Spec.Replicas)
	}
}

func TestBrokenCommitKeepsRunningObjects(t *testing.T) {
	c := env(t)
	ns := kubetest.NewNamespace(t, c)
	srv := gittest.NewServer(t)
	repo := srv.NewRepo(t, "broken")
	repo.Commit(t, map[string]string{
		"app/deployment.yaml": deployment("web", 1),
		"app/settings.yaml":   configMap("settings", "good"),
	}, "good")
	createApp(t, c, directoryApp("broken", repo.URL(), "app", ns, true))
	waitSyncedHealthy(t, c, "broken", "", 60*time.Second)
	var before appsv1.Deployment
	if err := c.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: "web"}, &before); err != nil {
		t.Fatal(err)
	}

	repo.Commit(t, map[string]string{"app/settings.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata: {value: [unclosed\n"}, "broken yaml")
	refresh(t, c, "broken")
	var app *v1alpha1.Application
	eventually(t, 30*time.Second, func() (bool, string) {
		app = getApp(t, c, "broken")
		return strings.Contains(condition(app, v1alpha1.ApplicationConditionComparisonError), "settings.yaml"), describe(app)
	})
	if app.Status.Sync.Status != v1alpha1.SyncStatusCodeUnknown {
		t.Errorf("sync status = %s, want Unknown", app.Status.Sync.Status)
	}
	var after appsv1.Deployment
	if err := c.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: "web"}, &after); err != nil {
		t.Fatalf("deployment gone after broken commit: %v", err)
	}
	if after.Generation != before.Generation {
		t.Errorf("deployment changed: generation %d -> %d", before.Generation, after.Generation)
	}
	var cm corev1.ConfigMap
	if err := c.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: "settings"}, &cm); err != nil || cm.Data["value"] != "good" {
		t.Errorf("configmap after broken commit: %v %v", err, cm.Data)
	}
	if len(app.Status.Resources) != 2 {
		t.Errorf("status.resources lost on error: %s", describe(app))
	}
}

func TestPruneNeverTouchesUntrackedObjects(t *testing.T) {
	c := env(t)
	ns := kubetest.NewNamespace(t, c)
	bystander := &corev1.ConfigMap{ObjectMeta: objectMetaIn(ns, "bystander"), Data: map[string]string{"k": "v"}}
	if err := c.Create(context.Background(), bystander); err != nil {
		t.Fatal(err)
	}
	srv := gittest.NewServer(t)
	repo := srv.NewRepo(t, "prune")
	repo.Commit(t, map[string]string{
		"app/keep.yaml":     configMap("keep", "1"),
		"app/hijacked.yaml": configMap("hijacked", "1"),
		"app/gone.yaml":     configMap("gone", "1"),
	}, "first")
	// selfHeal is off: with it, the app would take "hijacked" back (as
	// Argo CD does) before the commit that removes it arrives.
	createApp(t, c, directoryApp("pruner", repo.URL(), "app", ns, false))
	waitSyncedHealthy(t, c, "pruner", "", 60*time.Second)

	// Another owner takes over "hijacked": its tracking id now names
	// another app, so this app must no longer prune it.
	var hijacked corev1.ConfigMap
	if err := c.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: "hijacked"}, &hijacked); err != nil {
		t.Fatal(err)
	}
	hijacked.Annotations["argocd.argoproj.io/tracking-id"] = "someone-else:/ConfigMap:" + ns + "/hijacked"
	if err := c.Update(context.Background(), &hijacked); err != nil {
		t.Fatal(err)
	}

	sha := repo.Remove(t, []string{"app/hijacked.yaml", "app/gone.yaml"}, "remove two")
	refresh(t, c, "pruner")
	waitSyncedHealthy(t, c, "pruner", sha, 30*time.Second)
	eventually(t, 30*time.Second, func() (bool, string) {
		err := c.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: "gone"}, &corev1.ConfigMap{})
		return apierrors.IsNotFound(err), "gone was not pruned"
	})
	for _, name := range []string{"bystander", "hijacked", "keep"} {
		if err := c.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, &corev1.ConfigMap{}); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestBadInputSetsConditionAndAppliesNothing(t *testing.T) {
	c := env(t)
	srv := gittest.NewServer(t)
	repo := srv.NewRepo(t, "bad")
	repo.Commit(t, map[string]string{
		"unknown-kind/widget.yaml": "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n",
		"unknown-kind/cm.yaml":     configMap("beside-widget", "1"),
		"good/cm.yaml":             configMap("good", "1"),
	}, "bad input")
	tests := []struct {
		name     string
		repoURL  string
		path     string
		revision string
		want     string
	}{
		{name: "unknown kind", repoURL: repo.URL(), path: "unknown-kind", revision: "HEAD", want: "does not know kind Widget"},
		{name: "repository not found", repoURL: srv.URL("missing"), path: "good", revision: "HEAD", want: "not found"},
		{name: "revision not found", repoURL: repo.URL(), path: "good", revision: "no-such-branch", want: `revision "no-such-branch" not found`},
		{name: "path not found", repoURL: repo.URL(), path: "nowhere", revision: "HEAD", want: `app path "nowhere" does not exist`},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ns := kubetest.NewNamespace(t, c)
			name := fmt.Sprintf("bad-input-%d", i)
			manifest := strings.Replace(directoryApp(name, tt.repoURL, tt.path, ns, true), "targetRevision: HEAD", "targetRevision: "+tt.revision, 1)
			createApp(t, c, manifest)
			var app *v1alpha1.Application
			eventually(t, 30*time.Second, func() (bool, string) {
				app = getApp(t, c, name)
				return strings.Contains(condition(app, v1alpha1.ApplicationConditionComparisonError), tt.want), describe(app)
			})
			var cms corev1.ConfigMapList
			if err := c.List(context.Background(), &cms, client.InNamespace(ns)); err != nil {
				t.Fatal(err)
			}
			for _, cm := range cms.Items {
				if cm.Name != "kube-root-ca.crt" {
					t.Errorf("%s was applied despite the error", cm.Name)
				}
			}
			if app.Status.Sync.Status != v1alpha1.SyncStatusCodeUnknown {
				t.Errorf("sync status %s, want Unknown", app.Status.Sync.Status)
			}
		})
	}
}
