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
	"flotilla.dev/flotilla/internal/crashpoint"
	"flotilla.dev/flotilla/internal/source/git/gittest"
)

var crashCascadePoints = []string{
	crashpoint.CascadeBeforeDelete, crashpoint.CascadeAfterDelete, crashpoint.CascadeAfterDelete + "#2",
	crashpoint.CascadeBeforeFinalize,
}

// crashCascade deletes an Application with the resources finalizer and
// kills the controller during the cascade: the successor deletes the
// app's objects, and only them, and then the app.
func crashCascade(t *testing.T, c client.Client, table *crashTable) {
	const appNS = "argocd-crash-cascade"
	crashNamespace(t, c, appNS)
	repo := gittest.NewServer(t).NewRepo(t, "crash-cascade")
	repo.Commit(t, map[string]string{"app/one.yaml": configMap("one", "1"), "app/two.yaml": configMap("two", "2")}, "two objects")
	kubeconfig := kubetest.Plane(t).KubeconfigPath()
	for i, point := range crashCascadePoints {
		ns := kubetest.NewNamespace(t, c)
		untouched := sentinel(t, c, ns)
		name := fmt.Sprintf("crash-cascade-%d", i)
		manifest := strings.Replace(directoryApp(name, repo.URL(), "app", ns, false),
			"metadata:\n", "metadata:\n  finalizers: [resources-finalizer.argocd.argoproj.io]\n", 1)
		app := createAppIn(t, c, appNS, manifest)
		settled := startControllerProcess(t, kubeconfig, appNS)
		eventually(t, 60*time.Second, func() (bool, string) {
			a := getAppIn(t, c, appNS, name)
			return a.Status.Sync.Status == v1alpha1.SyncStatusCodeSynced && a.Status.Health.Status == v1alpha1.HealthStatusHealthy, describe(a)
		})
		settled.kill()
		if err := c.Delete(context.Background(), app); err != nil {
			t.Fatal(err)
		}
		crashAt(t, appNS, point)
		next := startControllerProcess(t, kubeconfig, appNS)
		eventually(t, 60*time.Second, func() (bool, string) {
			err := c.Get(context.Background(), client.ObjectKeyFromObject(app), &v1alpha1.Application{})
			return apierrors.IsNotFound(err), "the application is still there: " + next.log.String()
		})
		next.kill()
		var problems []string
		for _, obj := range []string{"one", "two"} {
			if exists(c, &corev1.ConfigMap{}, ns, obj) {
				problems = append(problems, obj+" was left behind")
			}
		}
		if msg := untouched(); msg != "" {
			problems = append(problems, msg)
		}
		if len(problems) > 0 {
			table.add("cascade", point, "FAILED")
			t.Errorf("killed at %s: %v", point, problems)
			continue
		}
		table.add("cascade", point, "app and its 2 objects deleted after restart; sentinel untouched")
	}
}
