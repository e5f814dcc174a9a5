package cli

import (
	"context"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"

	"flotilla.dev/flotilla/api/v1alpha1"
)

func TestAppSyncWaitShowsWaves(t *testing.T) {
	e := newAppEnv(t)
	rev := e.repo.Commit(t, map[string]string{
		"app/web.yaml":   deployment("web", "1"),
		"app/after.yaml": configMap("after", "1", "argocd.argoproj.io/sync-wave", "2"),
	}, "two waves")
	e.newApp(appSpec{name: "sync-waves", path: "app"})
	e.waitApp("sync-waves", time.Minute, compared(rev))

	res := e.mustRun("app", "sync", "sync-waves", "--wait", "--timeout", "2m")
	t.Logf("app sync --wait:\n%s", res.stdout)
	web, after := "apps/Deployment "+e.ns+"/web", "/ConfigMap "+e.ns+"/after"
	inOrder(t, res.stdout,
		"sync of application sync-waves requested\n",
		"wave 1: applying\n",
		"  applied "+web+"\n",
		"  healthy "+web+"\n",
		"wave 2: applying\n",
		"  applied "+after+"\n",
		"  healthy "+after+"\n",
		"Operation Succeeded: successfully synced (all tasks run)\n",
		"GROUP  KIND        NAMESPACE",
	)
	for _, row := range []string{"apps   Deployment  " + e.ns + "  web    Synced  Healthy", "       ConfigMap   " + e.ns + "  after  Synced  Healthy"} {
		if !strings.Contains(res.stdout, row) {
			t.Errorf("summary lacks %q:\n%s", row, res.stdout)
		}
	}
	if got := e.configValue("after"); got != "1" {
		t.Errorf("after = %s", got)
	}
	app := e.getApp("sync-waves")
	if op := app.Status.OperationState; op == nil || op.Operation.InitiatedBy.Username == "" {
		t.Errorf("operation not initiated by the kubeconfig's user: %+v", op)
	}

}

func TestAppSyncRefusedWhileRequested(t *testing.T) {
	e := newAppEnv(t)
	e.repo.Commit(t, map[string]string{"app/cm.yaml": configMap("settings", "v1")}, "v1")
	// the controller refuses the destination, so it never starts the sync
	app := e.newApp(appSpec{name: "sync-stuck", path: "app"})
	orig := app.DeepCopy()
	app.Spec.Destination.Server = "https://elsewhere.example.com"
	if err := e.c.Patch(context.Background(), app, client.MergeFrom(orig)); err != nil {
		t.Fatal(err)
	}
	e.waitApp("sync-stuck", time.Minute, func(app *v1alpha1.Application) bool { return len(app.Status.Conditions) > 0 })

	res := e.flotilla("app", "sync", "sync-stuck", "--wait", "--timeout", "2s")
	if res.code == 0 || !strings.Contains(res.stderr, "timed out after 2s waiting for the sync of application sync-stuck: the controller has not started it") ||
		!strings.Contains(res.stderr, "condition InvalidSpecError: destination server") {
		t.Errorf("sync --wait of a sync never started: exit %d, stderr %s", res.code, res.stderr)
	}
	busy := e.flotilla("app", "sync", "sync-stuck")
	if busy.code == 0 || !strings.Contains(busy.stderr, "another operation is already in progress: a sync is requested") ||
		!strings.Contains(busy.stderr, `flotilla app wait sync-stuck --operation`) {
		t.Errorf("second sync: exit %d, stderr %s", busy.code, busy.stderr)
	}
}

func TestAppSyncFailure(t *testing.T) {
	e := newAppEnv(t)
	rev := e.repo.Commit(t, map[string]string{
		"app/good.yaml": configMap("good", "1"),
		"app/bad.yaml":  "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bad\nspec:\n  unknown: field\n",
	}, "bad")
	e.newApp(appSpec{name: "sync-fail", path: "app"})
	e.waitApp("sync-fail", time.Minute, compared(rev))

	res := e.flotilla("app", "sync", "sync-fail", "--wait", "--timeout", "1m")
	t.Logf("app sync --wait:\n%s\n%s", res.stdout, res.stderr)
	if res.code == 0 {
		t.Fatalf("a failed sync exited 0:\n%s", res.stdout)
	}
	if !strings.Contains(res.stderr, "sync of application sync-fail ended Failed") {
		t.Errorf("stderr: %s", res.stderr)
	}
	inOrder(t, res.stdout, "wave 0: applying\n", "  failed /ConfigMap "+e.ns+"/bad: ", "Operation Failed: ", "SyncFailed")
	if app := e.getApp("sync-fail"); app.Status.OperationState.Phase != v1alpha1.OperationFailed {
		t.Errorf("operation %+v", app.Status.OperationState)
	}
	// waiting for the operation reports the failure too
	if w := e.flotilla("app", "wait", "sync-fail", "--operation", "--timeout", "10s"); w.code == 0 || !strings.Contains(w.stderr, "the last sync of application sync-fail ended Failed") {
		t.Errorf("wait --operation after a failure: exit %d, stderr %s", w.code, w.stderr)
	}
}

func TestAppSyncResourceAndRevisionFlags(t *testing.T) {
	e := newAppEnv(t)
	first := e.repo.Commit(t, map[string]string{"app/a.yaml": configMap("a", "v1"), "app/b.yaml": configMap("b", "v1")}, "v1")
	e.repo.Commit(t, map[string]string{"app/a.yaml": configMap("a", "v2"), "app/b.yaml": configMap("b", "v2")}, "v2")
	e.repo.Git(t, "tag", "v1", first)
	e.repo.Git(t, "push", "-q", "origin", "v1")
	e.newApp(appSpec{name: "sync-flags", path: "app"})
	e.waitApp("sync-flags", time.Minute, func(app *v1alpha1.Application) bool { return app.Status.Sync.Status != "" })

	res := e.mustRun("app", "sync", "sync-flags", "--revision", "v1", "--resource", ":ConfigMap:"+e.ns+"/a", "--wait", "--timeout", "1m",
		"--cache-dir", t.TempDir())
	if !strings.Contains(res.stdout, "requested (revision "+first[:7]+", 1 resource(s))") {
		t.Errorf("stdout: %s", res.stdout)
	}
	if a, b := e.configValue("a"), e.configValue("b"); a != "v1" || b != "<absent>" {
		t.Errorf("after a partial sync of tag v1: a=%s b=%s", a, b)
	}
	bad := e.flotilla("app", "sync", "sync-flags", "--resource", "Deployment/web")
	if bad.code == 0 || !strings.Contains(bad.stderr, "want GROUP:KIND:NAME") {
		t.Errorf("bad --resource: exit %d, %s", bad.code, bad.stderr)
	}
}
