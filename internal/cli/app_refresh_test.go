package cli

import (
	"strings"
	"testing"
	"time"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/appctl"
)

func TestAppRefresh(t *testing.T) {
	e := newAppEnv(t)
	first := e.repo.Commit(t, map[string]string{"app/cm.yaml": configMap("settings", "v1")}, "v1")
	e.newApp(appSpec{name: "refresh-app", path: "app"})
	e.mustRun("app", "sync", "refresh-app", "--wait", "--timeout", "1m")
	e.waitApp("refresh-app", time.Minute, settled(first))

	// the test controller polls git hourly: only a refresh shows the new commit
	second := e.repo.Commit(t, map[string]string{"app/cm.yaml": configMap("settings", "v2")}, "v2")
	res := e.mustRun("app", "refresh", "refresh-app", "--wait", "--timeout", "30s")
	if res.stdout != "refresh of application refresh-app requested\napplication refresh-app: OutOfSync, Healthy\n" {
		t.Errorf("stdout %q", res.stdout)
	}
	app := e.getApp("refresh-app")
	if app.Status.Sync.Revision != second || app.Status.Sync.Status != v1alpha1.SyncStatusCodeOutOfSync {
		t.Errorf("after refresh: revision %s (want %s), sync %s", app.Status.Sync.Revision, second, app.Status.Sync.Status)
	}
	if _, still := app.Annotations[appctl.RefreshAnnotation]; still {
		t.Errorf("refresh annotation left: %v", app.Annotations)
	}

	hard := e.mustRun("app", "refresh", "refresh-app", "--hard")
	if !strings.HasPrefix(hard.stdout, "hard refresh of application refresh-app requested") {
		t.Errorf("stdout %q", hard.stdout)
	}
	e.waitApp("refresh-app", 30*time.Second, func(app *v1alpha1.Application) bool {
		_, asked := app.Annotations[appctl.RefreshAnnotation]
		return !asked
	})
}
