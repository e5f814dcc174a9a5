// Package giteatest runs a real Gitea server for tests: the binary
// hack/build-gitea.sh builds from Gitea's Go module into the cache folder,
// on 127.0.0.1 with a SQLite database in a temporary directory, an admin
// user and an API token. Helpers create repositories, files, branches,
// pull requests and webhooks through Gitea's REST API.
//
//	g := giteatest.Start(t)
//	repo := g.CreateRepo(t, "app")
//	g.PutFile(t, repo, "main", "deploy/cm.yaml", yaml)
package giteatest

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// ErrNotBuilt is wrapped by Start's failure when the Gitea binary is missing.
var ErrNotBuilt = errors.New("gitea binary not found: run hack/build-gitea.sh")

// Admin is the user the server is set up with; it owns what the helpers create.
const Admin = "flotilla"

// Server is a running Gitea.
type Server struct {
	// URL is the server's root, http://127.0.0.1:<port> (no slash at the end).
	URL string
	// Token is the admin's API token with every scope.
	Token string
	dir   string
}

// Start builds nothing: it finds the binary, writes app.ini, migrates the
// database, creates the admin and its token, starts `gitea web` and waits
// for its API. The server stops when the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	root, err := findRoot()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	port := freePort(t)
	s := &Server{URL: fmt.Sprintf("http://127.0.0.1:%d", port), dir: dir}
	ini := filepath.Join(dir, "app.ini")
	if err := os.WriteFile(ini, []byte(appINI(dir, filepath.Join(root, "src"), port)), 0o600); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(root, "bin", "gitea")
	s.run(t, bin, "migrate")
	s.run(t, bin, "admin", "user", "create", "--admin", "--username", Admin, "--password", "flotilla-test-1",
		"--email", "flotilla@example.com", "--must-change-password=false")
	s.Token = strings.TrimSpace(s.run(t, bin, "admin", "user", "generate-access-token", "--username", Admin,
		"--token-name", "test", "--scopes", "all", "--raw"))
	s.serve(t, bin)
	return s
}

// run runs a gitea subcommand against the server's config and returns stdout.
func (s *Server) run(t testing.TB, bin string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, append(args, "--config", filepath.Join(s.dir, "app.ini"), "--work-path", s.dir)...)
	cmd.Env = s.env()
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		t.Fatalf("gitea %s: %v\n%s%s", strings.Join(args, " "), err, out.String(), errOut.String())
	}
	return out.String()
}

// serve starts `gitea web` and waits for /api/v1/version.
func (s *Server) serve(t testing.TB, bin string) {
	t.Helper()
	logFile, err := os.Create(filepath.Join(s.dir, "gitea.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "web", "--config", filepath.Join(s.dir, "app.ini"), "--work-path", s.dir)
	cmd.Env = s.env()
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatalf("start gitea: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
		_ = logFile.Close()
	})
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			log, _ := os.ReadFile(filepath.Join(s.dir, "gitea.log"))
			t.Fatalf("gitea web exited: %v\n%s", err, log)
		default:
		}
		if resp, err := http.Get(s.URL + "/api/v1/version"); err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	log, _ := os.ReadFile(filepath.Join(s.dir, "gitea.log"))
	t.Fatalf("gitea did not answer within 60s:\n%s", log)
}

// env is the subcommands' environment: HOME in the temporary directory,
// and root allowed (CI containers run as root).
func (s *Server) env() []string {
	return append(os.Environ(), "HOME="+s.dir, "GITEA_WORK_DIR="+s.dir, "GITEA_I_AM_BEING_UNSAFE_RUNNING_AS_ROOT=true")
}

// appINI is a minimal configuration: loopback only, SQLite, no SSH, no
// mail, webhooks allowed to loopback addresses.
func appINI(dir, static string, port int) string {
	return fmt.Sprintf(`APP_NAME = flotilla test
RUN_MODE = prod
WORK_PATH = %[1]s

[server]
PROTOCOL = http
HTTP_ADDR = 127.0.0.1
HTTP_PORT = %[3]d
ROOT_URL = http://127.0.0.1:%[3]d/
DISABLE_SSH = true
START_SSH_SERVER = false
OFFLINE_MODE = true
LFS_START_SERVER = false
STATIC_ROOT_PATH = %[2]s
APP_DATA_PATH = %[1]s/data

[database]
DB_TYPE = sqlite3
PATH = %[1]s/gitea.db
SQLITE_JOURNAL_MODE = WAL

[repository]
ROOT = %[1]s/repos
DEFAULT_BRANCH = main

[security]
INSTALL_LOCK = true
SECRET_KEY = flotilla-test-secret-key
INTERNAL_TOKEN = eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJuYmYiOjE3MDAwMDAwMDB9.flotilla-test-internal-token-0000000000000

[oauth2]
ENABLED = false

[service]
DISABLE_REGISTRATION = true
REQUIRE_SIGNIN_VIEW = false

[webhook]
ALLOWED_HOST_LIST = loopback
DELIVER_TIMEOUT = 10

[mailer]
ENABLED = false

[actions]
ENABLED = false

[indexer]
ISSUE_INDEXER_TYPE = db
REPO_INDEXER_ENABLED = false

[log]
MODE = console
LEVEL = Warn
ROOT_PATH = %[1]s/log
`, dir, static, port)
}

// findRoot is the cache folder holding bin/gitea and src/: under
// $FLOTILLA_CACHE_DIR, else the repository's .cache.
func findRoot() (string, error) {
	var dirs []string
	if cache := os.Getenv("FLOTILLA_CACHE_DIR"); cache != "" {
		dirs = append(dirs, filepath.Join(cache, "gitea"))
	}
	if wd, err := os.Getwd(); err == nil {
		for dir := wd; ; dir = filepath.Dir(dir) {
			if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
				dirs = append(dirs, filepath.Join(dir, ".cache", "gitea"))
			}
			if filepath.Dir(dir) == dir {
				break
			}
		}
	}
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "bin", "gitea")); err == nil {
			return d, nil
		}
	}
	return "", fmt.Errorf("%w (looked in %s)", ErrNotBuilt, strings.Join(dirs, ", "))
}

// freePort asks the kernel for a free port on 127.0.0.1.
func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// API calls Gitea's REST API as the admin: method, path under /api/v1,
// a JSON body (or nil), and out to decode the answer into (or nil). A
// status other than want fails the test.
func (s *Server) API(t testing.TB, method, path string, body, out any, want int) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, s.URL+"/api/v1"+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "token "+s.Token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("%s %s: %d (want %d): %s", method, path, resp.StatusCode, want, data)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("%s %s: decode: %v: %s", method, path, err, data)
		}
	}
}

// CreateRepo creates a public repository of the admin with a main
// branch and returns its full name, owner/name, which the other helpers take.
func (s *Server) CreateRepo(t testing.TB, name string) string {
	t.Helper()
	s.API(t, http.MethodPost, "/user/repos", repoBody(name), nil, http.StatusCreated)
	return Admin + "/" + name
}

// CreateOrgRepo creates the organisation when it does not exist yet and a
// repository in it, and returns the repository's full name.
func (s *Server) CreateOrgRepo(t testing.TB, org, name string) string {
	t.Helper()
	if s.status(t, "/orgs/"+org) != http.StatusOK {
		s.API(t, http.MethodPost, "/orgs", map[string]any{"username": org, "visibility": "public"}, nil, http.StatusCreated)
	}
	s.API(t, http.MethodPost, "/orgs/"+org+"/repos", repoBody(name), nil, http.StatusCreated)
	return org + "/" + name
}

// CreatePrivateRepo creates a private repository of the admin.
func (s *Server) CreatePrivateRepo(t testing.TB, name string) string {
	t.Helper()
	body := repoBody(name)
	body["private"] = true
	s.API(t, http.MethodPost, "/user/repos", body, nil, http.StatusCreated)
	return Admin + "/" + name
}

func repoBody(name string) map[string]any {
	return map[string]any{"name": name, "auto_init": true, "default_branch": "main", "readme": "Default"}
}

// CloneURL is the repository's anonymous HTTP clone URL.
func (s *Server) CloneURL(repo string) string {
	return s.URL + "/" + repo + ".git"
}

// PutFile writes a file on branch (creating the branch from main when
// it does not exist yet) and returns the new commit's SHA.
func (s *Server) PutFile(t testing.TB, repo, branch, path, content string) string {
	t.Helper()
	body := map[string]any{"content": base64.StdEncoding.EncodeToString([]byte(content)), "message": "update " + path, "branch": branch}
	from := branch
	if s.status(t, "/repos/"+repo+"/branches/"+branch) != http.StatusOK {
		body["branch"], body["new_branch"], from = "main", branch, "main"
	}
	method, want := http.MethodPost, http.StatusCreated
	if s.status(t, "/repos/"+repo+"/contents/"+path+"?ref="+from) == http.StatusOK {
		var existing struct {
			SHA string `json:"sha"`
		}
		s.API(t, http.MethodGet, "/repos/"+repo+"/contents/"+path+"?ref="+from, nil, &existing, http.StatusOK)
		body["sha"] = existing.SHA
		method, want = http.MethodPut, http.StatusOK
	}
	var out struct {
		Commit struct {
			SHA string `json:"sha"`
		} `json:"commit"`
	}
	s.API(t, method, "/repos/"+repo+"/contents/"+path, body, &out, want)
	return out.Commit.SHA
}

// status is the status code of a GET.
func (s *Server) status(t testing.TB, path string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, s.URL+"/api/v1"+path, nil)
	req.Header.Set("Authorization", "token "+s.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	_ = resp.Body.Close()
	return resp.StatusCode
}

// OpenPR opens a pull request from head into base and returns its number.
func (s *Server) OpenPR(t testing.TB, repo, head, base, title string, labels ...int64) int64 {
	t.Helper()
	var out struct {
		Number int64 `json:"number"`
	}
	body := map[string]any{"head": head, "base": base, "title": title}
	if len(labels) > 0 {
		body["labels"] = labels
	}
	s.API(t, http.MethodPost, "/repos/"+repo+"/pulls", body, &out, http.StatusCreated)
	return out.Number
}

// ClosePR closes a pull request without merging it.
func (s *Server) ClosePR(t testing.TB, repo string, number int64) {
	t.Helper()
	s.API(t, http.MethodPatch, fmt.Sprintf("/repos/%s/pulls/%d", repo, number), map[string]any{"state": "closed"}, nil, http.StatusCreated)
}

// AddWebhook posts the repository's pull-request and push events to url.
func (s *Server) AddWebhook(t testing.TB, repo, url, secret string) {
	t.Helper()
	s.API(t, http.MethodPost, "/repos/"+repo+"/hooks", map[string]any{
		"type": "gitea", "active": true, "events": []string{"pull_request", "pull_request_sync", "push"},
		"config": map[string]string{"url": url, "content_type": "json", "secret": secret},
	}, nil, http.StatusCreated)
}

// CommitStatus is one status on a commit.
type CommitStatus struct {
	State       string `json:"status"`
	Context     string `json:"context"`
	Description string `json:"description"`
	TargetURL   string `json:"target_url"`
}

// Statuses lists a commit's statuses, newest first.
func (s *Server) Statuses(t testing.TB, repo, sha string) []CommitStatus {
	t.Helper()
	var out []CommitStatus
	s.API(t, http.MethodGet, "/repos/"+repo+"/commits/"+sha+"/statuses", nil, &out, http.StatusOK)
	return out
}
