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
	"flotilla.dev/flotilla/internal/controller"
	"flotilla.dev/flotilla/internal/controlplane/kubetest"
	"flotilla.dev/flotilla/internal/source/git/gittest"
)

// Delete=confirm: deleting the Application leaves such an object (and
// the Application, held by its finalizer) in place, with a condition
// saying what waits, until the deletion-approved annotation confirms it.
func TestSyncOptionDeleteConfirm(t *testing.T) {
	c := env(t)
	ns := kubetest.NewNamespace(t, c)
	repo := gittest.NewServer(t).NewRepo(t, "delete-confirm")
	repo.Commit(t, map[string]string{
		"app/plain.yaml":   configMap("plain", "1"),
		"app/confirm.yaml": strings.Replace(configMap("precious", "1"), "metadata:\n", "metadata:\n  annotations:\n    argocd.argoproj.io/sync-options: Delete=confirm\n", 1),
	}, "delete confirm")
	manifest := strings.Replace(directoryApp("delete-confirm", repo.URL(), "app", ns, false), "metadata:\n", "metadata:\n  finalizers: [resources-finalizer.argocd.argoproj.io]\n", 1)
	app := createApp(t, c, manifest)
	waitSyncedHealthy(t, c, "delete-confirm", "", 60*time.Second)
	if err := c.Delete(context.Background(), app); err != nil {
		t.Fatal(err)
	}
	eventually(t, 30*time.Second, func() (bool, string) {
		a := getApp(t, c, "delete-confirm")
		return strings.Contains(condition(a, v1alpha1.ApplicationConditionDeletionError), "waiting for deletion confirmation of ConfigMap precious"), describe(a)
	})
	if !exists(c, &corev1.ConfigMap{}, ns, "precious") {
		t.Fatal("a Delete=confirm object was deleted before the deletion was confirmed")
	}
	eventually(t, 30*time.Second, func() (bool, string) {
		return !exists(c, &corev1.ConfigMap{}, ns, "plain"), "the other object is still there"
	})
	approved := time.Now().UTC().Add(time.Second).Format(time.RFC3339)
	patch := client.RawPatch("application/merge-patch+json", []byte(fmt.Sprintf(`{"metadata":{"annotations":{%q:%q}}}`, controller.DeletionApprovedAnnotation, approved)))
	if err := c.Patch(context.Background(), app, patch); err != nil {
		t.Fatal(err)
	}
	eventually(t, 30*time.Second, func() (bool, string) {
		err := c.Get(context.Background(), client.ObjectKeyFromObject(app), &v1alpha1.Application{})
		return apierrors.IsNotFound(err) && !exists(c, &corev1.ConfigMap{}, ns, "precious"), fmt.Sprintf("application: %v", err)
	})
}
