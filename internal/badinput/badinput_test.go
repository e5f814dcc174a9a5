package badinput

import (
	"path/filepath"
	"strings"
	"testing"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/controller/controllertest"
	"flotilla.dev/flotilla/internal/controlplane/kubetest"
	"flotilla.dev/flotilla/internal/source/git/gittest"
)

// The two tests are in this file, render first, so that the render runs
// (and is measured) before the test controller starts.

// TestBadInputRender runs every case through `flotilla render`: it must
// exit 1 with an error naming the input at fault, never panic or hang,
// and name no host path and no password.
func TestBadInputRender(t *testing.T) {
	srv := gittest.NewServer(t)
	results := map[string]string{}
	var usages []measured
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			repoURL, revision := renderSource(t, srv, c)
			app := application(c, repoURL, revision, "bad-input")
			if c.app != nil {
				c.app(app)
			}
			file := writeApp(t, app)
			cacheDir := t.TempDir()
			var res rendered
			u := measure(func() { res = renderApp(t, file, cacheDir) })
			usages = append(usages, measured{name: c.name, usage: u})
			bounded(t, u)
			if res.panicked != "" {
				t.Fatalf("flotilla render panicked: %s", res.panicked)
			}
			msg := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(res.stderr), "Error:"))
			if c.offline {
				if res.code != 0 || !strings.Contains(res.stdout, "kind: "+c.want[0]) {
					t.Fatalf("exit %d, want 0 and the %s printed (no cluster to ask); stderr:\n%s\nstdout:\n%s", res.code, c.want[0], res.stderr, res.stdout)
				}
				results[c.name] = "renders: without a cluster no kind is unknown"
				return
			}
			if res.code == 0 {
				t.Fatalf("exit 0, want an error saying %q; stdout:\n%.2000s", c.want, res.stdout)
			}
			for _, w := range c.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error does not say %q:\n%s", w, msg)
				}
			}
			for _, leak := range []string{filepath.Dir(cacheDir), password, wrongPassword, "goroutine "} {
				if strings.Contains(res.stderr, leak) {
					t.Errorf("error shows %q:\n%s", leak, res.stderr)
				}
			}
			results[c.name] = normalize(msg, repoURL)
			t.Logf("%s", msg)
		})
	}
	t.Logf("flotilla render, per case:\n%s", usageTable(usages))
	if !t.Failed() {
		checkDoc(t, renderColumn, results, usages)
	}
}

// TestBadInputController runs every case through the controller: an
// Application first syncs a good revision automatically (prune and
// self-heal on), then the bad input arrives. The Application must get a
// ComparisonError saying what the render says, while the objects of the
// good revision keep running unchanged and nothing is pruned or applied.
func TestBadInputController(t *testing.T) {
	c := controllertest.Start(t, appNamespace)
	srv := gittest.NewServer(t)
	results := map[string]string{}
	var usages []measured
	for _, bc := range cases {
		t.Run(bc.name, func(t *testing.T) {
			ns := kubetest.NewNamespace(t, c)
			var repoURL string
			var u usage
			switch bc.flow {
			case wrongCredentials:
				repoURL, u = credentialsGoWrong(t, c, bc, ns)
			case tagGone, commitGone:
				repoURL, u = revisionGoesAway(t, c, srv, bc, ns)
			default:
				repoURL, u = badRevisionPushed(t, c, srv, bc, ns)
			}
			usages = append(usages, measured{name: bc.name, usage: u})
			bounded(t, u)
			app := getApp(t, c, bc.name)
			if bc.cached {
				results[bc.name] = "keeps the commit it holds in its cache: Synced at it, no condition"
				return
			}
			msg := conditionMessage(app, v1alpha1.ApplicationConditionComparisonError)
			if app.Status.Sync.Status != v1alpha1.SyncStatusCodeUnknown && !bc.offline {
				t.Errorf("sync status %s, want Unknown: %s", app.Status.Sync.Status, describe(app))
			}
			for _, leak := range []string{password, wrongPassword, "goroutine "} {
				if strings.Contains(describe(app), leak) {
					t.Errorf("status shows %q: %s", leak, describe(app))
				}
			}
			results[bc.name] = normalize(msg, repoURL)
			t.Logf("%s", msg)
		})
	}
	t.Logf("controller, from the bad input's arrival to the condition, per case:\n%s", usageTable(usages))
	if !t.Failed() {
		checkDoc(t, controllerColumn, results, usages)
	}
}
