package scm

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/golang-jwt/jwt/v5"
)

const helloSHA = "6dcb09b5b57875f334f61aebed695e2e4193db5e"

// newGitHubTest starts a forge and a GitHub provider on it, as a GitHub
// Enterprise server given without /api/v3; the provider's waits are
// recorded, not slept.
func newGitHubTest(t *testing.T, o GitHubOptions) (*forge, *github, *waitLog) {
	t.Helper()
	f := newForge(t)
	s := &waitLog{}
	if o.API == "" && o.App == nil {
		o.API = f.URL
	}
	o.Sleep = s.sleep
	g, err := NewGitHub(o)
	if err != nil {
		t.Fatal(err)
	}
	return f, g, s
}

// waitLog records the waits a Client asks for.
type waitLog struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *waitLog) sleep(_ context.Context, d time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.d = append(s.d, d)
	return nil
}

func (s *waitLog) waits() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.d...)
}

// answerOnceThen answers first with first, then with then.
func answerOnceThen(first, then http.HandlerFunc) http.HandlerFunc {
	var n atomic.Int32
	return func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			first(w, r)
			return
		}
		then(w, r)
	}
}

func TestGitHubBaseURL(t *testing.T) {
	for api, want := range map[string]string{
		"":                                     "https://api.github.com",
		"https://ghe.example.com":              "https://ghe.example.com/api/v3/",
		"https://ghe.example.com/":             "https://ghe.example.com/api/v3/",
		"https://ghe.example.com/api/v3":       "https://ghe.example.com/api/v3/",
		"https://ghe.example.com/api/v3/":      "https://ghe.example.com/api/v3/",
		"https://ghe.example.com/github":       "https://ghe.example.com/github/api/v3/",
		"https://api.github.com":               "https://api.github.com/",
		"https://api.octocorp.ghe.com":         "https://api.octocorp.ghe.com/",
		"https://github.api.corp.example:8443": "https://github.api.corp.example:8443/",
	} {
		got, err := githubBaseURL(api)
		if err != nil || got != want {
			t.Errorf("githubBaseURL(%q) = %q, %v; want %q", api, got, err, want)
		}
	}
}

func TestGitHubListPullRequests(t *testing.T) {
	all := []int64{1347, 1348, 1350}
	for _, tc := range []struct {
		name   string
		labels []string
		want   []int64
	}{
		{"no labels", nil, all},
		{"one label", []string{"bug"}, all},
		{"all labels must match", []string{"preview", "bug"}, []int64{1347, 1350}},
		{"a label no pull request has", []string{"bug", "wontfix"}, []int64{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, g, _ := newGitHubTest(t, GitHubOptions{Token: "ghp_secret", Owner: "octocat", Repo: "Hello-World", Labels: tc.labels})
			next := f.URL + "/api/v3/repositories/1296269/pulls?state=open&per_page=100&page=2"
			f.handle("GET /api/v3/repos/octocat/Hello-World/pulls", serve(200, fixture(t, "github/pulls-page1.json"),
				"Link", `<`+next+`>; rel="next", <`+next+`>; rel="last"`))
			f.handle("GET /api/v3/repositories/1296269/pulls", serve(200, fixture(t, "github/pulls-page2.json"),
				"Link", `<`+f.URL+`/api/v3/repositories/1296269/pulls?state=open&per_page=100&page=1>; rel="prev"`))

			prs, err := g.List(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			got := []int64{}
			for _, pr := range prs {
				got = append(got, pr.Number)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("pull requests %v, want %v", got, tc.want)
			}
			seen := f.seen()
			if len(seen) != 2 {
				t.Fatalf("%d requests, want 2 (two pages): %+v", len(seen), seen)
			}
			if seen[0].RawQuery != "per_page=100&state=open" {
				t.Errorf("first page query %q", seen[0].RawQuery)
			}
			if seen[1].Path != "/api/v3/repositories/1296269/pulls" || seen[1].RawQuery != "state=open&per_page=100&page=2" {
				t.Errorf("second request %s?%s did not follow the next link", seen[1].Path, seen[1].RawQuery)
			}
		})
	}
}

func TestGitHubPullRequestParameters(t *testing.T) {
	f, g, _ := newGitHubTest(t, GitHubOptions{Owner: "octocat", Repo: "Hello-World"})
	f.handle("GET /api/v3/repos/octocat/Hello-World/pulls", serve(200, fixture(t, "github/pulls-page1.json")))
	prs, err := g.List(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	want := []*PullRequest{
		{Number: 1347, Title: "Amazing new feature", Branch: "new-topic", TargetBranch: "master",
			HeadSHA: helloSHA, Labels: []string{"bug", "preview"}, Author: "octocat"},
		{Number: 1348, Title: "Fix the README", Branch: "readme-typos", TargetBranch: "master",
			HeadSHA: "553c2077f0edc3d5dc5d17262f6aa498e69d6f8e", Labels: []string{"bug"}, Author: "hubot"},
	}
	if !reflect.DeepEqual(prs, want) {
		t.Errorf("pull requests:\n%s\nwant\n%s", indentJSON(prs), indentJSON(want))
	}
}

func TestGitHubHeaders(t *testing.T) {
	for _, tc := range []struct{ token, want string }{
		{"ghp_secret", "Bearer ghp_secret"},
		{"", ""},
	} {
		f, g, _ := newGitHubTest(t, GitHubOptions{Token: tc.token, Owner: "octocat", Repo: "Hello-World"})
		f.handle("GET /api/v3/repos/octocat/Hello-World/pulls", serve(200, []byte("[]")))
		if _, err := g.List(t.Context()); err != nil {
			t.Fatal(err)
		}
		h := f.seen()[0].Header
		if got := h.Get("Authorization"); got != tc.want {
			t.Errorf("token %q: Authorization %q, want %q", tc.token, got, tc.want)
		}
		if h.Get("Accept") != "application/vnd.github+json" || h.Get("X-GitHub-Api-Version") != "2022-11-28" {
			t.Errorf("Accept %q, X-GitHub-Api-Version %q", h.Get("Accept"), h.Get("X-GitHub-Api-Version"))
		}
	}
}

func TestGitHubErrors(t *testing.T) {
	for _, tc := range []struct {
		name     string
		status   int
		body     string
		notFound bool
		message  string
	}{
		{"repository not found", 404, "github/not-found.json", true, "Not Found"},
		{"bad credentials", 401, "github/bad-credentials.json", false, "Bad credentials"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, g, _ := newGitHubTest(t, GitHubOptions{Token: "expired", Owner: "octocat", Repo: "Hello-World"})
			f.handle("GET /api/v3/repos/octocat/Hello-World/pulls", serve(tc.status, fixture(t, tc.body)))
			_, err := g.List(t.Context())
			if err == nil {
				t.Fatal("no error")
			}
			if IsNotFound(err) != tc.notFound {
				t.Errorf("IsNotFound(%v) = %v", err, !tc.notFound)
			}
			if !strings.Contains(err.Error(), tc.message) || !strings.Contains(err.Error(), strconv.Itoa(tc.status)) {
				t.Errorf("error %q does not carry %d and %q", err, tc.status, tc.message)
			}
		})
	}
}

func TestGitHubRateLimitWaitsForReset(t *testing.T) {
	f, g, s := newGitHubTest(t, GitHubOptions{Token: "ghp_secret", Owner: "octocat", Repo: "Hello-World"})
	reset := strconv.FormatInt(time.Now().Add(30*time.Second).Unix(), 10)
	f.handle("GET /api/v3/repos/octocat/Hello-World/pulls", answerOnceThen(
		serve(403, fixture(t, "github/rate-limited.json"), "X-RateLimit-Limit", "5000", "X-RateLimit-Remaining", "0", "X-RateLimit-Reset", reset),
		serve(200, fixture(t, "github/pulls-page1.json"), "X-RateLimit-Remaining", "4999")))
	prs, err := g.List(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(prs) != 2 || len(f.seen()) != 2 {
		t.Errorf("%d pull requests after %d requests, want 2 after a retry", len(prs), len(f.seen()))
	}
	if w := s.waits(); len(w) != 1 || w[0] < 25*time.Second || w[0] > 31*time.Second {
		t.Errorf("waits %v, want one of about 30s (to X-RateLimit-Reset)", w)
	}
}

func TestGitHubListRepos(t *testing.T) {
	ssh := []string{"git@github.com:octocat/Hello-World.git", "git@github.com:octocat/Spoon-Knife.git"}
	for _, tc := range []struct {
		name, protocol  string
		excludeArchived bool
		urls            []string
		err             bool
	}{
		{"default protocol is ssh", "", false, ssh, false},
		{"ssh", "ssh", false, ssh, false},
		{"https", "https", false, []string{"https://github.com/octocat/Hello-World.git", "https://github.com/octocat/Spoon-Knife.git"}, false},
		{"archived left out", "ssh", true, ssh[:1], false},
		{"unknown protocol", "svn", false, nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, g, _ := newGitHubTest(t, GitHubOptions{Owner: "octocat", ExcludeArchived: tc.excludeArchived})
			f.handle("GET /api/v3/orgs/octocat/repos", serve(200, fixture(t, "github/repos.json")))
			repos, err := g.ListRepos(t.Context(), tc.protocol)
			if tc.err {
				if err == nil || !strings.Contains(err.Error(), tc.protocol) {
					t.Errorf("error %v, want one naming %q", err, tc.protocol)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var urls []string
			for _, r := range repos {
				urls = append(urls, r.URL)
			}
			if !reflect.DeepEqual(urls, tc.urls) {
				t.Errorf("urls %v, want %v", urls, tc.urls)
			}
			want := &Repository{Organization: "octocat", Repository: "Hello-World", Branch: "master", URL: tc.urls[0],
				Labels: []string{"octocat", "atom", "electron", "api"}, RepositoryID: int64(1296269)}
			if !reflect.DeepEqual(repos[0], want) {
				t.Errorf("repository %+v, want %+v", repos[0], want)
			}
			if q := f.seen()[0].RawQuery; q != "per_page=100" {
				t.Errorf("query %q", q)
			}
		})
	}
}

func TestGitHubGetBranches(t *testing.T) {
	repo := &Repository{Organization: "octocat", Repository: "Hello-World", Branch: "master", URL: "git@github.com:octocat/Hello-World.git", RepositoryID: int64(1296269)}
	for _, tc := range []struct {
		name     string
		all      bool
		pattern  string
		answer   http.HandlerFunc
		branches map[string]string
	}{
		{"default branch", false, "GET /api/v3/repos/octocat/Hello-World/branches/master",
			serve(200, fixture(t, "github/branch.json")), map[string]string{"master": "7fd1a60b01f91b314f59955a4e4d4e80d8edf11d"}},
		{"empty repository", false, "GET /api/v3/repos/octocat/Hello-World/branches/master",
			serve(404, []byte(`{"message":"Branch not found","documentation_url":"https://docs.github.com/rest/branches/branches#get-a-branch","status":"404"}`)), map[string]string{}},
		{"all branches", true, "GET /api/v3/repos/octocat/Hello-World/branches",
			serve(200, fixture(t, "github/branches.json")), map[string]string{
				"master": "7fd1a60b01f91b314f59955a4e4d4e80d8edf11d", "octocat-patch-1": "b1b3f9723831141a31a1a7252a213e216ea76e56"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, g, _ := newGitHubTest(t, GitHubOptions{Owner: "octocat", AllBranches: tc.all})
			f.handle(tc.pattern, tc.answer)
			got, err := g.GetBranches(t.Context(), repo)
			if err != nil {
				t.Fatal(err)
			}
			branches := map[string]string{}
			for _, b := range got {
				branches[b.Branch] = b.SHA
				if b.URL != repo.URL || b.RepositoryID != repo.RepositoryID {
					t.Errorf("branch %s lost the repository's fields: %+v", b.Branch, b)
				}
			}
			if !reflect.DeepEqual(branches, tc.branches) {
				t.Errorf("branches %v, want %v", branches, tc.branches)
			}
			if tc.all && f.seen()[0].RawQuery != "per_page=100" {
				t.Errorf("query %q", f.seen()[0].RawQuery)
			}
		})
	}
}

func TestGitHubRepoHasPath(t *testing.T) {
	repo := &Repository{Organization: "octocat", Repository: "Hello-World", Branch: "release/1.x"}
	for _, tc := range []struct {
		name, path string
		status     int
		want, err  bool
	}{
		{"file", "README", 200, true, false},
		{"directory with a space", "deploy/my app", 200, true, false},
		{"missing", "notathing", 404, false, false},
		{"other error", "README", 401, false, true},
		{"parent directory", "../secrets", 200, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, g, _ := newGitHubTest(t, GitHubOptions{Owner: "octocat"})
			f.handle("GET /api/v3/repos/octocat/Hello-World/contents/{path...}", func(w http.ResponseWriter, r *http.Request) {
				if p := r.PathValue("path"); p != tc.path {
					t.Errorf("asked for path %q, want %q", p, tc.path)
				}
				if ref := r.URL.Query().Get("ref"); ref != repo.Branch {
					t.Errorf("ref %q, want %q", ref, repo.Branch)
				}
				body := fixture(t, "github/contents.json")
				if tc.status != 200 {
					body = fixture(t, "github/not-found.json")
				}
				serve(tc.status, body)(w, r)
			})
			has, err := g.RepoHasPath(t.Context(), repo, tc.path)
			if (err != nil) != tc.err || has != tc.want {
				t.Errorf("RepoHasPath(%q) = %v, %v; want %v, error %v", tc.path, has, err, tc.want, tc.err)
			}
		})
	}
}

func TestGitHubSetStatus(t *testing.T) {
	long := strings.Repeat("é", 150)
	for _, tc := range []struct {
		name, description, want string
	}{
		{"short description", "Synced to 6dcb09b", "Synced to 6dcb09b"},
		{"description cut to 140 characters", long, strings.Repeat("é", 139) + "…"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, g, _ := newGitHubTest(t, GitHubOptions{Token: "ghp_secret"})
			f.handle("POST /api/v3/repos/octocat/Hello-World/statuses/{sha}", serve(201, fixture(t, "github/status.json")))
			err := g.SetStatus(t.Context(), Status{Repo: "octocat/Hello-World", SHA: helloSHA, State: StateFailure,
				Context: "flotilla/guestbook", Description: tc.description, TargetURL: "https://flotilla.example.com/applications/guestbook"})
			if err != nil {
				t.Fatal(err)
			}
			req := f.seen()[0]
			if req.Path != "/api/v3/repos/octocat/Hello-World/statuses/"+helloSHA || req.Header.Get("Authorization") != "Bearer ghp_secret" {
				t.Errorf("request %s %s with %q", req.Method, req.Path, req.Header.Get("Authorization"))
			}
			var body map[string]string
			if err := json.Unmarshal(req.Body, &body); err != nil {
				t.Fatal(err)
			}
			want := map[string]string{"state": "failure", "context": "flotilla/guestbook", "description": tc.want,
				"target_url": "https://flotilla.example.com/applications/guestbook"}
			if !reflect.DeepEqual(body, want) {
				t.Errorf("body %v, want %v", body, want)
			}
			if n := utf8.RuneCountInString(body["description"]); n > 140 {
				t.Errorf("description of %d characters", n)
			}
		})
	}
}

// githubAppKey is an RSA key and its PEM.
func githubAppKey(t *testing.T) (*rsa.PrivateKey, []byte) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return key, pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
}

// accessTokens answers access token requests with the documented token,
// expiring in an hour, after checking the App's JWT against the
// provider's clock now.
func accessTokens(t *testing.T, key *rsa.PrivateKey, appID string, minted *atomic.Int32, now func() time.Time) http.HandlerFunc {
	body := bytes.Replace(fixture(t, "github/access-token.json"), []byte("2016-07-11T22:14:10Z"),
		[]byte(time.Now().Add(time.Hour).UTC().Format(time.RFC3339)), 1)
	return func(w http.ResponseWriter, r *http.Request) {
		checkAppJWT(t, r, key, appID, now())
		minted.Add(1)
		serve(201, body)(w, r)
	}
}

// checkAppJWT verifies the request's JWT with the App's public key, and
// its times against now.
func checkAppJWT(t *testing.T, r *http.Request, key *rsa.PrivateKey, appID string, now time.Time) {
	signed, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		t.Errorf("app request without a bearer JWT: %q", r.Header.Get("Authorization"))
		return
	}
	claims := &jwt.RegisteredClaims{}
	_, err := jwt.ParseWithClaims(signed, claims, func(*jwt.Token) (any, error) { return &key.PublicKey, nil },
		jwt.WithValidMethods([]string{"RS256"}), jwt.WithIssuer(appID), jwt.WithExpirationRequired())
	if err != nil {
		t.Errorf("app JWT: %v", err)
		return
	}
	if iat := claims.IssuedAt.Time; iat.After(now.Add(-50*time.Second)) || iat.Before(now.Add(-70*time.Second)) {
		t.Errorf("JWT issued at %v, want a minute before %v", iat, now)
	}
	if exp := claims.ExpiresAt.Time; exp.Before(now.Add(8*time.Minute)) || exp.After(now.Add(10*time.Minute)) {
		t.Errorf("JWT expires at %v, want in nine minutes", exp)
	}
}

func TestGitHubAppInstallationToken(t *testing.T) {
	key, keyPEM := githubAppKey(t)
	f := newForge(t)
	var (
		minted atomic.Int32
		skew   atomic.Int64
	)
	clock := func() time.Time { return time.Now().Add(time.Duration(skew.Load())) }
	f.handle("POST /api/v3/app/installations/42/access_tokens", accessTokens(t, key, "7", &minted, clock))
	f.handle("GET /api/v3/repos/octocat/Hello-World/pulls", serve(200, fixture(t, "github/pulls-page1.json")))
	// No api: the App's Enterprise base URL is the API.
	g, err := NewGitHub(GitHubOptions{Owner: "octocat", Repo: "Hello-World",
		App: &GitHubApp{AppID: 7, InstallationID: 42, PrivateKey: keyPEM, EnterpriseBaseURL: f.URL}})
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := g.List(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	if minted.Load() != 1 {
		t.Errorf("%d tokens minted for two calls, want 1 (cached)", minted.Load())
	}
	for _, req := range f.seen() {
		if req.Method == http.MethodGet && req.Header.Get("Authorization") != "Bearer ghs_16C7e42F292c6912E7710c838347Ae178B4a" {
			t.Errorf("%s %s sent %q, not the installation token", req.Method, req.Path, req.Header.Get("Authorization"))
		}
	}

	// A minute before it expires, the token is minted again.
	skew.Store(int64(59*time.Minute + time.Second))
	g.app.now = clock
	if _, err := g.List(t.Context()); err != nil {
		t.Fatal(err)
	}
	if minted.Load() != 2 {
		t.Errorf("%d tokens minted, want a refresh near expiry", minted.Load())
	}
}

func TestGitHubAppFindsInstallation(t *testing.T) {
	key, keyPEM := githubAppKey(t)
	f := newForge(t)
	var minted atomic.Int32
	f.handle("GET /api/v3/app/installations", func(w http.ResponseWriter, r *http.Request) {
		checkAppJWT(t, r, key, "7", time.Now())
		serve(200, fixture(t, "github/installations.json"))(w, r)
	})
	f.handle("POST /api/v3/app/installations/1/access_tokens", accessTokens(t, key, "7", &minted, time.Now))
	f.handle("GET /api/v3/orgs/OctoCat/repos", serve(200, fixture(t, "github/repos.json")))
	g, err := NewGitHub(GitHubOptions{API: f.URL + "/api/v3", Owner: "OctoCat", App: &GitHubApp{AppID: 7, PrivateKey: keyPEM}})
	if err != nil {
		t.Fatal(err)
	}
	repos, err := g.ListRepos(t.Context(), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(repos) != 2 || minted.Load() != 1 {
		t.Errorf("%d repositories with %d tokens", len(repos), minted.Load())
	}
	last := f.seen()[len(f.seen())-1]
	if last.Header.Get("Authorization") != "Bearer ghs_16C7e42F292c6912E7710c838347Ae178B4a" {
		t.Errorf("repos listed with %q", last.Header.Get("Authorization"))
	}
}

func TestGitHubAppErrors(t *testing.T) {
	_, keyPEM := githubAppKey(t)
	if _, err := NewGitHub(GitHubOptions{App: &GitHubApp{AppID: 7, InstallationID: 1, PrivateKey: []byte("not a key")}}); err == nil {
		t.Error("a key that is no PEM was taken")
	}
	f := newForge(t)
	f.handle("GET /api/v3/app/installations", serve(200, fixture(t, "github/installations.json")))
	f.handle("POST /api/v3/app/installations/9/access_tokens", serve(401, fixture(t, "github/bad-credentials.json")))
	for _, tc := range []struct {
		name, owner  string
		installation int64
		message      string
	}{
		{"no installation on the owner", "someone-else", 0, "no installation for someone-else"},
		{"token refused", "octocat", 9, "Bad credentials"},
	} {
		g, err := NewGitHub(GitHubOptions{API: f.URL, Owner: tc.owner, Repo: "Hello-World",
			App: &GitHubApp{AppID: 7, InstallationID: tc.installation, PrivateKey: keyPEM}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := g.List(t.Context()); err == nil || !strings.Contains(err.Error(), tc.message) {
			t.Errorf("%s: error %v, want one with %q", tc.name, err, tc.message)
		}
	}
}

func TestGitHubAppFromSecret(t *testing.T) {
	full := map[string][]byte{
		"type": []byte("git"), "url": []byte("https://github.com/octocat"),
		"githubAppID": []byte("7"), "githubAppInstallationID": []byte("42"),
		"githubAppPrivateKey": []byte("-----BEGIN RSA PRIVATE KEY-----\n…"), "githubAppEnterpriseBaseUrl": []byte("https://ghe.example.com/api/v3"),
	}
	app, err := GitHubAppFromSecret(full)
	want := &GitHubApp{AppID: 7, InstallationID: 42, PrivateKey: full["githubAppPrivateKey"], EnterpriseBaseURL: "https://ghe.example.com/api/v3"}
	if err != nil || !reflect.DeepEqual(app, want) {
		t.Errorf("GitHubAppFromSecret = %+v, %v; want %+v", app, err, want)
	}
	if app, err := GitHubAppFromSecret(map[string][]byte{"githubAppPrivateKey": []byte("k")}); err != nil || app.AppID != 0 || app.InstallationID != 0 {
		t.Errorf("missing ids: %+v, %v; want zeros", app, err)
	}
	for name, data := range map[string]map[string][]byte{
		"no private key":               {"githubAppID": []byte("7")},
		"app id not a number":          {"githubAppID": []byte("seven"), "githubAppPrivateKey": []byte("k")},
		"installation id not a number": {"githubAppID": []byte("7"), "githubAppInstallationID": []byte("x"), "githubAppPrivateKey": []byte("k")},
	} {
		if _, err := GitHubAppFromSecret(data); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// indentJSON is v as indented JSON, for messages.
func indentJSON(v any) string {
	b, _ := json.MarshalIndent(v, "", "  ")
	return string(b)
}
