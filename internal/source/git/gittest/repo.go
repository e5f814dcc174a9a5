package gittest

import (
	"bytes"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
)

// Repo is a bare repository and a working clone that pushes to it. Its
// methods commit with the git CLI and push at once, so fetchers see every
// change immediately.
type Repo struct {
	bare string
	work string
	url  string
}

// NewLocalRepo creates a bare repository in a temporary directory, reached
// through a file:// URL, and a working clone of it.
func NewLocalRepo(t TB) *Repo {
	t.Helper()
	bare := filepath.Join(t.TempDir(), "repo.git")
	initBare(t, bare)
	return newRepo(t, bare, "file://"+filepath.ToSlash(bare))
}

func newRepo(t TB, bare, url string) *Repo {
	t.Helper()
	r := &Repo{bare: bare, work: t.TempDir(), url: url}
	run(t, r.work, "init", "-q", "--initial-branch=main")
	run(t, r.work, "remote", "add", "origin", bare)
	return r
}

// initBare creates a bare repository on branch main that accepts pushes
// over HTTP.
func initBare(t TB, dir string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		t.Fatalf("gittest: %v", err)
	}
	run(t, "", "init", "-q", "--bare", "--initial-branch=main", dir)
	run(t, dir, "config", "http.receivepack", "true")
}

// URL is the address fetchers use: http://… for a server's repository,
// file://… for a local one.
func (r *Repo) URL() string { return r.url }

// BareDir is the bare repository's directory.
func (r *Repo) BareDir() string { return r.bare }

// WorkDir is the working clone's directory.
func (r *Repo) WorkDir() string { return r.work }

// Git runs git with args in the working clone and returns its trimmed
// output.
func (r *Repo) Git(t TB, args ...string) string {
	t.Helper()
	return run(t, r.work, args...)
}

// Head is the SHA of the working clone's current commit.
func (r *Repo) Head(t TB) string {
	t.Helper()
	return run(t, r.work, "rev-parse", "HEAD")
}

// Commit writes files (path relative to the repository root, slash
// separated, parents created) and commits them on the current branch, pushes
// and returns the new commit's SHA. It commits even when nothing changed.
func (r *Repo) Commit(t TB, files map[string]string, msg string) string {
	t.Helper()
	for name, content := range files {
		path := filepath.Join(r.work, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatalf("gittest: %v", err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatalf("gittest: %v", err)
		}
	}
	return r.commitAll(t, msg)
}

// Remove deletes paths (files or directories) in a new commit, pushes and
// returns the commit's SHA.
func (r *Repo) Remove(t TB, paths []string, msg string) string {
	t.Helper()
	run(t, r.work, append([]string{"rm", "-r", "-q", "--"}, paths...)...)
	return r.commitAll(t, msg)
}

// CopyDir copies the directory tree srcDir to dstPath in the repository
// ("" or "." for the root), commits, pushes and returns the commit's SHA.
// Symlinks are copied as symlinks and executable bits are kept.
func (r *Repo) CopyDir(t TB, srcDir, dstPath, msg string) string {
	t.Helper()
	dst := filepath.Join(r.work, filepath.FromSlash(dstPath))
	err := filepath.WalkDir(srcDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(srcDir, path)
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == ".git" {
			return filepath.SkipDir
		}
		target := filepath.Join(dst, rel)
		switch {
		case d.IsDir():
			return os.MkdirAll(target, 0o755)
		case d.Type()&fs.ModeSymlink != 0:
			link, err := os.Readlink(path)
			if err != nil {
				return err
			}
			_ = os.Remove(target)
			return os.Symlink(link, target)
		default:
			return copyFile(path, target)
		}
	})
	if err != nil {
		t.Fatalf("gittest: copy %s: %v", srcDir, err)
	}
	return r.commitAll(t, msg)
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	fi, err := in.Stat()
	if err != nil {
		return err
	}
	perm := os.FileMode(0o644)
	if fi.Mode()&0o111 != 0 {
		perm = 0o755
	}
	_ = os.Remove(dst)
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, perm)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// Symlink commits a symlink at path pointing to target, pushes and returns
// the commit's SHA.
func (r *Repo) Symlink(t TB, target, path, msg string) string {
	t.Helper()
	full := filepath.Join(r.work, filepath.FromSlash(path))
	if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
		t.Fatalf("gittest: %v", err)
	}
	_ = os.Remove(full)
	if err := os.Symlink(target, full); err != nil {
		t.Fatalf("gittest: %v", err)
	}
	return r.commitAll(t, msg)
}

// Tag creates the lightweight tag name at the current commit and pushes it.
func (r *Repo) Tag(t TB, name string) {
	t.Helper()
	run(t, r.work, "tag", name)
	run(t, r.work, "push", "-q", "origin", "refs/tags/"+name)
}

// AnnotatedTag creates the annotated tag name at the current commit and
// pushes it.
func (r *Repo) AnnotatedTag(t TB, name, msg string) {
	t.Helper()
	run(t, r.work, "tag", "-a", "-m", msg, name)
	run(t, r.work, "push", "-q", "origin", "refs/tags/"+name)
}

// Branch creates the branch name at the current commit, switches to it and
// pushes it.
func (r *Repo) Branch(t TB, name string) {
	t.Helper()
	run(t, r.work, "checkout", "-q", "-b", name)
	run(t, r.work, "push", "-q", "origin", "HEAD:refs/heads/"+name)
}

// Checkout switches the working clone to an existing branch.
func (r *Repo) Checkout(t TB, name string) {
	t.Helper()
	run(t, r.work, "checkout", "-q", name)
}

// SetDefaultBranch points the bare repository's HEAD, which clones and
// fetchers take as the default branch, at branch name.
func (r *Repo) SetDefaultBranch(t TB, name string) {
	t.Helper()
	run(t, r.bare, "symbolic-ref", "HEAD", "refs/heads/"+name)
}

// commitAll commits every change in the working clone, pushes the current
// branch and returns the commit's SHA.
func (r *Repo) commitAll(t TB, msg string) string {
	t.Helper()
	run(t, r.work, "add", "-A")
	run(t, r.work, "commit", "-q", "--allow-empty", "-m", msg)
	run(t, r.work, "push", "-q", "origin", "HEAD")
	return run(t, r.work, "rev-parse", "HEAD")
}

// run runs git in dir with a fixed identity and no system or global
// configuration, and returns its trimmed output.
func run(t TB, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(environWithoutGit(), gitEnv()...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("gittest: git %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return strings.TrimSpace(stdout.String())
}

// gitEnv isolates git from the machine's configuration and identity.
func gitEnv() []string {
	return []string{
		"GIT_CONFIG_NOSYSTEM=1",
		"GIT_CONFIG_GLOBAL=" + os.DevNull,
		"GIT_TERMINAL_PROMPT=0",
		"GIT_AUTHOR_NAME=gittest",
		"GIT_AUTHOR_EMAIL=gittest@example.invalid",
		"GIT_COMMITTER_NAME=gittest",
		"GIT_COMMITTER_EMAIL=gittest@example.invalid",
	}
}

// environWithoutGit is the process environment without GIT_* variables,
// which could point git at another repository (as inside a git hook).
func environWithoutGit() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "GIT_") {
			env = append(env, kv)
		}
	}
	return env
}

var (
	execPathOnce sync.Once
	execPathDir  string
	execPathErr  string
)

// execPath is `git --exec-path`, where git-http-backend lives.
func execPath(t TB) string {
	t.Helper()
	execPathOnce.Do(func() {
		out, err := exec.Command("git", "--exec-path").Output()
		if err != nil {
			execPathErr = err.Error()
			return
		}
		execPathDir = strings.TrimSpace(string(out))
	})
	if execPathErr != "" {
		t.Fatalf("gittest: git --exec-path: %s", execPathErr)
	}
	return execPathDir
}
