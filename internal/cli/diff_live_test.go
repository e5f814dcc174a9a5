package cli

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/yaml"
)

func TestDiffLive(t *testing.T) {
	e := newAppEnv(t)
	first := e.repo.Commit(t, map[string]string{"app/settings.yaml": configMap("settings", "v1")}, "v1")
	app := e.newApp(appSpec{name: "tree-live", path: "app"})
	e.mustRun("app", "sync", "tree-live", "--wait", "--timeout", "1m")
	e.waitApp("tree-live", time.Minute, settled(first))
	second := e.repo.Commit(t, map[string]string{"app/settings.yaml": configMap("settings", "v2")}, "v2")

	app.APIVersion, app.Kind = "argoproj.io/v1alpha1", "Application"
	app.ResourceVersion, app.UID, app.ManagedFields = "", "", nil
	data, err := yaml.Marshal(app)
	if err != nil {
		t.Fatal(err)
	}
	other := strings.Replace(string(data), "name: tree-live", "name: tree-not-there", 1)
	root := filepath.Join(t.TempDir(), "root.yaml")
	writeFile(t, root, string(data)+"---\n"+other)
	cache := "--cache-dir=" + t.TempDir()

	res := e.flotilla("diff", "-f", root, "--live", "--head", second, cache)
	if res.code != 1 {
		t.Fatalf("exit %d, want 1\n%s\n%s", res.code, res.stdout, res.stderr)
	}
	inOrder(t, res.stdout, "Application argocd/tree-live: changed", "===== /ConfigMap "+e.ns+"/settings ====== changed", "-  value: v1", "+  value: v2")
	if !strings.Contains(res.stderr, "argocd/tree-not-there") {
		t.Errorf("stderr does not name the app the cluster lacks: %s", res.stderr)
	}
	if same := e.flotilla("diff", "-f", root, "--live", "--head", first, cache); same.code != 0 || !strings.Contains(same.stdout, "No differences.") {
		t.Errorf("head at the synced revision: exit %d\n%s\n%s", same.code, same.stdout, same.stderr)
	}
	if bad := e.flotilla("diff", "-f", root, "--live", "--base", first); bad.code != 2 || !strings.Contains(bad.stderr, "--base does not apply") {
		t.Errorf("--live --base: exit %d\n%s", bad.code, bad.stderr)
	}
}
