package cli

import (
	"strings"
	"testing"
	"time"
)

func TestAppWait(t *testing.T) {
	e := newAppEnv(t)
	rev := e.repo.Commit(t, map[string]string{"app/cm.yaml": configMap("settings", "v1")}, "v1")
	e.newApp(appSpec{name: "wait-app", path: "app"})
	e.waitApp("wait-app", time.Minute, compared(rev))

	start := time.Now()
	res := e.flotilla("app", "wait", "wait-app", "--sync", "--health", "--timeout", "2s")
	if took := time.Since(start); took < 2*time.Second || took > 20*time.Second {
		t.Errorf("wait --timeout 2s took %s", took)
	}
	want := "timed out after 2s waiting for application wait-app: sync is OutOfSync (want Synced); health is Missing (want Healthy)"
	if res.code == 0 || !strings.Contains(res.stderr, want) {
		t.Errorf("exit %d, stderr %q, want %q", res.code, res.stderr, want)
	}
	// --operation alone holds: nothing runs
	if res := e.flotilla("app", "wait", "wait-app", "--operation", "--timeout", "10s"); res.code != 0 {
		t.Errorf("wait --operation on an idle app: exit %d, %s", res.code, res.stderr)
	}

	e.mustRun("app", "sync", "wait-app")
	ok := e.mustRun("app", "wait", "wait-app", "--timeout", "1m") // sync, health and operation
	if ok.stdout != "application wait-app: Synced, Healthy\n" {
		t.Errorf("stdout %q", ok.stdout)
	}
	e.waitApp("wait-app", 5*time.Second, settled(rev))
}
