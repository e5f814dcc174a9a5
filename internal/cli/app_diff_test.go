package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestAppDiff(t *testing.T) {
	e := newAppEnv(t)
	first := e.repo.Commit(t, map[string]string{"app/settings.yaml": configMap("settings", "v1"), "app/extra.yaml": configMap("extra", "x")}, "v1")
	e.newApp(appSpec{name: "diff-app", path: "app"})
	e.mustRun("app", "sync", "diff-app", "--wait", "--timeout", "1m")
	e.waitApp("diff-app", time.Minute, settled(first))
	cache := "--cache-dir=" + t.TempDir()

	e.repo.Commit(t, map[string]string{"app/settings.yaml": configMap("settings", "v2")}, "v2")
	e.repo.Remove(t, []string{"app/extra.yaml"}, "no extra")
	res := e.flotilla("app", "diff", "diff-app", cache)
	if res.code != 1 {
		t.Fatalf("diff with changes: exit %d, want 1\n%s\n%s", res.code, res.stdout, res.stderr)
	}
	if !strings.Contains(res.stderr, "2 resource(s) of application diff-app differ") {
		t.Errorf("stderr: %s", res.stderr)
	}
	n := &normalizer{}
	n.add(e.ns, e.ns[:len(e.ns)-8]+"xxxxxxxx")
	golden(t, "app_diff.golden", n.apply(res.stdout))
	if strings.Contains(res.stdout, "\x1b[") {
		t.Errorf("coloured although stdout is no terminal:\n%s", res.stdout)
	}

	colored := e.flotilla("app", "diff", "diff-app", cache, "--color=always")
	if colored.code != 1 || !strings.Contains(colored.stdout, ansiRed+"-  value: v1"+ansiReset) ||
		!strings.Contains(colored.stdout, ansiGreen+"+  value: v2"+ansiReset) {
		t.Errorf("--color=always: exit %d\n%q", colored.code, colored.stdout)
	}

	// the live objects are what the first commit renders
	if old := e.flotilla("app", "diff", "diff-app", cache, "--revision", first); old.code != 0 || old.stdout != "" {
		t.Errorf("diff against the synced revision: exit %d\n%s\n%s", old.code, old.stdout, old.stderr)
	}

	e.mustRun("app", "sync", "diff-app", "--prune", "--wait", "--timeout", "1m")
	if got := e.configValue("extra"); got != "<absent>" {
		t.Errorf("extra not pruned: %s", got)
	}
	if after := e.flotilla("app", "diff", "diff-app", cache); after.code != 0 || after.stdout != "" {
		t.Errorf("diff after sync: exit %d\n%s\n%s", after.code, after.stdout, after.stderr)
	}
}

func TestAppDiffLocal(t *testing.T) {
	e := newAppEnv(t)
	rev := e.repo.Commit(t, map[string]string{"app/settings.yaml": configMap("settings", "v1")}, "v1")
	e.newApp(appSpec{name: "diff-local", path: "app"})
	e.mustRun("app", "sync", "diff-local", "--wait", "--timeout", "1m")
	e.waitApp("diff-local", time.Minute, settled(rev))
	cache := "--cache-dir=" + t.TempDir()

	changed := t.TempDir()
	writeFile(t, filepath.Join(changed, "settings.yaml"), configMap("settings", "v3"))
	writeFile(t, filepath.Join(changed, "more.yaml"), configMap("more", "m"))
	res := e.flotilla("app", "diff", "diff-local", cache, "--local", changed)
	if res.code != 1 {
		t.Fatalf("diff --local with changes: exit %d, want 1\n%s\n%s", res.code, res.stdout, res.stderr)
	}
	inOrder(t, res.stdout,
		"===== /ConfigMap "+e.ns+"/more ======", "+  value: m",
		"===== /ConfigMap "+e.ns+"/settings ======", "-  value: v1", "+  value: v3")

	same := t.TempDir()
	writeFile(t, filepath.Join(same, "settings.yaml"), configMap("settings", "v1"))
	if res := e.flotilla("app", "diff", "diff-local", cache, "--local", same); res.code != 0 || res.stdout != "" {
		t.Errorf("diff --local without changes: exit %d\n%s\n%s", res.code, res.stdout, res.stderr)
	}

	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--local", filepath.Join(same, "nope")}, "is not a directory"},
		{[]string{"--local", same, "--revision", rev}, "either a revision or a local directory"},
		{[]string{"--color", "sometimes"}, `--color "sometimes": use auto, always or never`},
	} {
		res := e.flotilla(append([]string{"app", "diff", "diff-local", cache}, tt.args...)...)
		if res.code != 2 || !strings.Contains(res.stderr, tt.want) {
			t.Errorf("%v: exit %d (want 2), stderr %q (want %q)", tt.args, res.code, res.stderr, tt.want)
		}
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
