package controller_test

import (
	"strings"
	"testing"
	"time"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/controlplane/kubetest"
	"flotilla.dev/flotilla/internal/faulttest"
	"flotilla.dev/flotilla/internal/source/git/gittest"
)

// A git server that is down, that hangs past the fetch timeout, or that
// answers garbage: the app of its repository gets a ComparisonError naming
// the repository and what went wrong, retried with backoff, keeps what it
// deployed, and recovers on its own (no refresh) to the commit made during
// the outage once the server answers again. An app of another git server
// keeps syncing its new commits all along.
func TestFaultGitServer(t *testing.T) {
	plane := kubetest.Plane(t)
	e := startFaultController(t, plane.RESTConfig(), nil)
	kc := kubetest.Client(t)
	flakyNS, steadyNS := kubetest.NewNamespace(t, kc), kubetest.NewNamespace(t, kc)

	srv := gittest.NewServer(t)
	flaky := srv.NewRepo(t, "flaky")
	proxy := faulttest.NewHTTP(t, strings.TrimSuffix(srv.URL("x"), "/x.git"))
	flakyURL := proxy.URL() + "/flaky.git"
	steady := gittest.NewServer(t).NewRepo(t, "steady")
	flaky.Commit(t, map[string]string{"app/cm.yaml": configMap("flaky", "before")}, "flaky")
	steady.Commit(t, map[string]string{"app/cm.yaml": configMap("steady", "before")}, "steady")
	e.createApp(t, directoryApp("flaky", flakyURL, "app", flakyNS, false))
	e.createApp(t, directoryApp("steady", steady.URL(), "app", steadyNS, false))
	e.waitSynced(t, "flaky", "", 60*time.Second)
	e.waitSynced(t, "steady", "", 60*time.Second)

	for _, tc := range []struct {
		fault faulttest.Fault
		says  string // what the condition says went wrong
	}{
		{faulttest.Down, "connection reset"},
		{faulttest.Slow, "no answer within the fetch timeout of 2s"},
		{faulttest.Garbage, "list references of " + flakyURL},
	} {
		t.Run(tc.fault.String(), func(t *testing.T) {
			proxy.Set(tc.fault)
			outage := flaky.Commit(t, map[string]string{"app/cm.yaml": configMap("flaky", tc.fault.String())}, "during the outage")
			e.watchRetries(t, "flaky", 4, 90*time.Second, flakyURL, tc.says)

			app := e.app(t, "flaky")
			if app.Status.Sync.Status != v1alpha1.SyncStatusCodeUnknown {
				t.Errorf("sync status %s during the outage, want Unknown", app.Status.Sync.Status)
			}
			if v := configMapValue(t, e.c, flakyNS, "flaky"); v == tc.fault.String() || v == "" {
				t.Errorf("the deployed ConfigMap changed during the outage: value %q", v)
			}
			sha := steady.Commit(t, map[string]string{"app/cm.yaml": configMap("steady", tc.fault.String())}, "while the other server fails")
			e.waitSynced(t, "steady", sha, 30*time.Second)

			proxy.Set(faulttest.Pass)
			e.waitSynced(t, "flaky", outage, 30*time.Second)
			if v := configMapValue(t, e.c, flakyNS, "flaky"); v != tc.fault.String() {
				t.Errorf("after recovery the ConfigMap holds %q, want the commit of the outage", v)
			}
		})
	}
}
