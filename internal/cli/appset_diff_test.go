package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// diffRepo publishes main (alpha=1, beta=2) and a branch feature that
// changes alpha, drops beta and adds gamma; the working clone is left on
// main.
func diffRepo(t *testing.T) (workDir string, repoMap []string) {
	t.Helper()
	repo, repoMap := appSetRepo(t, map[string]string{"alpha": "1", "beta": "2"})
	repo.Branch(t, "feature")
	repo.Commit(t, appSetFiles(map[string]string{"alpha": "3", "gamma": "4"}), "feature")
	repo.Remove(t, []string{"apps/beta", "configs/beta"}, "no beta")
	repo.Checkout(t, "main")
	return repo.WorkDir(), repoMap
}

func TestAppSetDiffRevision(t *testing.T) {
	_, repoMap := diffRepo(t)
	set := tempFile(t, "set.yaml", filesAppSet)
	base := append([]string{"appset", "diff", "-f", set, "--cache-dir", t.TempDir()}, repoMap...)

	res := run(t, append(base, "--revision", "feature")...)
	if res.code != 1 {
		t.Fatalf("diff with changes: exit %d, want 1\n%s\n%s", res.code, res.stdout, res.stderr)
	}
	if !strings.Contains(res.stderr, "3 Application(s) would be created, updated or deleted") {
		t.Errorf("stderr: %s", res.stderr)
	}
	golden(t, "appset_diff.golden", res.stdout)

	if same := run(t, append(base, "--revision", "main")...); same.code != 0 || same.stdout != "" {
		t.Errorf("diff against its own revision: exit %d\n%s\n%s", same.code, same.stdout, same.stderr)
	}

	colored := run(t, append(base, "--revision", "feature", "--color=always")...)
	if colored.code != 1 || !strings.Contains(colored.stdout, ansiRed+"-    value: \"1\""+ansiReset) {
		t.Errorf("--color=always: exit %d\n%q", colored.code, colored.stdout)
	}

	var out struct {
		ApplicationSets []struct {
			Name, Namespace        string
			Create, Update, Delete []struct{ Name, Diff string }
			Unchanged              []string
		} `json:"applicationSets"`
	}
	js := run(t, append(base, "--revision", "feature", "-o", "json")...)
	if err := json.Unmarshal([]byte(js.stdout), &out); err != nil || js.code != 1 {
		t.Fatalf("-o json: exit %d, %v\n%s", js.code, err, js.stdout)
	}
	s := out.ApplicationSets[0]
	if s.Name != "configs" || s.Namespace != "argocd" || len(s.Create) != 1 || s.Create[0].Name != "cfg-gamma" ||
		len(s.Update) != 1 || !strings.Contains(s.Update[0].Diff, "+    value: \"3\"") || len(s.Delete) != 1 || s.Delete[0].Name != "cfg-beta" {
		t.Errorf("-o json = %+v", out)
	}
}

func TestAppSetDiffPolicy(t *testing.T) {
	_, repoMap := diffRepo(t)
	createOnly := strings.Replace(filesAppSet, "spec:\n  goTemplate: true\n", "spec:\n  goTemplate: true\n  syncPolicy: {applicationsSync: create-only}\n", 1)
	set := tempFile(t, "set.yaml", createOnly)
	res := run(t, append([]string{"appset", "diff", "-f", set, "--cache-dir", t.TempDir(), "--revision", "feature"}, repoMap...)...)
	if res.code != 1 {
		t.Fatalf("exit %d\n%s\n%s", res.code, res.stdout, res.stderr)
	}
	inOrder(t, res.stdout, "ApplicationSet argocd/configs: 1 to create, 0 to update, 0 to delete, 1 unchanged", "  create  cfg-gamma",
		"===== argoproj.io/Application argocd/cfg-gamma ======")
	if strings.Contains(res.stdout, "cfg-beta") {
		t.Errorf("create-only deletes:\n%s", res.stdout)
	}
}

func TestAppSetDiffLocal(t *testing.T) {
	work, repoMap := diffRepo(t)
	writeFile(t, filepath.Join(work, "configs", "alpha", "config.json"), `{"name": "alpha", "value": "1"}`)
	mkdirWrite(t, filepath.Join(work, "configs", "delta", "config.json"), `{"name": "delta", "value": "5"}`)
	set := tempFile(t, "set.yaml", filesAppSet+"---\n"+listAppSet)

	res := run(t, append([]string{"appset", "diff", "-f", set, "--cache-dir", t.TempDir(), "--local", work}, repoMap...)...)
	if res.code != 1 {
		t.Fatalf("diff --local with changes: exit %d, want 1\n%s\n%s", res.code, res.stdout, res.stderr)
	}
	inOrder(t, res.stdout, "ApplicationSet argocd/configs: 1 to create, 0 to update, 0 to delete, 2 unchanged", "  create  cfg-delta",
		"===== argoproj.io/Application argocd/cfg-delta ======", "+    value: \"5\"")
	if strings.Contains(res.stdout, "guestbook") || !strings.Contains(res.stderr, "applicationset guestbook has no git generator") {
		t.Errorf("the list set changed:\n%s\n%s", res.stdout, res.stderr)
	}
}

func TestAppSetDiffErrors(t *testing.T) {
	set := tempFile(t, "set.yaml", filesAppSet)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"neither", []string{"-f", set}, "give either --revision REF or --local DIR"},
		{"both", []string{"-f", set, "--revision", "x", "--local", "."}, "give either --revision REF or --local DIR"},
		{"bad output", []string{"-f", set, "--revision", "x", "-o", "xml"}, `unknown output format "xml"`},
		{"bad flag", []string{"-f", set, "--nope"}, "unknown flag: --nope"},
		{"argument", []string{"name", "-f", set, "--revision", "x"}, `unknown command "name"`},
		{"no file", []string{"--revision", "x"}, "no file: give the ApplicationSet(s) with -f FILE"},
		{"local not a directory", []string{"-f", set, "--local", filepath.Join(t.TempDir(), "nope")}, "is not a directory"},
		{"unknown revision", []string{"-f", set, "--revision", "no-such-branch", "--cache-dir", t.TempDir(),
			"--repo-map", gitopsURL + "=" + emptyRepoURL(t)}, "applicationset configs"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := run(t, append([]string{"appset", "diff"}, tt.args...)...)
			if res.code != 2 || !strings.Contains(res.stderr, tt.want) {
				t.Fatalf("exit %d (want 2), stderr %q, want error containing %q", res.code, res.stderr, tt.want)
			}
		})
	}
}

// emptyRepoURL is a repository with one empty commit.
func emptyRepoURL(t *testing.T) string {
	repo, _ := appSetRepo(t, nil)
	return repo.URL()
}

// mkdirWrite writes a file, creating its directory.
func mkdirWrite(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, path, content)
}
