package cli

import (
	"strings"
	"testing"
	"time"
)

// TestAppHandBack checks the command's arguments and its report; what a
// hand-back does to live objects is TestHandBackToArgoCD's
// (internal/appctl).
func TestAppHandBack(t *testing.T) {
	e := newAppEnv(t)
	first := e.repo.Commit(t, map[string]string{"app/cm.yaml": configMap("settings", "v1")}, "v1")
	e.newApp(appSpec{name: "handback-app", path: "app"})
	e.mustRun("app", "sync", "handback-app", "--wait", "--timeout", "1m")
	e.waitApp("handback-app", time.Minute, settled(first))

	for _, args := range [][]string{{"app", "handback"}, {"app", "handback", "handback-app", "--all"}} {
		if res := e.flotilla(args...); res.code == 0 || !strings.Contains(res.stderr, "name the applications to hand back, or give --all") {
			t.Errorf("flotilla %v: exit %d, stderr %q", args, res.code, res.stderr)
		}
	}
	res := e.mustRun("app", "handback", "handback-app")
	if res.stdout != "application handback-app: 1 object(s) handed back to Argo CD, 0 already were\n" {
		t.Errorf("stdout %q", res.stdout)
	}
	if res := e.flotilla("app", "handback", "missing"); res.code == 0 || !strings.Contains(res.stderr, "missing") {
		t.Errorf("an unknown app: exit %d, stderr %q", res.code, res.stderr)
	}
}
