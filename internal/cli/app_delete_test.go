package cli

import (
	"strings"
	"testing"
	"time"
)

func TestAppDelete(t *testing.T) {
	e := newAppEnv(t)
	rev := e.repo.Commit(t, map[string]string{"cascade/cm.yaml": configMap("cascaded", "1"), "keep/cm.yaml": configMap("kept", "1")}, "v1")
	e.newApp(appSpec{name: "delete-cascade", path: "cascade", automated: true})
	e.newApp(appSpec{name: "delete-keep", path: "keep", automated: true})
	e.waitApp("delete-cascade", time.Minute, settled(rev))
	e.waitApp("delete-keep", time.Minute, settled(rev))

	res := e.mustRun("app", "delete", "delete-cascade", "--yes", "--wait", "--timeout", "1m")
	if res.stdout != "application delete-cascade deleted (its resources are being deleted)\n" {
		t.Errorf("stdout %q", res.stdout)
	}
	if got := e.configValue("cascaded"); got != "<absent>" {
		t.Errorf("cascade left the ConfigMap: %s", got)
	}

	e.mustRun("app", "delete", "delete-keep", "--cascade=false", "--yes", "--wait", "--timeout", "1m")
	if got := e.configValue("kept"); got != "1" {
		t.Errorf("--cascade=false deleted the ConfigMap: %s", got)
	}
	if gone := e.flotilla("app", "get", "delete-keep"); gone.code == 0 || !strings.Contains(gone.stderr, `application "delete-keep" not found`) {
		t.Errorf("the app is still there: %+v", gone)
	}
}

func TestAppNotFound(t *testing.T) {
	e := newAppEnv(t)
	want := `application "no-such-app" not found in namespace argocd: list them with "flotilla app list -A"`
	tests := []struct {
		args []string
		code int
	}{
		{[]string{"get"}, 1},
		{[]string{"get", "--tree"}, 1},
		{[]string{"diff"}, 2},
		{[]string{"sync"}, 1},
		{[]string{"wait"}, 1},
		{[]string{"history"}, 1},
		{[]string{"rollback"}, 1},
		{[]string{"rollback", "0"}, 1},
		{[]string{"refresh"}, 1},
		{[]string{"delete", "--yes"}, 1},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, "_"), func(t *testing.T) {
			args := append([]string{"app", tt.args[0], "no-such-app"}, tt.args[1:]...)
			res := e.flotilla(args...)
			if res.code != tt.code || !strings.Contains(res.stderr, want) {
				t.Errorf("flotilla %v: exit %d (want %d), stderr %q", args, res.code, tt.code, res.stderr)
			}
		})
	}
}
