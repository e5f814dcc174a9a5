package controller_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/controlplane/kubetest"
	"flotilla.dev/flotilla/internal/source/git/gittest"
)

func manualApp(name, repoURL, ns string) string {
	return strings.Replace(directoryApp(name, repoURL, "app", ns, false), "  syncPolicy:\n    automated:\n      prune: true\n      selfHeal: false\n", "", 1)
}

// requestSync writes operation.sync as `argocd app sync` does.
func requestSync(t *testing.T, c client.Client, name string, op v1alpha1.SyncOperation) {
	t.Helper()
	app := getApp(t, c, name)
	app.Operation = &v1alpha1.Operation{Sync: &op, InitiatedBy: v1alpha1.OperationInitiator{Username: "tester"}}
	if err := c.Update(context.Background(), app); err != nil {
		t.Fatal(err)
	}
}

func configValue(t *testing.T, c client.Client, ns, name string) string {
	t.Helper()
	var cm corev1.ConfigMap
	if err := c.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, &cm); err != nil {
		return "<" + err.Error() + ">"
	}
	return cm.Data["value"]
}

func TestManualSyncAndRollback(t *testing.T) {
	c := env(t)
	ns := kubetest.NewNamespace(t, c)
	srv := gittest.NewServer(t)
	repo := srv.NewRepo(t, "manual")
	first := repo.Commit(t, map[string]string{"app/cm.yaml": configMap("settings", "v1")}, "v1")
	createApp(t, c, manualApp("manual", repo.URL(), ns))

	// No automated policy: nothing is applied until a sync is requested.
	eventually(t, 30*time.Second, func() (bool, string) {
		app := getApp(t, c, "manual")
		return app.Status.Sync.Status == v1alpha1.SyncStatusCodeOutOfSync, describe(app)
	})
	if got := configValue(t, c, ns, "settings"); !strings.Contains(got, "not found") {
		t.Fatalf("applied without a sync: %s", got)
	}
	requestSync(t, c, "manual", v1alpha1.SyncOperation{Prune: true})
	waitSyncedHealthy(t, c, "manual", first, 30*time.Second)

	second := repo.Commit(t, map[string]string{"app/cm.yaml": configMap("settings", "v2")}, "v2")
	refresh(t, c, "manual")
	requestSync(t, c, "manual", v1alpha1.SyncOperation{})
	waitSyncedHealthy(t, c, "manual", second, 30*time.Second)
	if got := configValue(t, c, ns, "settings"); got != "v2" {
		t.Fatalf("after the second sync: %s", got)
	}

	// Rollback: sync the revision of history entry 0.
	app := getApp(t, c, "manual")
	if len(app.Status.History) != 2 || app.Status.History[0].Revision != first {
		t.Fatalf("history = %+v", app.Status.History)
	}
	requestSync(t, c, "manual", v1alpha1.SyncOperation{Revision: app.Status.History[0].Revision})
	eventually(t, 30*time.Second, func() (bool, string) {
		return configValue(t, c, ns, "settings") == "v1", "settings = " + configValue(t, c, ns, "settings")
	})
	app = waitOperation(t, c, "manual", v1alpha1.OperationSucceeded, 30*time.Second)
	if n := len(app.Status.History); n != 3 || app.Status.History[2].Revision != first || app.Status.History[2].InitiatedBy.Username != "tester" {
		t.Errorf("history after rollback = %+v", app.Status.History)
	}
}

func TestRetryWithBackoff(t *testing.T) {
	c := env(t)
	ns := kubetest.NewNamespace(t, c)
	missing := ns + "-later"
	srv := gittest.NewServer(t)
	repo := srv.NewRepo(t, "retry")
	repo.Commit(t, map[string]string{
		"app/here.yaml":  configMap("here", "1"),
		"app/later.yaml": strings.Replace(configMap("later", "1"), "metadata:\n", "metadata:\n  namespace: "+missing+"\n", 1),
	}, "retry")
	manifest := directoryApp("retry", repo.URL(), "app", ns, false) + `    retry:
      limit: 5
      backoff: {duration: 1s, factor: 2, maxDuration: 4s}
`
	createApp(t, c, manifest)
	eventually(t, 30*time.Second, func() (bool, string) {
		app := getApp(t, c, "retry")
		op := app.Status.OperationState
		return op != nil && op.RetryCount >= 1 && op.Phase == v1alpha1.OperationRunning, describe(app)
	})
	if err := c.Create(context.Background(), &corev1.Namespace{ObjectMeta: objectMetaIn("", missing)}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Delete(context.Background(), &corev1.Namespace{ObjectMeta: objectMetaIn("", missing)}) })
	app := waitOperation(t, c, "retry", v1alpha1.OperationSucceeded, 60*time.Second)
	if app.Status.OperationState.RetryCount < 1 {
		t.Errorf("succeeded without a retry: %s", describe(app))
	}
}

func TestDeletionCascadesWithFinalizer(t *testing.T) {
	c := env(t)
	srv := gittest.NewServer(t)
	repo := srv.NewRepo(t, "cascade")
	repo.Commit(t, map[string]string{
		"app/a.yaml":    configMap("a", "1"),
		"app/keep.yaml": strings.Replace(configMap("keep", "1"), "metadata:\n", "metadata:\n  annotations:\n    argocd.argoproj.io/sync-options: Delete=false\n", 1),
	}, "cascade")
	for _, finalizer := range []bool{true, false} {
		t.Run(fmt.Sprintf("finalizer=%t", finalizer), func(t *testing.T) {
			ns := kubetest.NewNamespace(t, c)
			name := fmt.Sprintf("cascade-%t", finalizer)
			manifest := directoryApp(name, repo.URL(), "app", ns, true)
			if finalizer {
				manifest = strings.Replace(manifest, "metadata:\n", "metadata:\n  finalizers: [resources-finalizer.argocd.argoproj.io]\n", 1)
			}
			app := createApp(t, c, manifest)
			waitSyncedHealthy(t, c, name, "", 30*time.Second)
			if err := c.Delete(context.Background(), app); err != nil {
				t.Fatal(err)
			}
			eventually(t, 30*time.Second, func() (bool, string) {
				err := c.Get(context.Background(), client.ObjectKeyFromObject(app), &v1alpha1.Application{})
				return apierrors.IsNotFound(err), fmt.Sprintf("application still there: %v", err)
			})
			aGone := strings.Contains(configValue(t, c, ns, "a"), "not found")
			if aGone != finalizer {
				t.Errorf("object a deleted=%t, want %t", aGone, finalizer)
			}
			if configValue(t, c, ns, "keep") != "1" {
				t.Errorf("a Delete=false object was deleted")
			}
		})
	}
}

func TestValidateAndReplaceSyncOptions(t *testing.T) {
	c := env(t)
	ns := kubetest.NewNamespace(t, c)
	srv := gittest.NewServer(t)
	repo := srv.NewRepo(t, "options")
	bogus := configMap("bogus", "1") + "unknownField: x\n"
	repo.Commit(t, map[string]string{"strict/cm.yaml": bogus}, "strict")
	createApp(t, c, directoryApp("strict", repo.URL(), "strict", ns, true))
	eventually(t, 30*time.Second, func() (bool, string) {
		app := getApp(t, c, "strict")
		return strings.Contains(condition(app, v1alpha1.ApplicationConditionSyncError), "unknownField"), describe(app)
	})

	lax := strings.Replace(bogus, "metadata:\n", "metadata:\n  annotations:\n    argocd.argoproj.io/sync-options: Validate=false\n", 1)
	replaced := strings.Replace(configMap("replaced", "1"), "metadata:\n", "metadata:\n  annotations:\n    argocd.argoproj.io/sync-options: Replace=true\n", 1)
	repo.Commit(t, map[string]string{"lax/cm.yaml": lax, "lax/replaced.yaml": replaced}, "lax")
	createApp(t, c, directoryApp("lax", repo.URL(), "lax", ns, true))
	waitSyncedHealthy(t, c, "lax", "", 30*time.Second)
	var cm corev1.ConfigMap
	if err := c.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: "replaced"}, &cm); err != nil {
		t.Fatal(err)
	}
	for _, mf := range cm.ManagedFields {
		if mf.Manager == "flotilla" && mf.Operation != "Update" {
			t.Errorf("a Replace=true object was written with %s, want a create/update", mf.Operation)
		}
	}
}
