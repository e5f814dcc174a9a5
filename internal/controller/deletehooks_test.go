package controller_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/controller"
	"flotilla.dev/flotilla/internal/controlplane/kubetest"
	"flotilla.dev/flotilla/internal/source/git/gittest"
)

// deadlineJob is a gated Job that fails (DeadlineExceeded) when its gate
// stays closed for seconds.
func deadlineJob(name, gate string, seconds int, ann map[string]string) string {
	j := strings.Replace(job(name, ann), "spec:\n  backoffLimit: 0\n", fmt.Sprintf("spec:\n  activeDeadlineSeconds: %d\n  backoffLimit: 0\n", seconds), 1)
	return gatedJob(j, gate)
}

// cascadingApp is an automated directory app with the resources finalizer.
func cascadingApp(name, repoURL, ns string) string {
	return strings.Replace(directoryApp(name, repoURL, "app", ns, false), "metadata:\n", "metadata:\n  finalizers: [resources-finalizer.argocd.argoproj.io]\n", 1)
}

func appGone(c client.Client, name string) (bool, string) {
	err := c.Get(context.Background(), client.ObjectKey{Namespace: appNamespace, Name: name}, &v1alpha1.Application{})
	return apierrors.IsNotFound(err), fmt.Sprintf("application %s still there: %v", name, err)
}

// deleteWhenSynced waits until the app is synced with its delete-hook
// finalizers in place, checks the hook did not run in the sync, and
// deletes the app.
func deleteWhenSynced(t *testing.T, c client.Client, name, ns, hook, finalizer string) {
	t.Helper()
	app := waitSyncedHealthy(t, c, name, "", 60*time.Second)
	eventually(t, 30*time.Second, func() (bool, string) {
		app = getApp(t, c, name)
		return slices.Contains(app.Finalizers, finalizer) && slices.Contains(app.Finalizers, finalizer+"/cleanup"),
			fmt.Sprintf("finalizers %v", app.Finalizers)
	})
	if exists(c, &batchv1.Job{}, ns, hook) {
		t.Fatalf("the delete hook %s was applied by a sync", hook)
	}
	if err := c.Delete(context.Background(), app); err != nil {
		t.Fatal(err)
	}
}

func TestPreDeleteHookRunsBeforeResourcesGo(t *testing.T) {
	c := env(t)
	ns := kubetest.NewNamespace(t, c)
	repo := gittest.NewServer(t).NewRepo(t, "predelete")
	repo.Commit(t, map[string]string{
		"app/cm.yaml":  configMap("kept", "1"),
		"app/pre.yaml": gatedJob(job("pre-delete", map[string]string{"argocd.argoproj.io/hook": "PreDelete"}), "predelete"),
	}, "predelete")
	createApp(t, c, cascadingApp("predelete", repo.URL(), ns))
	deleteWhenSynced(t, c, "predelete", ns, "pre-delete", controller.PreDeleteFinalizer)

	eventually(t, 30*time.Second, func() (bool, string) {
		return exists(c, &batchv1.Job{}, ns, "pre-delete"), "PreDelete hook not created"
	})
	// The hook is held by its gate: nothing of the app goes meanwhile.
	holdsFor(t, func() (bool, string) {
		if configValue(t, c, ns, "kept") != "1" {
			return true, "a resource was deleted while the PreDelete hook ran"
		}
		gone, _ := appGone(c, "predelete")
		return gone, "the Application went while its PreDelete hook ran"
	})
	openGate(t, c, "predelete")
	eventually(t, 60*time.Second, func() (bool, string) { return appGone(c, "predelete") })
	if got := configValue(t, c, ns, "kept"); !strings.Contains(got, "not found") {
		t.Errorf("resource not deleted after the PreDelete hook: %s", got)
	}
}

func TestFailedPreDeleteHookHoldsDeletion(t *testing.T) {
	c := env(t)
	ns := kubetest.NewNamespace(t, c)
	repo := gittest.NewServer(t).NewRepo(t, "predelete-fail")
	repo.Commit(t, map[string]string{
		"app/cm.yaml":  configMap("kept", "1"),
		"app/pre.yaml": deadlineJob("pre-delete", "predelete-fail", 3, map[string]string{"argocd.argoproj.io/hook": "PreDelete"}),
	}, "failing predelete")
	createApp(t, c, cascadingApp("predelete-fail", repo.URL(), ns))
	deleteWhenSynced(t, c, "predelete-fail", ns, "pre-delete", controller.PreDeleteFinalizer)

	want := "PreDelete hook(s) failed: Job " + ns + "/pre-delete"
	eventually(t, 60*time.Second, func() (bool, string) {
		app := getApp(t, c, "predelete-fail")
		return strings.Contains(condition(app, v1alpha1.ApplicationConditionDeletionError), want), describe(app)
	})
	if configValue(t, c, ns, "kept") != "1" {
		t.Fatal("a resource was deleted although the PreDelete hook failed")
	}
	// Fixed (the gate opens): the failed hook was deleted, the next round
	// creates it again, it succeeds and the deletion goes on.
	openGate(t, c, "predelete-fail")
	eventually(t, 90*time.Second, func() (bool, string) { return appGone(c, "predelete-fail") })
	if got := configValue(t, c, ns, "kept"); !strings.Contains(got, "not found") {
		t.Errorf("resource not deleted after the fixed PreDelete hook: %s", got)
	}
}

func TestPostDeleteHookRunsAfterResourcesGone(t *testing.T) {
	c := env(t)
	ns := kubetest.NewNamespace(t, c)
	repo := gittest.NewServer(t).NewRepo(t, "postdelete")
	repo.Commit(t, map[string]string{
		"app/cm.yaml": configMap("first", "1"),
		"app/post.yaml": gatedJob(job("post-delete", map[string]string{
			"helm.sh/hook": "post-delete", "helm.sh/hook-delete-policy": "hook-succeeded",
		}), "postdelete"),
	}, "postdelete")
	createApp(t, c, cascadingApp("postdelete", repo.URL(), ns))
	deleteWhenSynced(t, c, "postdelete", ns, "post-delete", controller.PostDeleteFinalizer)

	eventually(t, 60*time.Second, func() (bool, string) {
		return exists(c, &batchv1.Job{}, ns, "post-delete"), "PostDelete hook not created"
	})
	if got := configValue(t, c, ns, "first"); !strings.Contains(got, "not found") {
		t.Fatalf("the PostDelete hook ran before the resources were gone: %s", got)
	}
	if gone, _ := appGone(c, "postdelete"); gone {
		t.Fatal("the Application went before its PostDelete hook finished")
	}
	openGate(t, c, "postdelete")
	eventually(t, 60*time.Second, func() (bool, string) { return appGone(c, "postdelete") })
	// The cleanup stage deletes it: hook-succeeded.
	eventually(t, 30*time.Second, func() (bool, string) {
		var j batchv1.Job
		return !exists(c, &j, ns, "post-delete") || j.DeletionTimestamp != nil, "PostDelete hook not cleaned up"
	})
}

func TestUnknownHookPhaseIsACondition(t *testing.T) {
	c := env(t)
	ns := kubetest.NewNamespace(t, c)
	repo := gittest.NewServer(t).NewRepo(t, "typo")
	repo.Commit(t, map[string]string{
		"app/cm.yaml":      configMap("settings", "1"),
		"app/migrate.yaml": job("migrate", map[string]string{"argocd.argoproj.io/hook": "PreSynch"}),
	}, "typo")
	createApp(t, c, directoryApp("typo", repo.URL(), "app", ns, false))
	want := "Job " + ns + `/migrate: unknown hook phase "PreSynch"`
	eventually(t, 60*time.Second, func() (bool, string) {
		app := getApp(t, c, "typo")
		op := app.Status.OperationState
		return strings.Contains(condition(app, v1alpha1.ApplicationConditionInvalidSpecError), want) &&
			op != nil && op.Phase == v1alpha1.OperationFailed && strings.Contains(op.Message, want), describe(app)
	})
	if exists(c, &corev1.ConfigMap{}, ns, "settings") || exists(c, &batchv1.Job{}, ns, "migrate") {
		t.Error("the app was synced despite a hook of an unknown phase")
	}
}
