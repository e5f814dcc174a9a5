package badinput

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/source/git/gittest"
)

// badRevision returns a directory holding the bad revision of c: a copy
// of testdata/cases/<name> (when it exists) with what c generates added.
func badRevision(t *testing.T, c badCase) string {
	t.Helper()
	dir := t.TempDir()
	src := filepath.Join("testdata", "cases", c.name)
	if _, err := os.Stat(src); err == nil {
		if err := os.CopyFS(dir, os.DirFS(src)); err != nil {
			t.Fatalf("copy %s: %v", src, err)
		}
	}
	if c.generate != nil {
		c.generate(t, dir)
	}
	return dir
}

// publishGood commits the good layout at app/ and returns the commit.
func publishGood(t *testing.T, repo *gittest.Repo, l layout) string {
	t.Helper()
	return repo.CopyDir(t, filepath.Join("testdata", "good", string(l)), "app", "good "+string(l))
}

// pushBad replaces the repository's content with the bad revision in dir,
// in one commit, and returns it.
func pushBad(t *testing.T, repo *gittest.Repo, dir string) string {
	t.Helper()
	repo.Git(t, "rm", "-r", "-q", "--ignore-unmatch", "app")
	return repo.CopyDir(t, dir, ".", "bad input")
}

// forcePushAway rewrites main to a new history that lacks every earlier
// commit, deletes tag v1 and collects the garbage on the server, so that
// the earlier commits are gone for good.
func forcePushAway(t *testing.T, repo *gittest.Repo) {
	t.Helper()
	repo.Git(t, "checkout", "-q", "--orphan", "rewritten")
	repo.Git(t, "commit", "-q", "--allow-empty", "-m", "history rewritten")
	repo.Git(t, "push", "-q", "--force", "origin", "rewritten:main")
	repo.Git(t, "push", "-q", "origin", ":refs/tags/v1")
	bareGit(t, repo, "reflog", "expire", "--expire=now", "--all")
	bareGit(t, repo, "gc", "-q", "--prune=now")
	if out, err := bareGitOutput(repo, "cat-file", "-t", "v1"); err == nil {
		t.Fatalf("v1 still resolves on the server: %s", out)
	}
}

func bareGit(t *testing.T, repo *gittest.Repo, args ...string) {
	t.Helper()
	if out, err := bareGitOutput(repo, args...); err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

func bareGitOutput(repo *gittest.Repo, args ...string) (string, error) {
	cmd := exec.Command("git", args...)
	cmd.Dir = repo.BareDir()
	cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL="+os.DevNull)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// application is the case's Application for the good revision: app/ of
// repoURL at revision, synced automatically with prune and self-heal
// into namespace.
func application(c badCase, repoURL, revision, namespace string) *v1alpha1.Application {
	return &v1alpha1.Application{
		TypeMeta:   v1.TypeMeta{APIVersion: v1alpha1.SchemeGroupVersion.String(), Kind: v1alpha1.ApplicationKind},
		ObjectMeta: v1.ObjectMeta{Name: c.name, Namespace: appNamespace},
		Spec: v1alpha1.ApplicationSpec{
			Project:     "default",
			Source:      &v1alpha1.ApplicationSource{RepoURL: repoURL, Path: "app", TargetRevision: revision},
			Destination: v1alpha1.ApplicationDestination{Server: "https://kubernetes.default.svc", Namespace: namespace},
			SyncPolicy: &v1alpha1.SyncPolicy{
				Automated: &v1alpha1.SyncPolicyAutomated{Prune: true, SelfHeal: true},
			},
		},
	}
}

// writeApp writes app as YAML to a file for `flotilla render -f`.
func writeApp(t *testing.T, app *v1alpha1.Application) string {
	t.Helper()
	b, err := yaml.Marshal(app)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "app.yaml")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}
