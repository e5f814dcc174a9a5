package controller_test

import (
	"fmt"
	"strconv"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/controlplane/kubetest"
	"flotilla.dev/flotilla/internal/crashpoint"
	"flotilla.dev/flotilla/internal/source/git/gittest"
)

// crashSyncPoints are the kill points of a sync: every side effect of the
// operation's steps, some at a later hit (#n) too.
var crashSyncPoints = []string{
	crashpoint.OperationRequested,
	crashpoint.OperationStep, crashpoint.OperationStep + "#3",
	crashpoint.HookBeforeDelete, crashpoint.HookAfterDelete, // the previous PreSync hook (BeforeHookCreation)
	crashpoint.HookBeforeCreate, crashpoint.HookAfterCreate, // the PreSync hook
	crashpoint.PruneBeforeDelete, crashpoint.PruneAfterDelete,
	crashpoint.ApplyBefore, crashpoint.ApplyAfter, crashpoint.ApplyBefore + "#3", crashpoint.ApplyAfter + "#4",
	crashpoint.HookBeforeCreate + "#2", // the PostSync hook
	crashpoint.HookBeforeDelete + "#2", // the PostSync hook, deleted on success
	crashpoint.OperationFinish,
	crashpoint.StatusBeforeWrite, crashpoint.StatusAfterWrite,
	crashpoint.StatusBeforeWrite + "#3", crashpoint.StatusAfterWrite + "#4",
}

// crashRevision is revision i of the crash app: a PreSync hook, ConfigMaps
// in waves 0 and 1 whose value is i, one that never changes, one named
// for i (so the previous one is pruned), and a PostSync hook deleted on
// success.
func crashRevision(i int) map[string]string {
	v := strconv.Itoa(i)
	files := map[string]string{
		"app/pre.yaml":  job("pre", map[string]string{"argocd.argoproj.io/hook": "PreSync"}),
		"app/post.yaml": job("post", map[string]string{"argocd.argoproj.io/hook": "PostSync", "argocd.argoproj.io/hook-delete-policy": "HookSucceeded"}),
		"app/a.yaml":    configMap("a", v),
		"app/b.yaml":    wave(configMap("b", v), "1"),
		"app/keep.yaml": configMap("keep", "always"),
		"app/gen.yaml":  configMap("gen-"+v, v),
	}
	return files
}

// TestCrashConsistency kills `flotilla controller` (SIGKILL, in a child
// process) at every point of crashSyncPoints during a sync, at each point
// of a cascade deletion and of an ApplicationSet pass, restarts it and
// checks after every run: the operation completed once, no hook ran
// twice, nothing git holds was pruned or re-created, nothing outside the
// app was touched, and history has one entry per operation.
func TestCrashConsistency(t *testing.T) {
	c := env(t)
	table := &crashTable{}
	t.Cleanup(func() { table.log(t) })
	t.Run("sync", func(t *testing.T) { crashSync(t, c, table) })
	t.Run("failing sync", func(t *testing.T) { crashFailedSync(t, c, table) })
	t.Run("cascade", func(t *testing.T) { crashCascade(t, c, table) })
	t.Run("appset", func(t *testing.T) { crashAppSet(t, c, table) })
}

func crashSync(t *testing.T, c client.Client, table *crashTable) {
	const appNS = "argocd-crash-sync"
	crashNamespace(t, c, appNS)
	ns := kubetest.NewNamespace(t, c)
	untouched := sentinel(t, c, ns)
	jobs := watchJobCreations(t, ns)
	repo := gittest.NewServer(t).NewRepo(t, "crash-sync")
	repo.Commit(t, crashRevision(1), "revision 1")
	createAppIn(t, c, appNS, directoryApp("crash", repo.URL(), "app", ns, false))
	kubeconfig := kubetest.Plane(t).KubeconfigPath()

	settled := startControllerProcess(t, kubeconfig, appNS)
	waitCrashSynced(t, c, appNS, repo.Head(t), 1)
	settled.kill()
	keepUID := liveConfigMap(t, c, ns, "keep").UID

	for i, point := range crashSyncPoints {
		rev := i + 2
		sha := repo.Commit(t, crashRevision(rev), fmt.Sprintf("revision %d", rev))
		crashAt(t, appNS, point)
		next := startControllerProcess(t, kubeconfig, appNS)
		app := waitCrashSynced(t, c, appNS, sha, rev)
		next.kill()
		problems := checkCrashSync(t, c, ns, app, rev, keepUID, jobs)
		if msg := untouched(); msg != "" {
			problems = append(problems, msg)
		}
		if len(problems) > 0 {
			table.add("sync", point, "FAILED")
			t.Errorf("killed at %s: %v", point, problems)
			continue
		}
		table.add("sync", point, fmt.Sprintf("operation Succeeded at revision %d after restart; hooks once; history %d", rev, len(app.Status.History)))
	}
}

// waitCrashSynced waits until the crash app's last operation succeeded at
// sha and the app is Synced and Healthy there.
func waitCrashSynced(t *testing.T, c client.Client, appNS, sha string, rev int) *v1alpha1.Application {
	t.Helper()
	var app *v1alpha1.Application
	eventually(t, 120*time.Second, func() (bool, string) {
		app = getAppIn(t, c, appNS, "crash")
		op := app.Status.OperationState
		return op != nil && op.Phase == v1alpha1.OperationSucceeded && op.SyncResult != nil && op.SyncResult.Revision == sha &&
				app.Status.Sync.Status == v1alpha1.SyncStatusCodeSynced && app.Status.Health.Status == v1alpha1.HealthStatusHealthy,
			fmt.Sprintf("revision %d: %s", rev, describe(app))
	})
	return app
}

// checkCrashSync lists what is wrong after revision rev was synced
// through a crash.
func checkCrashSync(t *testing.T, c client.Client, ns string, app *v1alpha1.Application, rev int, keepUID types.UID, jobs *jobCreations) []string {
	t.Helper()
	var problems []string
	// One entry per operation, the newest last, kept to Argo CD's default
	// limit of 10.
	h := app.Status.History
	if n := len(h); n != min(rev, 10) {
		problems = append(problems, fmt.Sprintf("history has %d entries, want one per operation (%d, at most 10)", n, rev))
	}
	seen := map[string]bool{}
	for _, e := range h {
		if seen[e.Revision] {
			problems = append(problems, "history has two entries for revision "+e.Revision)
		}
		seen[e.Revision] = true
	}
	if len(h) == 0 || h[len(h)-1].Revision != app.Status.Sync.Revision {
		problems = append(problems, "the newest history entry is not the synced revision")
	}
	for _, name := range []string{"a", "b"} {
		if v := liveConfigMap(t, c, ns, name).Data["value"]; v != strconv.Itoa(rev) {
			problems = append(problems, fmt.Sprintf("%s = %q, want %d", name, v, rev))
		}
	}
	if uid := liveConfigMap(t, c, ns, "keep").UID; uid != keepUID {
		problems = append(problems, "keep was re-created")
	}
	if !exists(c, &corev1.ConfigMap{}, ns, "gen-"+strconv.Itoa(rev)) {
		problems = append(problems, "this revision's gen object is missing")
	}
	if exists(c, &corev1.ConfigMap{}, ns, "gen-"+strconv.Itoa(rev-1)) {
		problems = append(problems, "the previous revision's gen object was not pruned")
	}
	for _, hook := range []string{"pre", "post"} {
		if n := jobs.of(hook); n != rev {
			problems = append(problems, fmt.Sprintf("hook %s created %d times in %d operations", hook, n, rev))
		}
	}
	return problems
}
