package cli

import (
	"context"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"

	"flotilla.dev/flotilla/api/v1alpha1"
)

func TestAppHistoryAndRollback(t *testing.T) {
	e := newAppEnv(t)
	first := e.repo.Commit(t, map[string]string{"app/cm.yaml": configMap("settings", "v1")}, "v1")
	e.newApp(appSpec{name: "history-app", path: "app"})
	e.waitApp("history-app", time.Minute, compared(first))
	if res := e.mustRun("app", "history", "history-app"); res.stdout != "" || !strings.Contains(res.stderr, "has no history yet") {
		t.Errorf("empty history: %+v", res)
	}
	e.mustRun("app", "sync", "history-app", "--wait", "--timeout", "1m")
	second := e.repo.Commit(t, map[string]string{"app/cm.yaml": configMap("settings", "v2")}, "v2")
	e.mustRun("app", "sync", "history-app", "--wait", "--timeout", "1m")
	if got := e.configValue("settings"); got != "v2" {
		t.Fatalf("after the second sync: settings = %s", got)
	}

	n := &normalizer{}
	n.add(first, strings.Repeat("1", 40))
	n.add(second, strings.Repeat("2", 40))
	hist := e.mustRun("app", "history", "history-app").stdout
	golden(t, "app_history.golden", n.apply(strings.ReplaceAll(hist, e.repo.URL(), "REPO")))

	res := e.mustRun("app", "rollback", "history-app", "0", "--wait", "--timeout", "1m")
	inOrder(t, res.stdout, "rollback of application history-app to history entry 0 (revision "+first[:7]+") requested\n",
		"wave 0: applying\n", "Operation Succeeded")
	if got := e.configValue("settings"); got != "v1" {
		t.Errorf("after the rollback: settings = %s", got)
	}
	app := e.getApp("history-app")
	if h := app.Status.History; len(h) != 3 || h[2].Revision != first {
		t.Errorf("history after the rollback: %+v", h)
	}

	// without an ID: the entry before the last (the second sync, v2)
	res = e.mustRun("app", "rollback", "history-app", "--wait", "--timeout", "1m")
	if !strings.Contains(res.stdout, "to history entry 1 (revision "+second[:7]+")") || e.configValue("settings") != "v2" {
		t.Errorf("rollback to the previous entry: %s, settings = %s", res.stdout, e.configValue("settings"))
	}

	// refused while automated sync is on
	orig := app.DeepCopy()
	app.Spec.SyncPolicy = &v1alpha1.SyncPolicy{Automated: &v1alpha1.SyncPolicyAutomated{}}
	if err := e.c.Patch(context.Background(), app, client.MergeFrom(orig)); err != nil {
		t.Fatal(err)
	}
	refused := e.flotilla("app", "rollback", "history-app", "0")
	if refused.code == 0 || !strings.Contains(refused.stderr, "rollback cannot be initiated when automated sync is enabled: disable it first") {
		t.Errorf("rollback with automated sync: exit %d, %s", refused.code, refused.stderr)
	}
	if bad := e.flotilla("app", "rollback", "history-app", "first"); bad.code == 0 || !strings.Contains(bad.stderr, `history ID "first" is not a number`) {
		t.Errorf("rollback with a bad ID: exit %d, %s", bad.code, bad.stderr)
	}
}
