package git_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"flotilla.dev/flotilla/internal/source/git"
	"flotilla.dev/flotilla/internal/source/git/gittest"
)

func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// history is a repository with every kind of revision the tests resolve.
type history struct {
	repo                        *gittest.Repo
	first, second, feature, tip string
}

// buildHistory makes:
//
//	main:    first (tag v1) -- second (annotated tag v2) -- tip
//	feature:                   second -- feature
func buildHistory(t *testing.T, repo *gittest.Repo) history {
	t.Helper()
	h := history{repo: repo}
	h.first = repo.Commit(t, map[string]string{"app/a.yaml": "first\n"}, "first")
	repo.Tag(t, "v1")
	h.second = repo.Commit(t, map[string]string{"app/a.yaml": "second\n"}, "second")
	repo.AnnotatedTag(t, "v2", "release 2")
	repo.Branch(t, "feature")
	h.feature = repo.Commit(t, map[string]string{"app/feature.yaml": "feature\n"}, "feature")
	repo.Checkout(t, "main")
	h.tip = repo.Commit(t, map[string]string{"app/a.yaml": "tip\n"}, "tip")
	return h
}

func TestResolve(t *testing.T) {
	srv := gittest.NewServer(t, gittest.WithSSH())
	authSrv := gittest.NewServer(t, gittest.WithBasicAuth("flotilla", "s3cret-pass"))

	local := gittest.NewLocalRepo(t)
	localHist := buildHistory(t, local)
	httpHist := buildHistory(t, srv.NewRepo(t, "plain"))
	authHist := buildHistory(t, authSrv.NewRepo(t, "org/private"))
	transports := []struct {
		name string
		url  string
		auth *git.Auth
		hist history
	}{
		{name: "file URL", url: local.URL(), hist: localHist},
		{name: "local path", url: local.BareDir(), hist: localHist},
		{name: "http", url: srv.URL("plain"), hist: httpHist},
		{name: "http basic auth", url: authSrv.URL("org/private"),
			auth: &git.Auth{Username: "flotilla", Password: "s3cret-pass"}, hist: authHist},
		{name: "ssh known hosts", url: srv.SSHURL("plain"),
			auth: &git.Auth{SSHPrivateKey: srv.SSHPrivateKey(), SSHKnownHosts: srv.SSHKnownHosts()}, hist: httpHist},
		{name: "ssh insecure", url: srv.SSHURL("plain"),
			auth: &git.Auth{SSHPrivateKey: srv.SSHPrivateKey(), Insecure: true}, hist: httpHist},
	}

	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) {
			h := tr.hist
			f := git.NewFetcher(t.TempDir())
			tests := []struct {
				revision string
				want     string
			}{
				{revision: "", want: h.tip},
				{revision: "HEAD", want: h.tip},
				{revision: "main", want: h.tip},
				{revision: "feature", want: h.feature},
				{revision: "v1", want: h.first},
				{revision: "v2", want: h.second}, // annotated, peeled
				{revision: h.first, want: h.first},
				{revision: strings.ToUpper(h.second), want: h.second},
				{revision: h.feature[:7], want: h.feature},
				{revision: h.first[:12], want: h.first},
				{revision: "refs/heads/feature", want: h.feature},
				{revision: "refs/tags/v2", want: h.second},
				{revision: " main ", want: h.tip},
			}
			for _, tt := range tests {
				got, err := f.Resolve(testContext(t), tr.url, tt.revision, tr.auth)
				if err != nil {
					t.Errorf("Resolve(%q): %v", tt.revision, err)
					continue
				}
				if got != tt.want {
					t.Errorf("Resolve(%q) = %s, want %s", tt.revision, got, tt.want)
				}
			}
		})
	}
}

func TestResolveDefaultBranch(t *testing.T) {
	repo := gittest.NewLocalRepo(t)
	main := repo.Commit(t, map[string]string{"a": "1"}, "main")
	repo.Branch(t, "stable")
	stable := repo.Commit(t, map[string]string{"a": "2"}, "stable")
	f := git.NewFetcher(t.TempDir())

	for _, step := range []struct {
		defaultBranch, want string
	}{
		{"main", main},
		{"stable", stable},
		{"main", main},
	} {
		repo.SetDefaultBranch(t, step.defaultBranch)
		got, err := f.Resolve(testContext(t), repo.URL(), "HEAD", nil)
		if err != nil {
			t.Fatalf("Resolve(HEAD) with default branch %s: %v", step.defaultBranch, err)
		}
		if got != step.want {
			t.Errorf("Resolve(HEAD) with default branch %s = %s, want %s", step.defaultBranch, got, step.want)
		}
	}
}

func TestResolveErrors(t *testing.T) {
	srv := gittest.NewServer(t)
	repo := srv.NewRepo(t, "app")
	repo.Commit(t, map[string]string{"a": "1"}, "first")
	srv.NewRepo(t, "empty")
	missingDir := filepath.Join(t.TempDir(), "missing.git")

	tests := []struct {
		name     string
		url      string
		revision string
		kind     error
		message  string
	}{
		{name: "unknown branch", url: repo.URL(), revision: "nope", kind: git.ErrRevisionNotFound,
			message: fmt.Sprintf("revision %q not found in %s", "nope", repo.URL())},
		{name: "unknown ref", url: repo.URL(), revision: "refs/heads/nope", kind: git.ErrRevisionNotFound,
			message: fmt.Sprintf("revision %q not found in %s", "refs/heads/nope", repo.URL())},
		{name: "unknown full SHA", url: repo.URL(), revision: strings.Repeat("ab", 20), kind: git.ErrRevisionNotFound,
			message: fmt.Sprintf("revision %q not found in %s", strings.Repeat("ab", 20), repo.URL())},
		{name: "unknown short SHA", url: repo.URL(), revision: "0000000", kind: git.ErrRevisionNotFound,
			message: fmt.Sprintf("revision %q not found in %s", "0000000", repo.URL())},
		{name: "http repository not found", url: srv.URL("missing"), revision: "HEAD", kind: git.ErrRepositoryNotFound,
			message: fmt.Sprintf("repository %s not found", srv.URL("missing"))},
		{name: "file repository not found", url: "file://" + missingDir, revision: "HEAD", kind: git.ErrRepositoryNotFound,
			message: fmt.Sprintf("repository file://%s not found", missingDir)},
		{name: "path repository not found", url: missingDir, revision: "main", kind: git.ErrRepositoryNotFound,
			message: fmt.Sprintf("repository %s not found", missingDir)},
		{name: "empty repository", url: srv.URL("empty"), revision: "HEAD", kind: git.ErrEmptyRepository,
			message: fmt.Sprintf("repository %s is empty", srv.URL("empty"))},
		{name: "unreachable host", url: "http://127.0.0.1:1/app.git", revision: "HEAD",
			message: "list references of http://127.0.0.1:1/app.git: "},
		{name: "unsupported scheme", url: "ftp://example.com/app.git", revision: "HEAD",
			message: `repository URL ftp://example.com/app.git: unsupported scheme "ftp"`},
	}
	f := git.NewFetcher(t.TempDir())
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sha, err := f.Resolve(testContext(t), tt.url, tt.revision, nil)
			if err == nil {
				t.Fatalf("Resolve(%s, %q) = %s, want an error", tt.url, tt.revision, sha)
			}
			if tt.kind != nil && !errors.Is(err, tt.kind) {
				t.Errorf("error %q is not %v", err, tt.kind)
			}
			if !strings.Contains(err.Error(), tt.message) {
				t.Errorf("error %q does not contain %q", err, tt.message)
			}
		})
	}
}

// TestAuthentication checks that credentials work, that failures say
// authentication failed, and that no password reaches an error.
func TestAuthentication(t *testing.T) {
	const (
		user     = "flotilla"
		password = "correct-horse-battery-staple"
		wrong    = "wrong-password-9f8e7d"
	)
	srv := gittest.NewServer(t, gittest.WithBasicAuth(user, password))
	repo := srv.NewRepo(t, "private")
	sha := repo.Commit(t, map[string]string{"a": "1"}, "first")
	withUserinfo := func(pass string) string {
		return strings.Replace(repo.URL(), "http://", "http://"+user+":"+pass+"@", 1)
	}

	tests := []struct {
		name    string
		url     string
		auth    *git.Auth
		wantErr bool
	}{
		{name: "basic auth", url: repo.URL(), auth: &git.Auth{Username: user, Password: password}},
		{name: "credentials in URL", url: withUserinfo(password)},
		{name: "wrong password", url: repo.URL(), auth: &git.Auth{Username: user, Password: wrong}, wantErr: true},
		{name: "wrong password in URL", url: withUserinfo(wrong), wantErr: true},
		{name: "Auth wins over URL", url: withUserinfo(password), auth: &git.Auth{Username: user, Password: wrong}, wantErr: true},
		{name: "no credentials", url: repo.URL(), wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := git.NewFetcher(t.TempDir())
			revisions := []string{"main", sha, sha[:8]}
			for _, rev := range revisions {
				got, err := f.Resolve(testContext(t), tt.url, rev, tt.auth)
				if !tt.wantErr {
					if err != nil || got != sha {
						t.Fatalf("Resolve(%q) = %s, %v; want %s", rev, got, err, sha)
					}
					continue
				}
				if err == nil {
					t.Fatalf("Resolve(%q) succeeded with bad credentials", rev)
				}
				if !errors.Is(err, git.ErrAuthenticationFailed) || !strings.Contains(err.Error(), "authentication failed") {
					t.Errorf("Resolve(%q) error %q does not say authentication failed", rev, err)
				}
				for _, secret := range []string{password, wrong} {
					if strings.Contains(err.Error(), secret) || strings.Contains(fmt.Sprintf("%+v %#v", err, err), secret) {
						t.Errorf("Resolve(%q) error leaks a password: %q", rev, err)
					}
				}
			}
			_, _, err := f.Checkout(testContext(t), tt.url, "main", tt.auth)
			if (err != nil) != tt.wantErr {
				t.Fatalf("Checkout error = %v, want error %t", err, tt.wantErr)
			}
			if err != nil && (strings.Contains(err.Error(), password) || strings.Contains(err.Error(), wrong)) {
				t.Errorf("Checkout error leaks a password: %q", err)
			}
		})
	}

	auth := &git.Auth{Username: user, Password: password, SSHPrivateKey: []byte("KEY-MATERIAL")}
	for _, format := range []string{"%v", "%+v", "%#v", "%s"} {
		if s := fmt.Sprintf(format, auth); strings.Contains(s, password) || strings.Contains(s, "KEY-MATERIAL") {
			t.Errorf("fmt %s of Auth leaks a secret: %s", format, s)
		}
	}
}

func TestSSHAuthenticationFailure(t *testing.T) {
	srv := gittest.NewServer(t, gittest.WithSSH())
	srv.NewRepo(t, "app").Commit(t, map[string]string{"a": "1"}, "first")
	other := gittest.NewServer(t, gittest.WithSSH()) // a key the first server does not know

	tests := []struct {
		name string
		auth *git.Auth
		kind error
		text string
	}{
		{name: "unknown key", auth: &git.Auth{SSHPrivateKey: other.SSHPrivateKey(), Insecure: true},
			kind: git.ErrAuthenticationFailed, text: "authentication failed"},
		{name: "unknown host key", auth: &git.Auth{SSHPrivateKey: srv.SSHPrivateKey(), SSHKnownHosts: other.SSHKnownHosts()},
			text: "ssh host key verification failed for " + srv.SSHURL("app")},
		{name: "unparsable key", auth: &git.Auth{SSHPrivateKey: []byte("not-a-key-SECRET"), Insecure: true},
			text: "ssh private key for"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := git.NewFetcher(t.TempDir())
			_, err := f.Resolve(testContext(t), srv.SSHURL("app"), "main", tt.auth)
			if err == nil {
				t.Fatal("Resolve succeeded")
			}
			if tt.kind != nil && !errors.Is(err, tt.kind) {
				t.Errorf("error %q is not %v", err, tt.kind)
			}
			if !strings.Contains(err.Error(), tt.text) {
				t.Errorf("error %q does not contain %q", err, tt.text)
			}
			if strings.Contains(err.Error(), "PRIVATE KEY") || strings.Contains(err.Error(), "SECRET") {
				t.Errorf("error leaks key material: %q", err)
			}
		})
	}
}

// TestResolveFetchesOnlyWhenNeeded checks that a poll that finds a known
// commit lists references but does not fetch, and that a push is seen.
func TestResolveFetchesOnlyWhenNeeded(t *testing.T) {
	srv := gittest.NewServer(t)
	repo := srv.NewRepo(t, "app")
	first := repo.Commit(t, map[string]string{"a": "1"}, "first")
	f := git.NewFetcher(t.TempDir())
	ctx := testContext(t)

	resolve := func(rev, want string, wantFetches int) {
		t.Helper()
		got, err := f.Resolve(ctx, repo.URL(), rev, nil)
		if err != nil {
			t.Fatalf("Resolve(%q): %v", rev, err)
		}
		if got != want {
			t.Fatalf("Resolve(%q) = %s, want %s", rev, got, want)
		}
		if n := srv.Fetches(); n != wantFetches {
			t.Fatalf("after Resolve(%q) the server answered %d fetches, want %d", rev, n, wantFetches)
		}
	}
	resolve("main", first, 1)
	resolve("main", first, 1)
	resolve("HEAD", first, 1)
	resolve(first, first, 1)

	second := repo.Commit(t, map[string]string{"a": "2"}, "second")
	resolve("main", second, 2)
	resolve("main", second, 2)
	resolve(first, first, 2)
	resolve(second[:10], second, 2)

	// A tag on a cached commit needs no fetch either.
	repo.Tag(t, "v1")
	resolve("v1", second, 2)
}

// TestResolveCachedSHAOffline checks that a cached commit resolves without
// the remote, which also makes it survive the remote going away.
func TestResolveCachedSHAOffline(t *testing.T) {
	repo := gittest.NewLocalRepo(t)
	sha := repo.Commit(t, map[string]string{"a": "1"}, "first")
	f := git.NewFetcher(t.TempDir())
	if _, _, err := f.Checkout(testContext(t), repo.URL(), "main", nil); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(repo.BareDir()); err != nil {
		t.Fatal(err)
	}
	if got, err := f.Resolve(testContext(t), repo.URL(), sha, nil); err != nil || got != sha {
		t.Errorf("Resolve(cached SHA) = %s, %v; want %s", got, err, sha)
	}
	if _, got, err := git.NewFetcher(f.CacheDir()).Checkout(testContext(t), repo.URL(), sha, nil); err != nil || got != sha {
		t.Errorf("Checkout(cached SHA) by a new Fetcher = %s, %v; want %s", got, err, sha)
	}
	if _, err := f.Resolve(testContext(t), repo.URL(), "main", nil); !errors.Is(err, git.ErrRepositoryNotFound) {
		t.Errorf("Resolve(main) after the remote went away: %v, want repository not found", err)
	}
}

func TestCheckout(t *testing.T) {
	srv := gittest.NewServer(t)
	repo := srv.NewRepo(t, "app")
	repo.Commit(t, map[string]string{
		"README.md":          "hello\n",
		"app/deploy.yaml":    "kind: Deployment\n",
		"app/old/cm.yaml":    "kind: ConfigMap\n",
		"hack/run.sh":        "#!/bin/sh\n",
		"deep/a/b/c/d.yaml":  "d: 1\n",
		"app/values.yaml":    "",
		"spaces in name.txt": "x",
	}, "older")
	if err := os.Chmod(filepath.Join(repo.WorkDir(), "hack/run.sh"), 0o755); err != nil {
		t.Fatal(err)
	}
	repo.Commit(t, nil, "make run.sh executable")
	repo.Symlink(t, "../README.md", "app/readme-link", "add symlink")
	// A submodule entry (gitlink) whose commit is not in this repository; its
	// empty directory in the working clone marks it as not checked out.
	if err := os.MkdirAll(filepath.Join(repo.WorkDir(), "vendor/sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	repo.Git(t, "update-index", "--add", "--cacheinfo", "160000,"+strings.Repeat("1", 40)+",vendor/sub")
	older := repo.Commit(t, nil, "add submodule")
	if got := repo.Git(t, "ls-tree", older, "vendor/sub"); !strings.HasPrefix(got, "160000 commit") {
		t.Fatalf("submodule entry missing from %s: %q", older, got)
	}
	newer := repo.Remove(t, []string{"app/old"}, "remove old")
	newer = repo.Commit(t, map[string]string{"app/deploy.yaml": "kind: Deployment\nreplicas: 2\n"}, "scale")

	commonFiles := map[string]string{
		"README.md":          "hello\n",
		"hack/run.sh":        "#!/bin/sh\n",
		"deep/a/b/c/d.yaml":  "d: 1\n",
		"app/values.yaml":    "",
		"spaces in name.txt": "x",
		"app/readme-link":    "-> ../README.md",
	}
	wantOlder := merge(commonFiles, map[string]string{
		"app/deploy.yaml": "kind: Deployment\n",
		"app/old/cm.yaml": "kind: ConfigMap\n",
	})
	wantNewer := merge(commonFiles, map[string]string{
		"app/deploy.yaml": "kind: Deployment\nreplicas: 2\n",
	})

	f := git.NewFetcher(t.TempDir())
	tests := []struct {
		revision string
		sha      string
		want     map[string]string
	}{
		{revision: "main", sha: newer, want: wantNewer},
		{revision: older, sha: older, want: wantOlder},
		{revision: older[:9], sha: older, want: wantOlder},
		{revision: "HEAD", sha: newer, want: wantNewer},
		{revision: newer, sha: newer, want: wantNewer},
	}
	dirs := map[string]string{}
	for _, tt := range tests {
		dir, sha, err := f.Checkout(testContext(t), repo.URL(), tt.revision, nil)
		if err != nil {
			t.Fatalf("Checkout(%q): %v", tt.revision, err)
		}
		if sha != tt.sha {
			t.Errorf("Checkout(%q) sha = %s, want %s", tt.revision, sha, tt.sha)
		}
		if filepath.Base(dir) != sha {
			t.Errorf("Checkout(%q) dir = %s, want it named for %s", tt.revision, dir, sha)
		}
		if prev, ok := dirs[sha]; ok && prev != dir {
			t.Errorf("Checkout(%q) dir = %s, want the dir of the earlier checkout %s", tt.revision, dir, prev)
		}
		dirs[sha] = dir
		got := readTree(t, dir)
		if diff := diffTrees(got, tt.want); diff != "" {
			t.Errorf("Checkout(%q) tree differs:\n%s", tt.revision, diff)
		}
		if fi, err := os.Stat(filepath.Join(dir, "hack/run.sh")); err != nil || fi.Mode().Perm()&0o100 == 0 {
			t.Errorf("Checkout(%q): hack/run.sh not executable: %v %v", tt.revision, fi, err)
		}
		if fi, err := os.Stat(filepath.Join(dir, "README.md")); err != nil || fi.Mode().Perm()&0o222 != 0 {
			t.Errorf("Checkout(%q): README.md is writable: %v %v", tt.revision, fi, err)
		}
	}

	// A crash while writing leaves a temporary directory; the next checkout
	// of that commit clears it.
	treesRoot := filepath.Dir(dirs[newer])
	if err := os.RemoveAll(dirs[older]); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(treesRoot, ".tmp-"+older+"-crashed", "app"), 0o755); err != nil {
		t.Fatal(err)
	}
	dir, _, err := f.Checkout(testContext(t), repo.URL(), older, nil)
	if err != nil {
		t.Fatal(err)
	}
	if diff := diffTrees(readTree(t, dir), wantOlder); diff != "" {
		t.Errorf("tree rewritten after a crash differs:\n%s", diff)
	}

	// Nothing half-written is left next to the trees.
	entries, err := os.ReadDir(treesRoot)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			t.Errorf("temporary entry %s left in %s", e.Name(), treesRoot)
		}
	}
}

func TestCheckoutConcurrent(t *testing.T) {
	srv := gittest.NewServer(t)
	repo := srv.NewRepo(t, "app")
	first := repo.Commit(t, map[string]string{"a.yaml": "1", "dir/b.yaml": "b"}, "first")
	second := repo.Commit(t, map[string]string{"a.yaml": "2"}, "second")
	other := srv.NewRepo(t, "other")
	otherSHA := other.Commit(t, map[string]string{"o.yaml": "o"}, "other")

	f := git.NewFetcher(t.TempDir())
	ctx := testContext(t)
	type result struct {
		dir, sha, url string
		err           error
	}
	const workers = 8
	results := make([]result, workers*2)
	var wg sync.WaitGroup
	for i := range workers {
		for j, url := range []string{repo.URL(), other.URL()} {
			wg.Go(func() {
				rev := "main"
				if url == repo.URL() && i%2 == 1 {
					rev = first[:8]
				}
				dir, sha, err := f.Checkout(ctx, url, rev, nil)
				results[i*2+j] = result{dir: dir, sha: sha, url: url, err: err}
			})
		}
	}
	wg.Wait()

	want := map[string]map[string]string{
		second:   {"a.yaml": "2", "dir/b.yaml": "b"},
		first:    {"a.yaml": "1", "dir/b.yaml": "b"},
		otherSHA: {"o.yaml": "o"},
	}
	dirs := map[string]string{}
	for i, r := range results {
		if r.err != nil {
			t.Fatalf("worker %d: %v", i, r.err)
		}
		files, ok := want[r.sha]
		if !ok {
			t.Fatalf("worker %d got unexpected sha %s", i, r.sha)
		}
		if prev, ok := dirs[r.sha]; ok && prev != r.dir {
			t.Errorf("sha %s checked out in two dirs: %s and %s", r.sha, prev, r.dir)
		}
		dirs[r.sha] = r.dir
		if diff := diffTrees(readTree(t, r.dir), files); diff != "" {
			t.Errorf("worker %d tree differs:\n%s", i, diff)
		}
	}
}

func TestCheckoutCanceled(t *testing.T) {
	repo := gittest.NewLocalRepo(t)
	repo.Commit(t, map[string]string{"a": "1"}, "first")
	f := git.NewFetcher(t.TempDir())
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, _, err := f.Checkout(ctx, repo.URL(), "main", nil)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Checkout with a canceled context: %v, want context.Canceled", err)
	}
}

// readTree maps each file under dir to its content, and each symlink to
// "-> target".
func readTree(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		if d.Type()&fs.ModeSymlink != 0 {
			target, err := os.Readlink(path)
			files[filepath.ToSlash(rel)] = "-> " + target
			return err
		}
		data, err := os.ReadFile(path)
		files[filepath.ToSlash(rel)] = string(data)
		return err
	})
	if err != nil {
		t.Fatalf("read tree %s: %v", dir, err)
	}
	return files
}

func diffTrees(got, want map[string]string) string {
	var b strings.Builder
	for name, w := range want {
		g, ok := got[name]
		switch {
		case !ok:
			fmt.Fprintf(&b, "missing %s\n", name)
		case g != w:
			fmt.Fprintf(&b, "%s = %q, want %q\n", name, g, w)
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			fmt.Fprintf(&b, "unexpected %s\n", name)
		}
	}
	return b.String()
}

func merge(maps ...map[string]string) map[string]string {
	out := map[string]string{}
	for _, m := range maps {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

// TestResolveRewrittenHistory follows force-pushes and deleted branches.
func TestResolveRewrittenHistory(t *testing.T) {
	repo := gittest.NewLocalRepo(t)
	base := repo.Commit(t, map[string]string{"a": "1"}, "base")
	repo.Branch(t, "topic")
	dropped := repo.Commit(t, map[string]string{"a": "2"}, "dropped")
	f := git.NewFetcher(t.TempDir())
	ctx := testContext(t)
	if got, err := f.Resolve(ctx, repo.URL(), "topic", nil); err != nil || got != dropped {
		t.Fatalf("Resolve(topic) = %s, %v; want %s", got, err, dropped)
	}

	repo.Git(t, "reset", "-q", "--hard", base)
	repo.Git(t, "commit", "-q", "--allow-empty", "-m", "rewritten")
	repo.Git(t, "push", "-q", "--force", "origin", "topic")
	rewritten := repo.Head(t)
	if got, err := f.Resolve(ctx, repo.URL(), "topic", nil); err != nil || got != rewritten {
		t.Fatalf("Resolve(topic) after a force-push = %s, %v; want %s", got, err, rewritten)
	}
	// The dropped commit stays resolvable by SHA from the cache.
	if got, err := f.Resolve(ctx, repo.URL(), dropped, nil); err != nil || got != dropped {
		t.Errorf("Resolve(dropped SHA) = %s, %v; want %s", got, err, dropped)
	}

	repo.Checkout(t, "main")
	repo.Git(t, "push", "-q", "origin", "--delete", "topic")
	if _, err := f.Resolve(ctx, repo.URL(), "topic", nil); !errors.Is(err, git.ErrRevisionNotFound) {
		t.Errorf("Resolve(deleted branch) error = %v, want revision not found", err)
	}
}
