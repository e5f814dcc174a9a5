package scm

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/golang-jwt/jwt/v5"
)

const helloSHA = "6dcb09b5b57875f334f61aebed695e2e4193db5e"

// newGitHubForge starts a forge and a GitHub provider on it, as a GitHub
// Enterprise server given without /api/v3.
func newGitHubForge(t *testing.T, o GitHubOptions) (*forge, *github) {
	return startProvider(t, func(f *forge) (*github, error) {
		if o.API == "" && o.App == nil {
			o.API = f.URL
		}
		o.Sleep = f.waits.sleep
		return NewGitHub(o)
	})
}

func TestGitHubBaseURL(t *testing.T) {
	testBaseURLs(t, githubBaseURL, map[string]string{
		"":                                     "https://api.github.com",
		"https://ghe.example.com":              "https://ghe.example.com/api/v3/",
		"https://ghe.example.com/":             "https://ghe.example.com/api/v3/",
		"https://ghe.example.com/api/v3":       "https://ghe.example.com/api/v3/",
		"https://ghe.example.com/api/v3/":      "https://ghe.example.com/api/v3/",
		"https://ghe.example.com/github":       "https://ghe.example.com/github/api/v3/",
		"https://api.github.com":               "https://api.github.com/",
		"https://api.octocorp.ghe.com":         "https://api.octocorp.ghe.com/",
		"https://github.api.corp.example:8443": "https://github.api.corp.example:8443/",
	})
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
			f, g := newGitHubForge(t, GitHubOptions{Token: "ghp_secret", Owner: "octocat", Repo: "Hello-World", Labels: tc.labels})
			next := f.URL + "/api/v3/repositories/1296269/pulls?state=open&per_page=100&page=2"
			f.handle("GET /api/v3/repos/octocat/Hello-World/pulls", serve(200, fixture(t, "github/pulls-page1.json"),
				"Link", `<`+next+`>; rel="next", <`+next+`>; rel="last"`))
			f.handle("GET /api/v3/repositories/1296269/pulls", serve(200, fixture(t, "github/pulls-page2.json"),
				"Link", `<`+f.URL+`/api/v3/repositories/1296269/pulls?state=open&per_page=100&page=1>; rel="prev"`))

			prs, err := g.List(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			if got := prNumbers(prs); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("pull requests %v, want %v", got, tc.want)
			}
			want := []string{"/api/v3/repos/octocat/Hello-World/pulls?per_page=100&state=open",
				"/api/v3/repositories/1296269/pulls?state=open&per_page=100&page=2"}
			if got := requestURIs(f.seen()); !reflect.DeepEqual(got, want) {
				t.Errorf("requests %q, want %q: two pages, the second by the next link", got, want)
			}
		})
	}
}

func TestGitHubPullRequestParameters(t *testing.T) {
	f, g := newGitHubForge(t, GitHubOptions{Owner: "octocat", Repo: "Hello-World"})
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
		f, g := newGitHubForge(t, GitHubOptions{Token: tc.token, Owner: "octocat", Repo: "Hello-World"})
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
	testListErrors(t, with(newGitHubForge, GitHubOptions{Token: "expired", Owner: "octocat", Repo: "Hello-World"}),
		"GET /api/v3/repos/octocat/Hello-World/pulls", []errorCase{
			{"repository not found", 404, fixture(t, "github/not-found.json"), true, "Not Found"},
			{"bad credentials", 401, fixture(t, "github/bad-credentials.json"), false, "Bad credentials"},
		})
}

func TestGitHubRateLimitWaitsForReset(t *testing.T) {
	reset := strconv.FormatInt(time.Now().Add(30*time.Second).Unix(), 10)
	testRateLimit(t, with(newGitHubForge, GitHubOptions{Token: "ghp_secret", Owner: "octocat", Repo: "Hello-World"}), rateLimitCase{
		pattern: "GET /api/v3/repos/octocat/Hello-World/pulls",
		answer: answerOnceThen(
			serve(403, fixture(t, "github/rate-limited.json"), "X-RateLimit-Limit", "5000", "X-RateLimit-Remaining", "0", "X-RateLimit-Reset", reset),
			serve(200, fixture(t, "github/pulls-page1.json"), "X-RateLimit-Remaining", "4999")),
		prs:     2,
		minWait: 25 * time.Second, maxWait: 31 * time.Second, // about 30s, to X-RateLimit-Reset
	})
}

func TestGitHubListRepos(t *testing.T) {
	ssh := []string{"git@github.com:octocat/Hello-World.git", "git@github.com:octocat/Spoon-Knife.git"}
	routes := map[string]http.HandlerFunc{"GET /api/v3/orgs/octocat/repos": serve(200, fixture(t, "github/repos.json"))}
	check := func(t *testing.T, f *forge, repos []*Repository, urls []string) {
		want := &Repository{Organization: "octocat", Repository: "Hello-World", Branch: "master", URL: urls[0],
			Labels: []string{"octocat", "atom", "electron", "api"}, RepositoryID: int64(1296269)}
		if !reflect.DeepEqual(repos[0], want) {
			t.Errorf("repository %+v, want %+v", repos[0], want)
		}
		if q := f.seen()[0].RawQuery; q != "per_page=100" {
			t.Errorf("query %q", q)
		}
	}
	testCloneProtocols(t, answering(with(newGitHubForge, GitHubOptions{Owner: "octocat"}), routes),
		protocols(ssh, []string{"https://github.com/octocat/Hello-World.git", "https://github.com/octocat/Spoon-Knife.git"}), check)
	t.Run("archived left out", func(t *testing.T) {
		archived := answering(with(newGitHubForge, GitHubOptions{Owner: "octocat", ExcludeArchived: true}), routes)
		testCloneProtocols(t, archived, []protocolCase{{"ssh", ssh[:1]}}, check)
	})
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
			f, g := newGitHubForge(t, GitHubOptions{Owner: "octocat", AllBranches: tc.all})
			f.handle(tc.pattern, tc.answer)
			got, err := g.GetBranches(t.Context(), repo)
			if err != nil {
				t.Fatal(err)
			}
			if branches := branchHeads(t, repo, got); !reflect.DeepEqual(branches, tc.branches) {
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
	contents := "GET /api/v3/repos/octocat/Hello-World/contents/{path...}"
	found, missing := serve(200, fixture(t, "github/contents.json")), serve(404, fixture(t, "github/not-found.json"))
	start := answering(with(newGitHubForge, GitHubOptions{Owner: "octocat"}), map[string]http.HandlerFunc{
		contents: func(w http.ResponseWriter, r *http.Request) {
			if p := r.PathValue("path"); p == "README" || p == "deploy/my app" {
				found(w, r)
				return
			}
			missing(w, r)
		},
	})
	testRepoHasPath(t, start, repo, []pathCase{
		{path: "README", want: true},
		{path: "deploy/my app", want: true},
		{path: "notathing", want: false},
		{path: "../secrets", err: `must not contain ".."`},
	}, func(path string) string {
		return "/api/v3/repos/octocat/Hello-World/contents/" + path + "?ref=release%2F1.x"
	})
	t.Run("other error", func(t *testing.T) {
		refused := answering(with(newGitHubForge, GitHubOptions{Owner: "octocat"}),
			map[string]http.HandlerFunc{contents: serve(401, fixture(t, "github/bad-credentials.json"))})
		testRepoHasPath(t, refused, repo, []pathCase{{path: "README", err: "Bad credentials"}}, nil)
	})
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
			f, g := newGitHubForge(t, GitHubOptions{Token: "ghp_secret"})
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
			body := jsonBody(t, req)
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
