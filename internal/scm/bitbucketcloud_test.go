package scm

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

// waitRecorder is a Sleep that records its waits instead of sleeping.
type waitRecorder struct {
	mu    sync.Mutex
	waits []time.Duration
}

func (w *waitRecorder) sleep(_ context.Context, d time.Duration) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.waits = append(w.waits, d)
	return nil
}

func (w *waitRecorder) recorded() []time.Duration {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]time.Duration(nil), w.waits...)
}

// serverFixture is the fixture name with {{server}} replaced by f's URL,
// for bodies that link to the next page.
func serverFixture(t *testing.T, f *forge, name string) []byte {
	t.Helper()
	return bytes.ReplaceAll(fixture(t, name), []byte("{{server}}"), []byte(f.URL))
}

// pageByQuery serves first, or second when the request's query has
// key=value.
func pageByQuery(key, value string, first, second http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get(key) == value {
			second(w, r)
			return
		}
		first(w, r)
	}
}

// rateLimitedOnce answers 429 with Retry-After: 7 to the first request,
// then as h.
func rateLimitedOnce(h http.HandlerFunc) http.HandlerFunc {
	var once sync.Once
	return func(w http.ResponseWriter, r *http.Request) {
		limited := false
		once.Do(func() { limited = true })
		if limited {
			serve(http.StatusTooManyRequests, []byte(`{"message":"slow down"}`), "Retry-After", "7")(w, r)
			return
		}
		h(w, r)
	}
}

// basicHeader is the Authorization header of basic credentials.
func basicHeader(user, password string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+password))
}

// derefPulls are the pull requests' values, for comparing.
func derefPulls(prs []*PullRequest) []PullRequest {
	out := make([]PullRequest, 0, len(prs))
	for _, pr := range prs {
		out = append(out, *pr)
	}
	return out
}

// derefRepos are the repositories' values, for comparing.
func derefRepos(repos []*Repository) []Repository {
	out := make([]Repository, 0, len(repos))
	for _, r := range repos {
		out = append(out, *r)
	}
	return out
}

// jsonBody decodes a recorded request's JSON body.
func jsonBody(t *testing.T, r recorded) map[string]string {
	t.Helper()
	var m map[string]string
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("request body %q: %v", r.Body, err)
	}
	return m
}

const bbcPulls = "GET /2.0/repositories/my-workspace/my-repo/pullrequests"

// newBitbucketCloudForge starts a forge and a provider on it.
func newBitbucketCloudForge(t *testing.T, o BitbucketCloudOptions) (*forge, *bitbucketCloud, *waitRecorder) {
	t.Helper()
	f := newForge(t)
	waits := &waitRecorder{}
	o.API, o.Sleep = f.URL+"/2.0", waits.sleep
	if o.Owner == "" {
		o.Owner = "my-workspace"
	}
	b, err := NewBitbucketCloud(o)
	if err != nil {
		t.Fatal(err)
	}
	return f, b, waits
}

func TestBitbucketCloudPullRequestsAcrossPages(t *testing.T) {
	f, b, _ := newBitbucketCloudForge(t, BitbucketCloudOptions{Repo: "my-repo", User: "jdoe", Password: "app-password"})
	f.handle(bbcPulls, pageByQuery("page", "2",
		serve(200, serverFixture(t, f, "bitbucketcloud/pullrequests-1.json")),
		serve(200, serverFixture(t, f, "bitbucketcloud/pullrequests-2.json"))))

	prs, err := b.List(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	// Argo CD's params: number, branch, target_branch, head_sha (12
	// characters, as Bitbucket Cloud and Argo CD give it), author.
	want := []PullRequest{
		{Number: 101, Title: "feat(101): add the payments chart", Branch: "feature/payments", TargetBranch: "main", HeadSHA: "1a8dd249c04a", Author: "jdoe"},
		{Number: 102, Title: "fix: retry on 502", Branch: "fix-retry", TargetBranch: "release/1.x", HeadSHA: "4cf807e67a6d", Author: "sroe"},
		{Number: 103, Title: "docs: the README", Branch: "docs", TargetBranch: "main", HeadSHA: "b0e4a3c7d2f1", Author: "jdoe"},
	}
	if got := derefPulls(prs); !reflect.DeepEqual(got, want) {
		t.Errorf("pull requests:\n got %+v\nwant %+v", got, want)
	}
	seen := f.seen()
	if len(seen) != 2 {
		t.Fatalf("%d requests, want 2", len(seen))
	}
	if seen[0].RawQuery != "pagelen=50&state=OPEN" {
		t.Errorf("first page query %q, want pagelen=50&state=OPEN", seen[0].RawQuery)
	}
	// The second request is the first page's next URL, as it is.
	if seen[1].Path != "/2.0/repositories/my-workspace/my-repo/pullrequests" || seen[1].RawQuery != "pagelen=50&state=OPEN&page=2" {
		t.Errorf("second request %s?%s, want the next link's page=2", seen[1].Path, seen[1].RawQuery)
	}
}

func TestBitbucketCloudNextLinkToAnotherHostRefused(t *testing.T) {
	f, b, _ := newBitbucketCloudForge(t, BitbucketCloudOptions{Repo: "my-repo", Token: "secret"})
	f.handle(bbcPulls, serve(200, []byte(`{"values":[],"next":"https://elsewhere.example.com/2.0/steal"}`)))
	if _, err := b.List(t.Context()); err == nil || !strings.Contains(err.Error(), "leaves the API's host") {
		t.Fatalf("error %v, want the next link refused", err)
	}
	if n := len(f.seen()); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}

func TestBitbucketCloudNextLinkToItself(t *testing.T) {
	f, b, _ := newBitbucketCloudForge(t, BitbucketCloudOptions{Repo: "my-repo"})
	f.handle(bbcPulls, func(w http.ResponseWriter, r *http.Request) {
		next := f.URL + "/2.0/repositories/my-workspace/my-repo/pullrequests?page=2"
		serve(200, []byte(`{"values":[],"next":"`+next+`"}`))(w, r)
	})
	if _, err := b.List(t.Context()); err == nil || !strings.Contains(err.Error(), "the next page is this page") {
		t.Fatalf("error %v, want the loop refused", err)
	}
	if n := len(f.seen()); n != 2 {
		t.Errorf("%d requests, want 2", n)
	}
}

func TestBitbucketCloudAuth(t *testing.T) {
	for _, tc := range []struct {
		name string
		o    BitbucketCloudOptions
		want string
	}{
		{"app password", BitbucketCloudOptions{User: "jdoe", Password: "app-password"}, basicHeader("jdoe", "app-password")},
		{"bearer token", BitbucketCloudOptions{Token: "access-token"}, "Bearer access-token"},
		{"bearer wins", BitbucketCloudOptions{User: "jdoe", Password: "app-password", Token: "access-token"}, "Bearer access-token"},
		{"anonymous", BitbucketCloudOptions{}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.o.Repo = "my-repo"
			f, b, _ := newBitbucketCloudForge(t, tc.o)
			f.handle(bbcPulls, serve(200, []byte(`{"values":[]}`)))
			if _, err := b.List(t.Context()); err != nil {
				t.Fatal(err)
			}
			if got := f.seen()[0].Header.Get("Authorization"); got != tc.want {
				t.Errorf("Authorization %q, want %q", got, tc.want)
			}
		})
	}
}

func TestBitbucketCloudErrors(t *testing.T) {
	for _, tc := range []struct {
		name     string
		status   int
		body     []byte
		notFound bool
		message  string
	}{
		{"repository not found", 404, fixture(t, "bitbucketcloud/error-404.json"), true, "Repository my-workspace/gone not found"},
		{"bad credentials", 401, []byte(`{"type":"error","error":{"message":"Access token expired."}}`), false, "Access token expired."},
		{"forbidden", 403, []byte(`{"type":"error","error":{"message":"Your credentials lack one or more required privilege scopes.","detail":{"required":["pullrequest"],"granted":["account"]}}}`), false, "lack one or more required privilege scopes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, b, _ := newBitbucketCloudForge(t, BitbucketCloudOptions{Repo: "gone"})
			f.handle("GET /2.0/repositories/my-workspace/gone/pullrequests", serve(tc.status, tc.body))
			_, err := b.List(t.Context())
			if err == nil {
				t.Fatal("no error")
			}
			if IsNotFound(err) != tc.notFound {
				t.Errorf("IsNotFound(%v) = %v, want %v", err, !tc.notFound, tc.notFound)
			}
			if !strings.Contains(err.Error(), tc.message) {
				t.Errorf("error %q does not carry %q", err, tc.message)
			}
		})
	}
}

func TestBitbucketCloudRetriesRateLimit(t *testing.T) {
	f, b, waits := newBitbucketCloudForge(t, BitbucketCloudOptions{Repo: "my-repo"})
	f.handle(bbcPulls, rateLimitedOnce(serve(200, fixture(t, "bitbucketcloud/pullrequests-2.json"))))
	prs, err := b.List(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(prs) != 1 {
		t.Errorf("%d pull requests, want 1", len(prs))
	}
	if got := waits.recorded(); !reflect.DeepEqual(got, []time.Duration{7 * time.Second}) {
		t.Errorf("waits %v, want [7s] (Retry-After)", got)
	}
}

func TestBitbucketCloudListRepos(t *testing.T) {
	for _, tc := range []struct {
		protocol string
		urls     []string
		err      string
	}{
		{"", []string{"git@bitbucket.org:my-workspace/my-repo.git", "git@bitbucket.org:my-workspace/infra.git"}, ""},
		{"ssh", []string{"git@bitbucket.org:my-workspace/my-repo.git", "git@bitbucket.org:my-workspace/infra.git"}, ""},
		{"https", []string{"https://bitbucket.org/my-workspace/my-repo.git", "https://bitbucket.org/my-workspace/infra.git"}, ""},
		{"svn", nil, `unknown clone protocol "svn"`},
	} {
		t.Run("protocol "+tc.protocol, func(t *testing.T) {
			f, b, _ := newBitbucketCloudForge(t, BitbucketCloudOptions{User: "jdoe", Password: "app-password"})
			f.handle("GET /2.0/repositories/my-workspace", serve(200, fixture(t, "bitbucketcloud/repositories.json")))
			repos, err := b.ListRepos(t.Context(), tc.protocol)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := []Repository{
				{Organization: "my-workspace", Repository: "my-repo", URL: tc.urls[0], Branch: "main", Labels: []string{}, RepositoryID: "{2e9c6a43-8d53-4e4c-9a1b-6a9f0c7d3e21}"},
				{Organization: "my-workspace", Repository: "infra", URL: tc.urls[1], Branch: "master", Labels: []string{}, RepositoryID: "{7c4e1f02-3b5d-4a6e-9f8a-0b1c2d3e4f50}"},
			}
			if got := derefRepos(repos); !reflect.DeepEqual(got, want) {
				t.Errorf("repositories:\n got %+v\nwant %+v", got, want)
			}
			if q := f.seen()[0].RawQuery; q != "pagelen=100&role=member" {
				t.Errorf("query %q, want pagelen=100&role=member", q)
			}
		})
	}
}

func TestBitbucketCloudGetBranches(t *testing.T) {
	repo := &Repository{Organization: "my-workspace", Repository: "my-repo", URL: "git@bitbucket.org:my-workspace/my-repo.git", Branch: "main", RepositoryID: "{2e9c6a43-8d53-4e4c-9a1b-6a9f0c7d3e21}"}
	for _, tc := range []struct {
		name     string
		all      bool
		branches map[string]string
		requests []string
	}{
		{"default", false, map[string]string{"main": "61b8c6e5d6a0a6bcb2b31c0a8dd2e4d27a8a1c0f"},
			[]string{"/2.0/repositories/my-workspace/my-repo/refs/branches/main?"}},
		{"all", true, map[string]string{
			"main":             "61b8c6e5d6a0a6bcb2b31c0a8dd2e4d27a8a1c0f",
			"feature/payments": "1a8dd249c04a2c1bd5a8e8f0b3a1f6c2d7e9b4a3",
			"fix-retry":        "4cf807e67a6d9e0f1a2b3c4d5e6f7a8b9c0d1e2f",
		}, []string{
			"/2.0/repositories/my-workspace/my-repo/refs/branches?pagelen=100",
			"/2.0/repositories/my-workspace/my-repo/refs/branches?pagelen=100&page=2",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, b, _ := newBitbucketCloudForge(t, BitbucketCloudOptions{AllBranches: tc.all})
			f.handle("GET /2.0/repositories/my-workspace/my-repo/refs/branches/main", serve(200, fixture(t, "bitbucketcloud/branch.json")))
			f.handle("GET /2.0/repositories/my-workspace/my-repo/refs/branches", pageByQuery("page", "2",
				serve(200, serverFixture(t, f, "bitbucketcloud/branches-1.json")),
				serve(200, serverFixture(t, f, "bitbucketcloud/branches-2.json"))))
			got, err := b.GetBranches(t.Context(), repo)
			if err != nil {
				t.Fatal(err)
			}
			gotBranches := map[string]string{}
			for _, r := range got {
				gotBranches[r.Branch] = r.SHA
				if r.Repository != repo.Repository || r.URL != repo.URL || r.RepositoryID != repo.RepositoryID {
					t.Errorf("branch %s lost the repository's fields: %+v", r.Branch, r)
				}
			}
			if !reflect.DeepEqual(gotBranches, tc.branches) {
				t.Errorf("branches %v, want %v", gotBranches, tc.branches)
			}
			var requests []string
			for _, r := range f.seen() {
				requests = append(requests, r.Path+"?"+r.RawQuery)
			}
			if !reflect.DeepEqual(requests, tc.requests) {
				t.Errorf("requests %q, want %q", requests, tc.requests)
			}
		})
	}
}

func TestBitbucketCloudRepoHasPath(t *testing.T) {
	repo := &Repository{Organization: "my-workspace", Repository: "my-repo", Branch: "main", SHA: "61b8c6e5d6a0a6bcb2b31c0a8dd2e4d27a8a1c0f"}
	for _, tc := range []struct {
		path string
		want bool
	}{
		{"deploy", true},
		{"deploy/", true},
		{"missing/dir", false},
	} {
		t.Run(tc.path, func(t *testing.T) {
			f, b, _ := newBitbucketCloudForge(t, BitbucketCloudOptions{})
			f.handle("GET /2.0/repositories/my-workspace/my-repo/src/61b8c6e5d6a0a6bcb2b31c0a8dd2e4d27a8a1c0f/deploy",
				serve(200, fixture(t, "bitbucketcloud/src-meta.json")))
			f.handle("GET /2.0/repositories/my-workspace/my-repo/src/{rest...}",
				serve(404, []byte(`{"type":"error","error":{"message":"No such file or directory: missing/dir"}}`)))
			got, err := b.RepoHasPath(t.Context(), repo, tc.path)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("RepoHasPath(%q) = %v, want %v", tc.path, got, tc.want)
			}
			if q := f.seen()[0].RawQuery; q != "format=meta" {
				t.Errorf("query %q, want format=meta", q)
			}
		})
	}
	t.Run("server error", func(t *testing.T) {
		f, b, _ := newBitbucketCloudForge(t, BitbucketCloudOptions{})
		f.handle("GET /2.0/repositories/my-workspace/my-repo/src/{rest...}", serve(500, []byte(`{"type":"error","error":{"message":"Something went wrong"}}`)))
		if _, err := b.RepoHasPath(t.Context(), repo, "deploy"); err == nil || !strings.Contains(err.Error(), "Something went wrong") {
			t.Fatalf("error %v, want the server's", err)
		}
	})
}

func TestBitbucketCloudSetStatus(t *testing.T) {
	const sha = "61b8c6e5d6a0a6bcb2b31c0a8dd2e4d27a8a1c0f"
	long := "flotilla/" + strings.Repeat("payments-", 6) + "eu-west-1"
	for _, tc := range []struct {
		name string
		s    Status
		want map[string]string
	}{
		{"success", Status{State: StateSuccess, Context: "flotilla/payments", Description: "Synced and Healthy", TargetURL: "https://flotilla.example.com/applications/payments"},
			map[string]string{"key": "flotilla/payments", "state": "SUCCESSFUL", "name": "flotilla/payments", "description": "Synced and Healthy", "url": "https://flotilla.example.com/applications/payments"}},
		{"pending", Status{State: StatePending, Context: "flotilla/payments", Description: "syncing", TargetURL: "https://flotilla.example.com/applications/payments"},
			map[string]string{"key": "flotilla/payments", "state": "INPROGRESS", "name": "flotilla/payments", "description": "syncing", "url": "https://flotilla.example.com/applications/payments"}},
		{"failure", Status{State: StateFailure, Context: "flotilla/payments", Description: "sync failed", TargetURL: "https://flotilla.example.com/applications/payments"},
			map[string]string{"key": "flotilla/payments", "state": "FAILED", "name": "flotilla/payments", "description": "sync failed", "url": "https://flotilla.example.com/applications/payments"}},
		{"error", Status{State: StateError, Context: "flotilla/payments", TargetURL: "https://flotilla.example.com/applications/payments"},
			map[string]string{"key": "flotilla/payments", "state": "FAILED", "name": "flotilla/payments", "description": "", "url": "https://flotilla.example.com/applications/payments"}},
		{"long context, no url", Status{State: StateSuccess, Context: long, Description: "Synced and Healthy"},
			map[string]string{"key": bitbucketKey(long, 40), "state": "SUCCESSFUL", "name": long, "description": "Synced and Healthy", "url": "https://bitbucket.org/my-workspace/my-repo/commits/" + sha}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, b, _ := newBitbucketCloudForge(t, BitbucketCloudOptions{Token: "access-token"})
			f.handle("POST /2.0/repositories/my-workspace/my-repo/commit/"+sha+"/statuses/build", serve(201, fixture(t, "bitbucketcloud/status.json")))
			f.handle("GET /2.0/repositories/my-workspace/my-repo/commit/"+sha, serve(200, fixture(t, "bitbucketcloud/commit.json")))
			tc.s.Repo, tc.s.SHA = "my-workspace/my-repo", sha
			if err := b.SetStatus(t.Context(), tc.s); err != nil {
				t.Fatal(err)
			}
			seen := f.seen()
			post := seen[len(seen)-1]
			if post.Method != http.MethodPost || post.Path != "/2.0/repositories/my-workspace/my-repo/commit/"+sha+"/statuses/build" {
				t.Fatalf("request %s %s", post.Method, post.Path)
			}
			if got := jsonBody(t, post); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("body:\n got %v\nwant %v", got, tc.want)
			}
			if len(jsonBody(t, post)["key"]) > 40 {
				t.Errorf("key %q longer than 40", jsonBody(t, post)["key"])
			}
		})
	}
	t.Run("unknown state", func(t *testing.T) {
		f, b, _ := newBitbucketCloudForge(t, BitbucketCloudOptions{})
		if err := b.SetStatus(t.Context(), Status{Repo: "my-workspace/my-repo", SHA: sha, State: "skipped", TargetURL: "https://x"}); err == nil {
			t.Fatal("no error for an unknown state")
		}
		if n := len(f.seen()); n != 0 {
			t.Errorf("%d requests, want none", n)
		}
	})
}

func TestBitbucketKey(t *testing.T) {
	a := "flotilla/" + strings.Repeat("a", 60) + "-one"
	b := "flotilla/" + strings.Repeat("a", 60) + "-two"
	if got := bitbucketKey("flotilla/payments", 40); got != "flotilla/payments" {
		t.Errorf("a short key changed: %q", got)
	}
	ka, kb := bitbucketKey(a, 40), bitbucketKey(b, 40)
	if len(ka) != 40 || len(kb) != 40 {
		t.Errorf("lengths %d, %d, want 40", len(ka), len(kb))
	}
	if ka == kb {
		t.Errorf("two long keys with one start shortened alike: %q", ka)
	}
	if ka != bitbucketKey(a, 40) {
		t.Error("shortening is not deterministic")
	}
	if !strings.HasPrefix(ka, "flotilla/aaaa") {
		t.Errorf("shortened key %q lost its start", ka)
	}
	if k := bitbucketKey("flotilla/"+strings.Repeat("é", 30), 40); len(k) > 40 || !strings.HasPrefix(k, "flotilla/é") || !utf8.ValidString(k) {
		t.Errorf("multibyte key shortened to %q", k)
	}
}
