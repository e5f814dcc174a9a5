package controller_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/controlplane/kubetest"
	"flotilla.dev/flotilla/internal/source/git/gittest"
)

// waitSyncedTo waits for the operation that synced revision to end in
// phase.
func waitSyncedTo(t *testing.T, c client.Client, name, revision string, phase v1alpha1.OperationPhase, timeout time.Duration) *v1alpha1.Application {
	t.Helper()
	var app *v1alpha1.Application
	eventually(t, timeout, func() (bool, string) {
		app = getApp(t, c, name)
		op := app.Status.OperationState
		return op != nil && op.Phase == phase && op.SyncResult != nil && op.SyncResult.Revision == revision, describe(app)
	})
	return app
}

func syncResult(app *v1alpha1.Application, kind, name string) *v1alpha1.ResourceResult {
	for _, r := range app.Status.OperationState.SyncResult.Resources {
		if r.Kind == kind && r.Name == name {
			return r
		}
	}
	return nil
}

// TestSyncOptionPruneLast holds wave 1 unhealthy behind a gate: the object
// marked PruneLast=true is not pruned until every wave is healthy.
func TestSyncOptionPruneLast(t *testing.T) {
	c := env(t)
	ns := kubetest.NewNamespace(t, c)
	repo := gittest.NewServer(t).NewRepo(t, "prune-last")
	repo.Commit(t, map[string]string{
		"app/keep.yaml": configMap("keep", "1"),
		"app/last.yaml": resourceOptions(configMap("last", "1"), "PruneLast=true"),
	}, "v1")
	createApp(t, c, directoryApp("prune-last", repo.URL(), "app", ns, false))
	waitSyncedHealthy(t, c, "prune-last", "", 60*time.Second)

	repo.Commit(t, map[string]string{
		"app/last.yaml": "",
		"app/slow.yaml": wave(gatedDeployment("slow", "prune-last", ""), "1"),
	}, "v2")
	refresh(t, c, "prune-last")
	eventually(t, 60*time.Second, func() (bool, string) {
		app := getApp(t, c, "prune-last")
		op := app.Status.OperationState
		return op != nil && strings.Contains(op.Message, "waiting for healthy state of apps/Deployment "+ns+"/slow"), describe(app)
	})
	holdsFor(t, func() (bool, string) {
		return !exists(c, &corev1.ConfigMap{}, ns, "last"), "a PruneLast=true object was pruned while wave 1 was not healthy"
	})
	openGate(t, c, "prune-last")
	waitSyncedHealthy(t, c, "prune-last", "", 60*time.Second)
	eventually(t, 30*time.Second, func() (bool, string) {
		return !exists(c, &corev1.ConfigMap{}, ns, "last"), "the PruneLast=true object was not pruned after the last wave"
	})
}

// TestSyncOptionPruneFalse: an object annotated Prune=false stays when it
// leaves the repository, and the app shows it as requiring pruning.
func TestSyncOptionPruneFalse(t *testing.T) {
	c := env(t)
	ns := kubetest.NewNamespace(t, c)
	repo := gittest.NewServer(t).NewRepo(t, "prune-false")
	repo.Commit(t, map[string]string{
		"app/keep.yaml":  resourceOptions(configMap("kept", "1"), "Prune=false"),
		"app/other.yaml": configMap("other", "1"),
		"app/gone.yaml":  configMap("gone", "1"),
	}, "v1")
	createApp(t, c, directoryApp("prune-false", repo.URL(), "app", ns, false))
	waitSyncedHealthy(t, c, "prune-false", "", 60*time.Second)
	second := repo.Commit(t, map[string]string{"app/keep.yaml": "", "app/gone.yaml": ""}, "v2")
	refresh(t, c, "prune-false")
	app := waitSyncedTo(t, c, "prune-false", second, v1alpha1.OperationSucceeded, 60*time.Second)

	if exists(c, &corev1.ConfigMap{}, ns, "gone") {
		t.Error("the object without Prune=false was not pruned")
	}
	if !exists(c, &corev1.ConfigMap{}, ns, "kept") {
		t.Fatal("the Prune=false object was pruned")
	}
	if r := syncResult(app, "ConfigMap", "kept"); r == nil || r.Status != v1alpha1.ResultCodePruneSkipped {
		t.Errorf("sync result of the Prune=false object: %+v", r)
	}
	app = getApp(t, c, "prune-false")
	if app.Status.Sync.Status != v1alpha1.SyncStatusCodeOutOfSync {
		t.Errorf("an object kept by Prune=false should leave the app OutOfSync, as in Argo CD: %s", describe(app))
	}
}

// TestSyncOptionIgnoreExtraneous: an object left over from an earlier
// revision and marked IgnoreExtraneous does not make its app OutOfSync.
func TestSyncOptionIgnoreExtraneous(t *testing.T) {
	c := env(t)
	ns := kubetest.NewNamespace(t, c)
	repo := gittest.NewServer(t).NewRepo(t, "extraneous")
	repo.Commit(t, map[string]string{
		"app/cm.yaml":    configMap("settings", "1"),
		"app/extra.yaml": withAnnotations(configMap("extra", "1"), map[string]string{"argocd.argoproj.io/compare-options": "IgnoreExtraneous"}),
	}, "v1")
	manifest := strings.Replace(directoryApp("extraneous", repo.URL(), "app", ns, false), "prune: true", "prune: false", 1)
	createApp(t, c, manifest)
	waitSyncedHealthy(t, c, "extraneous", "", 60*time.Second)
	second := repo.Commit(t, map[string]string{"app/extra.yaml": ""}, "v2")
	refresh(t, c, "extraneous")
	app := waitSyncedHealthy(t, c, "extraneous", second, 60*time.Second)
	if !exists(c, &corev1.ConfigMap{}, ns, "extra") {
		t.Fatal("the extraneous object was deleted without prune")
	}
	found := false
	for _, r := range app.Status.Resources {
		if r.Name == "extra" {
			found = r.RequiresPruning
		}
	}
	if !found {
		t.Errorf("the extraneous object is not listed as requiring pruning: %s", describe(app))
	}
}

// TestSyncOptionDryRun: a dry-run operation changes nothing on the cluster
// and records no history.
func TestSyncOptionDryRun(t *testing.T) {
	c := env(t)
	ns := kubetest.NewNamespace(t, c)
	repo := gittest.NewServer(t).NewRepo(t, "dry-run")
	first := repo.Commit(t, map[string]string{"app/a.yaml": configMap("a", "1")}, "v1")
	createApp(t, c, manualApp("dry-run", repo.URL(), ns))
	requestSync(t, c, "dry-run", v1alpha1.SyncOperation{Prune: true})
	waitSyncedHealthy(t, c, "dry-run", first, 60*time.Second)
	before := liveConfigMap(t, c, ns, "a")

	second := repo.Commit(t, map[string]string{"app/a.yaml": configMap("a", "2"), "app/b.yaml": configMap("b", "1")}, "v2")
	refresh(t, c, "dry-run")
	eventually(t, 30*time.Second, func() (bool, string) {
		app := getApp(t, c, "dry-run")
		return app.Status.Sync.Revision == second && app.Status.Sync.Status == v1alpha1.SyncStatusCodeOutOfSync, describe(app)
	})
	requestSync(t, c, "dry-run", v1alpha1.SyncOperation{DryRun: true, Prune: true})
	var app *v1alpha1.Application
	eventually(t, 60*time.Second, func() (bool, string) {
		app = getApp(t, c, "dry-run")
		op := app.Status.OperationState
		return op != nil && op.Operation.Sync.DryRun && op.Phase == v1alpha1.OperationSucceeded, describe(app)
	})
	after := liveConfigMap(t, c, ns, "a")
	if after.Data["value"] != "1" || after.ResourceVersion != before.ResourceVersion {
		t.Errorf("a dry run changed a live object: value %q resourceVersion %s -> %s", after.Data["value"], before.ResourceVersion, after.ResourceVersion)
	}
	if exists(c, &corev1.ConfigMap{}, ns, "b") {
		t.Error("a dry run created an object")
	}
	if len(app.Status.History) != 1 {
		t.Errorf("a dry run added history: %+v", app.Status.History)
	}
	if app.Status.Sync.Status != v1alpha1.SyncStatusCodeOutOfSync {
		t.Errorf("the app is not OutOfSync after a dry run: %s", describe(app))
	}
}

// TestSyncOptionPrunePropagationPolicy prunes a Deployment whose ReplicaSet
// a finalizer holds, and shows each policy on the live objects: foreground
// keeps the Deployment until its dependents are gone, background deletes
// it at once and its ReplicaSet after, orphan keeps the ReplicaSet.
func TestSyncOptionPrunePropagationPolicy(t *testing.T) {
	c := env(t)
	for _, policy := range []string{"foreground", "background", "orphan"} {
		t.Run(policy, func(t *testing.T) {
			ns := kubetest.NewNamespace(t, c)
			name := "propagation-" + policy
			repo := gittest.NewServer(t).NewRepo(t, name)
			repo.Commit(t, map[string]string{
				"app/web.yaml": deployment("web", 1),
				"app/cm.yaml":  configMap("settings", "1"),
			}, "v1")
			createApp(t, c, withSyncOptions(directoryApp(name, repo.URL(), "app", ns, false), "PrunePropagationPolicy="+policy))
			waitSyncedHealthy(t, c, name, "", 90*time.Second)

			rs := replicaSetOf(t, c, ns, "web")
			const hold = "flotilla.dev/test-hold"
			mergePatch(t, c, rs, `{"metadata":{"finalizers":["`+hold+`"]}}`)
			t.Cleanup(func() {
				_ = c.Patch(context.Background(), rs, client.RawPatch("application/merge-patch+json", []byte(`{"metadata":{"finalizers":null}}`)))
			})

			second := repo.Commit(t, map[string]string{"app/web.yaml": ""}, "v2")
			refresh(t, c, name)
			if policy == "foreground" {
				// The held ReplicaSet keeps the Deployment being deleted, and
				// the sync waits for it as Argo CD's does.
				waiting := "Sync wave 0: waiting for deletion of apps/Deployment " + ns + "/web"
				eventually(t, 60*time.Second, func() (bool, string) {
					app := getApp(t, c, name)
					op := app.Status.OperationState
					return op != nil && op.Phase == v1alpha1.OperationRunning && op.Message == waiting, describe(app)
				})
				holdsFor(t, func() (bool, string) {
					app := getApp(t, c, name)
					return app.Status.OperationState.Phase != v1alpha1.OperationRunning, "the sync ended while its pruned Deployment was still being deleted: " + describe(app)
				})
				var d appsv1.Deployment
				if !exists(c, &d, ns, "web") || d.DeletionTimestamp == nil || !slices.Contains(d.Finalizers, "foregroundDeletion") {
					t.Fatalf("foreground: the Deployment should wait for its held ReplicaSet (deleting, foregroundDeletion finalizer): %+v", d.ObjectMeta)
				}
				live := &appsv1.ReplicaSet{}
				if !exists(c, live, ns, rs.Name) || live.DeletionTimestamp == nil {
					t.Fatal("the ReplicaSet is not being deleted")
				}
				mergePatch(t, c, live, `{"metadata":{"finalizers":null}}`)
				waitSyncedTo(t, c, name, second, v1alpha1.OperationSucceeded, 60*time.Second)
				if exists(c, &appsv1.Deployment{}, ns, "web") {
					t.Error("the sync succeeded before the Deployment was gone")
				}
				return
			}
			waitSyncedTo(t, c, name, second, v1alpha1.OperationSucceeded, 60*time.Second)

			switch policy {
			case "background":
				eventually(t, 30*time.Second, func() (bool, string) {
					return !exists(c, &appsv1.Deployment{}, ns, "web"), "the Deployment is still there"
				})
				eventually(t, 30*time.Second, func() (bool, string) {
					live := &appsv1.ReplicaSet{}
					return exists(c, live, ns, rs.Name) && live.DeletionTimestamp != nil, "the garbage collector did not delete the ReplicaSet"
				})
			case "orphan":
				eventually(t, 30*time.Second, func() (bool, string) {
					return !exists(c, &appsv1.Deployment{}, ns, "web"), "the Deployment is still there"
				})
				time.Sleep(2 * time.Second)
				live := &appsv1.ReplicaSet{}
				if !exists(c, live, ns, rs.Name) || live.DeletionTimestamp != nil || len(live.OwnerReferences) != 0 {
					t.Fatalf("orphan: the ReplicaSet should be kept without owner: %+v", live.ObjectMeta)
				}
			}
		})
	}
}

// replicaSetOf is the ReplicaSet of the named Deployment.
func replicaSetOf(t *testing.T, c client.Client, ns, deploy string) *appsv1.ReplicaSet {
	t.Helper()
	var out *appsv1.ReplicaSet
	eventually(t, 30*time.Second, func() (bool, string) {
		var list appsv1.ReplicaSetList
		if err := c.List(context.Background(), &list, client.InNamespace(ns)); err != nil {
			return false, err.Error()
		}
		for i := range list.Items {
			for _, o := range list.Items[i].OwnerReferences {
				if o.Kind == "Deployment" && o.Name == deploy {
					out = &list.Items[i]
					return true, ""
				}
			}
		}
		return false, "no ReplicaSet of " + deploy
	})
	return out
}

// TestSyncOptionPruneConfirm: a sync that would prune a Prune=confirm
// object holds every prune until the Application carries Argo CD's
// deletion-approved annotation.
func TestSyncOptionPruneConfirm(t *testing.T) {
	c := env(t)
	ns := kubetest.NewNamespace(t, c)
	repo := gittest.NewServer(t).NewRepo(t, "prune-confirm")
	repo.Commit(t, map[string]string{
		"app/keep.yaml":     configMap("keep", "1"),
		"app/critical.yaml": resourceOptions(configMap("critical", "1"), "Prune=confirm"),
		"app/plain.yaml":    configMap("plain", "1"),
	}, "v1")
	createApp(t, c, directoryApp("prune-confirm", repo.URL(), "app", ns, false))
	waitSyncedHealthy(t, c, "prune-confirm", "", 60*time.Second)

	second := repo.Commit(t, map[string]string{"app/critical.yaml": "", "app/plain.yaml": ""}, "v2")
	refresh(t, c, "prune-confirm")
	eventually(t, 60*time.Second, func() (bool, string) {
		app := getApp(t, c, "prune-confirm")
		op := app.Status.OperationState
		return op != nil && op.SyncResult != nil && op.SyncResult.Revision == second && op.Phase == v1alpha1.OperationRunning &&
			strings.Contains(op.Message, "waiting for pruning confirmation of ConfigMap "+ns+"/critical"), describe(app)
	})
	time.Sleep(2 * time.Second)
	for _, n := range []string{"critical", "plain"} {
		if !exists(c, &corev1.ConfigMap{}, ns, n) {
			t.Fatalf("%s was pruned before the pruning was confirmed", n)
		}
	}
	app := getApp(t, c, "prune-confirm")
	mergePatch(t, c, app, `{"metadata":{"annotations":{"argocd.argoproj.io/deletion-approved":"`+time.Now().UTC().Format(time.RFC3339)+`"}}}`)
	waitSyncedTo(t, c, "prune-confirm", second, v1alpha1.OperationSucceeded, 60*time.Second)
	for _, n := range []string{"critical", "plain"} {
		if exists(c, &corev1.ConfigMap{}, ns, n) {
			t.Errorf("%s was not pruned after the confirmation", n)
		}
	}
}
