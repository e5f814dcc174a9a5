package gittest

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// gitOutput runs git with extra environment and returns output and error,
// for commands that are expected to fail.
func gitOutput(dir string, env []string, args ...string) (string, error) {
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(append(environWithoutGit(), gitEnv()...), env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return strings.TrimSpace(out.String()), err
}

func TestServerCloneAndPush(t *testing.T) {
	srv := NewServer(t)
	repo := srv.NewRepo(t, "team/app")
	if want := srv.URL("team/app"); repo.URL() != want || !strings.HasPrefix(want, "http://127.0.0.1:") {
		t.Fatalf("URL = %s, want %s on 127.0.0.1", repo.URL(), want)
	}
	sha := repo.Commit(t, map[string]string{"deploy/app.yaml": "kind: Deployment\n"}, "first")

	clone := filepath.Join(t.TempDir(), "clone")
	run(t, "", "clone", "-q", repo.URL(), clone)
	if got := run(t, clone, "rev-parse", "HEAD"); got != sha {
		t.Errorf("cloned HEAD = %s, want %s", got, sha)
	}
	if got := run(t, clone, "symbolic-ref", "HEAD"); got != "refs/heads/main" {
		t.Errorf("default branch = %s, want refs/heads/main", got)
	}
	data, err := os.ReadFile(filepath.Join(clone, "deploy/app.yaml"))
	if err != nil || string(data) != "kind: Deployment\n" {
		t.Errorf("cloned file = %q, %v", data, err)
	}

	// Pushing over HTTP works (http.receivepack).
	if err := os.WriteFile(filepath.Join(clone, "b.txt"), []byte("b"), 0o644); err != nil {
		t.Fatal(err)
	}
	run(t, clone, "add", "b.txt")
	run(t, clone, "commit", "-q", "-m", "over http")
	run(t, clone, "push", "-q", "origin", "main")
	pushed := run(t, clone, "rev-parse", "HEAD")
	if got := run(t, repo.BareDir(), "rev-parse", "main"); got != pushed {
		t.Errorf("bare main = %s after an HTTP push, want %s", got, pushed)
	}
	if srv.Fetches() == 0 {
		t.Error("Fetches() = 0 after a clone")
	}
}

func TestServerBasicAuth(t *testing.T) {
	srv := NewServer(t, WithBasicAuth("alice", "open-sesame"))
	repo := srv.NewRepo(t, "app")
	sha := repo.Commit(t, map[string]string{"a": "1"}, "first")
	withCreds := func(user, pass string) string {
		return strings.Replace(repo.URL(), "http://", "http://"+user+":"+pass+"@", 1)
	}

	tests := []struct {
		name string
		url  string
		ok   bool
	}{
		{name: "right credentials", url: withCreds("alice", "open-sesame"), ok: true},
		{name: "wrong password", url: withCreds("alice", "nope")},
		{name: "wrong user", url: withCreds("bob", "open-sesame")},
		{name: "no credentials", url: repo.URL()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := gitOutput("", nil, "ls-remote", tt.url, "refs/heads/main")
			if tt.ok {
				if err != nil || !strings.HasPrefix(out, sha) {
					t.Errorf("ls-remote = %q, %v; want %s", out, err, sha)
				}
				return
			}
			if err == nil {
				t.Errorf("ls-remote succeeded: %q", out)
			}
		})
	}
}

func TestServerSSH(t *testing.T) {
	if _, err := exec.LookPath("ssh"); err != nil {
		t.Skip("no ssh client")
	}
	srv := NewServer(t, WithSSH())
	repo := srv.NewRepo(t, "app")
	sha := repo.Commit(t, map[string]string{"a": "1"}, "first")

	dir := t.TempDir()
	key := filepath.Join(dir, "id")
	knownHosts := filepath.Join(dir, "known_hosts")
	if err := os.WriteFile(key, srv.SSHPrivateKey(), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(knownHosts, srv.SSHKnownHosts(), 0o600); err != nil {
		t.Fatal(err)
	}
	env := []string{"GIT_SSH_COMMAND=ssh -F /dev/null -i " + key + " -o IdentitiesOnly=yes -o BatchMode=yes" +
		" -o StrictHostKeyChecking=yes -o UserKnownHostsFile=" + knownHosts}

	out, err := gitOutput("", env, "ls-remote", srv.SSHURL("app"), "refs/heads/main")
	if err != nil || !strings.HasPrefix(out, sha) {
		t.Fatalf("ls-remote over ssh = %q, %v; want %s", out, err, sha)
	}
	clone := filepath.Join(dir, "clone")
	if out, err := gitOutput("", env, "clone", "-q", srv.SSHURL("app"), clone); err != nil {
		t.Fatalf("clone over ssh: %v\n%s", err, out)
	}
	run(t, clone, "commit", "-q", "--allow-empty", "-m", "over ssh")
	if out, err := gitOutput(clone, env, "push", "-q", "origin", "main"); err != nil {
		t.Fatalf("push over ssh: %v\n%s", err, out)
	}
	if got, want := run(t, repo.BareDir(), "rev-parse", "main"), run(t, clone, "rev-parse", "HEAD"); got != want {
		t.Errorf("bare main = %s after an ssh push, want %s", got, want)
	}
	if out, err := gitOutput("", env, "ls-remote", srv.SSHURL("missing"), "HEAD"); err == nil {
		t.Errorf("ls-remote of a missing repository over ssh succeeded: %q", out)
	}
}

func TestRepoHelpers(t *testing.T) {
	repo := NewLocalRepo(t)
	if !strings.HasPrefix(repo.URL(), "file:///") {
		t.Fatalf("URL = %s, want file:///…", repo.URL())
	}
	first := repo.Commit(t, map[string]string{"a.txt": "a", "dir/b.txt": "b"}, "first")
	repo.Tag(t, "v1")
	repo.AnnotatedTag(t, "v1-annotated", "release")
	second := repo.Remove(t, []string{"dir"}, "remove dir")
	repo.Branch(t, "feature")
	feature := repo.Commit(t, map[string]string{"f.txt": "f"}, "feature")
	repo.Checkout(t, "main")

	src := t.TempDir()
	if err := os.MkdirAll(filepath.Join(src, "nested"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(src, "nested", "run.sh"), []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("nested/run.sh", filepath.Join(src, "link")); err != nil {
		t.Fatal(err)
	}
	copied := repo.CopyDir(t, src, "examples/app", "copy")
	linked := repo.Symlink(t, "../a.txt", "links/a", "symlink")

	bare := repo.BareDir()
	tests := []struct {
		rev, want string
	}{
		{rev: "v1^{commit}", want: first},
		{rev: "v1-annotated^{commit}", want: first},
		{rev: "feature", want: feature},
		{rev: "main", want: linked},
		{rev: "main~2", want: second},
		{rev: "main~1", want: copied},
	}
	for _, tt := range tests {
		if got := run(t, bare, "rev-parse", tt.rev); got != tt.want {
			t.Errorf("rev-parse %s = %s, want %s", tt.rev, got, tt.want)
		}
	}
	if got := run(t, bare, "cat-file", "-t", "v1-annotated"); got != "tag" {
		t.Errorf("v1-annotated is a %s, want an annotated tag", got)
	}
	tree := run(t, bare, "ls-tree", "-r", "main")
	for _, want := range []string{
		"100644 blob", "\ta.txt",
		"100755 blob", "\texamples/app/nested/run.sh",
		"120000 blob", "\texamples/app/link",
		"\tlinks/a",
	} {
		if !strings.Contains(tree, want) {
			t.Errorf("main tree lacks %q:\n%s", want, tree)
		}
	}
	if strings.Contains(tree, "dir/b.txt") {
		t.Errorf("main tree still has dir/b.txt:\n%s", tree)
	}

	repo.SetDefaultBranch(t, "feature")
	if got := run(t, bare, "symbolic-ref", "HEAD"); got != "refs/heads/feature" {
		t.Errorf("HEAD = %s, want refs/heads/feature", got)
	}
}

func TestStandalone(t *testing.T) {
	s, err := NewStandalone()
	if err != nil {
		t.Fatal(err)
	}
	srv := NewServer(s)
	repo := srv.NewRepo(s, "demo")
	sha := repo.Commit(s, map[string]string{"a": "1"}, "first")
	out, err := gitOutput("", nil, "ls-remote", repo.URL(), "refs/heads/main")
	if err != nil || !strings.HasPrefix(out, sha) {
		t.Fatalf("ls-remote = %q, %v", out, err)
	}

	func() {
		defer func() {
			r := recover()
			err, ok := r.(error)
			if !ok || !strings.Contains(err.Error(), "git rev-parse nope") {
				t.Errorf("Fatalf panicked with %v, want a git error", r)
			}
		}()
		run(s, repo.WorkDir(), "rev-parse", "nope")
	}()

	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(repo.WorkDir()); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("work dir survives Close: %v", err)
	}
	if _, err := gitOutput("", nil, "ls-remote", repo.URL()); err == nil {
		t.Error("server still answers after Close")
	}
}
