package controller_test

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/controlplane/kubetest"
	"flotilla.dev/flotilla/internal/crashpoint"
	"flotilla.dev/flotilla/internal/source/git/gittest"
)

// crashFailedPoints are kill points of a sync whose PreSync hook fails.
var crashFailedPoints = []string{
	crashpoint.HookAfterCreate, crashpoint.OperationFinish, crashpoint.HookBeforeDelete,
	crashpoint.HookAfterDelete, crashpoint.StatusBeforeWrite + "#4",
}

// crashFailedSync kills the controller while a sync fails (its PreSync
// hook passes its deadline; the hook is deleted for HookFailed): the
// successor ends the operation Failed as it would have without the kill,
// naming the hook, with the hook run once and deleted and the Sync phase
// never applied.
func crashFailedSync(t *testing.T, c client.Client, table *crashTable) {
	const appNS = "argocd-crash-failed"
	crashNamespace(t, c, appNS)
	ns := kubetest.NewNamespace(t, c)
	untouched := sentinel(t, c, ns)
	jobs := watchJobCreations(t, ns)
	repo := gittest.NewServer(t).NewRepo(t, "crash-failed")
	kubeconfig := kubetest.Plane(t).KubeconfigPath()
	created := false
	for i, point := range crashFailedPoints {
		repo.Commit(t, map[string]string{
			"app/pre.yaml": deadlineJob("fails", "never", 2, map[string]string{
				"argocd.argoproj.io/hook": "PreSync", "argocd.argoproj.io/hook-delete-policy": "HookFailed"}),
			"app/cm.yaml": configMap("settings", strconv.Itoa(i)),
		}, fmt.Sprintf("attempt %d", i))
		if !created {
			createAppIn(t, c, appNS, directoryApp("crash-failed", repo.URL(), "app", ns, false))
			created = true
		}
		crashAt(t, appNS, point)
		next := startControllerProcess(t, kubeconfig, appNS)
		var app *v1alpha1.Application
		eventually(t, 90*time.Second, func() (bool, string) {
			app = getAppIn(t, c, appNS, "crash-failed")
			op := app.Status.OperationState
			return op != nil && op.Phase == v1alpha1.OperationFailed && op.SyncResult != nil && op.SyncResult.Revision == repo.Head(t), describe(app)
		})
		next.kill()
		var problems []string
		if msg := app.Status.OperationState.Message; !strings.Contains(msg, "Job "+ns+"/fails failed") {
			problems = append(problems, "the failure does not name the hook: "+msg)
		}
		if exists(c, &corev1.ConfigMap{}, ns, "settings") {
			problems = append(problems, "the Sync phase ran after the failed PreSync hook")
		}
		if exists(c, &batchv1.Job{}, ns, "fails") {
			problems = append(problems, "the failed hook was not deleted (HookFailed)")
		}
		if n := jobs.of("fails"); n != i+1 {
			problems = append(problems, fmt.Sprintf("the hook was created %d times in %d operations", n, i+1))
		}
		if msg := untouched(); msg != "" {
			problems = append(problems, msg)
		}
		if len(problems) > 0 {
			table.add("failing sync", point, "FAILED")
			t.Errorf("killed at %s: %v", point, problems)
			continue
		}
		table.add("failing sync", point, "operation Failed naming the hook, as without the kill; hook once, deleted; Sync phase not run")
	}
}
