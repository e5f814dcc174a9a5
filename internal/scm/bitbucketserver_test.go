package scm

import (
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"
)

const (
	bbsPulls = "GET /rest/api/1.0/projects/PRJ/repos/my-repo/pull-requests"
	bbsRepos = "GET /rest/api/1.0/projects/PRJ/repos"
	bbsRepo  = "/rest/api/1.0/projects/PRJ/repos/my-repo"
)

// newBitbucketServerForge starts a forge and a provider on it.
func newBitbucketServerForge(t *testing.T, o BitbucketServerOptions) (*forge, *bitbucketServer, *waitRecorder) {
	t.Helper()
	f := newForge(t)
	waits := &waitRecorder{}
	if o.API == "" {
		o.API = f.URL
	}
	o.Sleep = waits.sleep
	if o.Project == "" {
		o.Project = "PRJ"
	}
	b, err := NewBitbucketServer(o)
	if err != nil {
		t.Fatal(err)
	}
	return f, b, waits
}

// handleBitbucketServerRepos serves the project's repositories on two
// pages, and their default branches: my-repo's and infra's, none for
// empty (an empty answer) and stale (a 404).
func handleBitbucketServerRepos(t *testing.T, f *forge) {
	f.handle(bbsRepos, pageByQuery("start", "2",
		serve(200, fixture(t, "bitbucketserver/repos-1.json")),
		serve(200, fixture(t, "bitbucketserver/repos-2.json"))))
	f.handle("GET "+bbsRepo+"/branches/default", serve(200, fixture(t, "bitbucketserver/default-branch.json")))
	f.handle("GET /rest/api/1.0/projects/PRJ/repos/infra/branches/default", serve(200, fixture(t, "bitbucketserver/default-branch-infra.json")))
	f.handle("GET /rest/api/1.0/projects/PRJ/repos/empty/branches/default", func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	})
	f.handle("GET /rest/api/1.0/projects/PRJ/repos/stale/branches/default", serve(404, fixture(t, "bitbucketserver/error-no-default-branch.json")))
}

func TestBitbucketServerPullRequestsAcrossPages(t *testing.T) {
	f, b, _ := newBitbucketServerForge(t, BitbucketServerOptions{Repo: "my-repo", User: "tom", Password: "secret"})
	f.handle(bbsPulls, pageByQuery("start", "2",
		serve(200, fixture(t, "bitbucketserver/pull-requests-1.json")),
		serve(200, fixture(t, "bitbucketserver/pull-requests-2.json"))))

	prs, err := b.List(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	// Argo CD's params: number, branch (displayId), target_branch,
	// head_sha (fromRef.latestCommit), author (the user's name), labels
	// (none: Bitbucket Server has none).
	want := []PullRequest{
		{Number: 101, Title: "ABC-123: Talking Nerdy", Branch: "feature/ABC-123", TargetBranch: "main", HeadSHA: "8d51122def5632836d1cb1026e879069e10a1e13", Labels: []string{}, Author: "tom"},
		{Number: 102, Title: "Bump the chart", Branch: "renovate/chart", TargetBranch: "release/2.0", HeadSHA: "0f3c9b7e5d2a1c4b6e8f0a2c4e6b8d0f1a3c5e7b", Labels: []string{}, Author: "renovate-bot"},
		{Number: 103, Title: "Docs", Branch: "docs", TargetBranch: "main", HeadSHA: "5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f", Labels: []string{}, Author: "jane"},
	}
	if got := derefPulls(prs); !reflect.DeepEqual(got, want) {
		t.Errorf("pull requests:\n got %+v\nwant %+v", got, want)
	}
	seen := f.seen()
	if len(seen) != 2 {
		t.Fatalf("%d requests, want 2", len(seen))
	}
	if seen[0].RawQuery != "limit=100&state=OPEN" {
		t.Errorf("first page query %q, want limit=100&state=OPEN", seen[0].RawQuery)
	}
	// The second page starts at the first's nextPageStart.
	if seen[1].RawQuery != "limit=100&start=2&state=OPEN" {
		t.Errorf("second page query %q, want limit=100&start=2&state=OPEN", seen[1].RawQuery)
	}
}

func TestBitbucketServerPageThatDoesNotAdvance(t *testing.T) {
	f, b, _ := newBitbucketServerForge(t, BitbucketServerOptions{Repo: "my-repo"})
	f.handle(bbsPulls, serve(200, []byte(`{"size":0,"limit":100,"isLastPage":false,"start":0,"values":[]}`)))
	if _, err := b.List(t.Context()); err == nil || !strings.Contains(err.Error(), "no later page") {
		t.Fatalf("error %v, want the page refused", err)
	}
}

func TestBitbucketServerAPI(t *testing.T) {
	for _, api := range []string{"https://bitbucket.example.com", "https://bitbucket.example.com/", "https://bitbucket.example.com/rest", "https://bitbucket.example.com/rest/"} {
		if got := bitbucketServerREST(api); got != "https://bitbucket.example.com/rest" {
			t.Errorf("REST root of %q is %q", api, got)
		}
	}
	if _, err := NewBitbucketServer(BitbucketServerOptions{Project: "PRJ"}); err == nil {
		t.Error("no error without api")
	}
	f, b, _ := newBitbucketServerForge(t, BitbucketServerOptions{Repo: "my-repo"})
	b2, err := NewBitbucketServer(BitbucketServerOptions{API: f.URL + "/rest/", Project: "PRJ", Repo: "my-repo"})
	if err != nil {
		t.Fatal(err)
	}
	f.handle(bbsPulls, serve(200, []byte(`{"isLastPage":true,"values":[]}`)))
	for _, svc := range []*bitbucketServer{b, b2} {
		if _, err := svc.List(t.Context()); err != nil {
			t.Errorf("api %s: %v", svc.o.API, err)
		}
	}
}

func TestBitbucketServerAuth(t *testing.T) {
	for _, tc := range []struct {
		name  string
		o     BitbucketServerOptions
		want  string
		xsrf  string
		agent string
	}{
		{"basic", BitbucketServerOptions{User: "tom", Password: "secret"}, basicHeader("tom", "secret"), "no-check", "XMLHttpRequest"},
		{"bearer", BitbucketServerOptions{Token: "http-access-token"}, "Bearer http-access-token", "no-check", "XMLHttpRequest"},
		{"anonymous", BitbucketServerOptions{}, "", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.o.Repo = "my-repo"
			f, b, _ := newBitbucketServerForge(t, tc.o)
			f.handle(bbsPulls, serve(200, []byte(`{"isLastPage":true,"values":[]}`)))
			if _, err := b.List(t.Context()); err != nil {
				t.Fatal(err)
			}
			h := f.seen()[0].Header
			if got := h.Get("Authorization"); got != tc.want {
				t.Errorf("Authorization %q, want %q", got, tc.want)
			}
			if got := h.Get("X-Atlassian-Token"); got != tc.xsrf {
				t.Errorf("X-Atlassian-Token %q, want %q", got, tc.xsrf)
			}
			if got := h.Get("X-Requested-With"); got != tc.agent {
				t.Errorf("X-Requested-With %q, want %q", got, tc.agent)
			}
		})
	}
}

func TestBitbucketServerErrors(t *testing.T) {
	for _, tc := range []struct {
		name     string
		status   int
		body     []byte
		notFound bool
		message  string
	}{
		{"repository not found", 404, fixture(t, "bitbucketserver/error-404.json"), true, "Repository PRJ/gone does not exist."},
		{"bad credentials", 401, fixture(t, "bitbucketserver/error-401.json"), false, "Authentication failed. Please check your credentials and try again."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, b, _ := newBitbucketServerForge(t, BitbucketServerOptions{Repo: "gone"})
			f.handle("GET /rest/api/1.0/projects/PRJ/repos/gone/pull-requests", serve(tc.status, tc.body))
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

func TestBitbucketServerRetriesRateLimit(t *testing.T) {
	f, b, waits := newBitbucketServerForge(t, BitbucketServerOptions{Repo: "my-repo"})
	f.handle(bbsPulls, rateLimitedOnce(serve(200, fixture(t, "bitbucketserver/pull-requests-2.json"))))
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

func TestBitbucketServerListRepos(t *testing.T) {
	for _, tc := range []struct {
		protocol string
		urls     []string
		err      string
	}{
		{"", []string{"ssh://git@bitbucket.example.com:7999/prj/my-repo.git", "ssh://git@bitbucket.example.com:7999/prj/infra.git"}, ""},
		{"ssh", []string{"ssh://git@bitbucket.example.com:7999/prj/my-repo.git", "ssh://git@bitbucket.example.com:7999/prj/infra.git"}, ""},
		{"https", []string{"https://bitbucket.example.com/scm/prj/my-repo.git", "https://bitbucket.example.com/scm/prj/infra.git"}, ""},
		{"git", nil, `unknown clone protocol "git"`},
	} {
		t.Run("protocol "+tc.protocol, func(t *testing.T) {
			f, b, _ := newBitbucketServerForge(t, BitbucketServerOptions{User: "tom", Password: "secret"})
			handleBitbucketServerRepos(t, f)
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
			// As Argo CD: named by name, at the default branch; empty
			// (no default branch) and stale (a missing one) left out.
			want := []Repository{
				{Organization: "PRJ", Repository: "My Repo", URL: tc.urls[0], Branch: "main", SHA: "8d51122def5632836d1cb1026e879069e10a1e13", Labels: []string{}, RepositoryID: 1},
				{Organization: "PRJ", Repository: "infra", URL: tc.urls[1], Branch: "master", SHA: "c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00", Labels: []string{}, RepositoryID: 7},
			}
			if got := derefRepos(repos); !reflect.DeepEqual(got, want) {
				t.Errorf("repositories:\n got %+v\nwant %+v", got, want)
			}
			var pages []string
			for _, r := range f.seen() {
				if r.Path == "/rest/api/1.0/projects/PRJ/repos" {
					pages = append(pages, r.RawQuery)
				}
			}
			if !reflect.DeepEqual(pages, []string{"limit=100", "limit=100&start=2"}) {
				t.Errorf("repository pages %q, want limit=100 then start=2", pages)
			}
		})
	}
}

func TestBitbucketServerGetBranches(t *testing.T) {
	for _, tc := range []struct {
		name     string
		all      bool
		branches map[string]string
		requests []string
	}{
		// ListRepos read the default branch: no further request.
		{"default", false, map[string]string{"main": "8d51122def5632836d1cb1026e879069e10a1e13"}, nil},
		{"all", true, map[string]string{
			"main":            "8d51122def5632836d1cb1026e879069e10a1e13",
			"feature/ABC-123": "0f3c9b7e5d2a1c4b6e8f0a2c4e6b8d0f1a3c5e7b",
			"release/2.0":     "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678",
		}, []string{bbsRepo + "/branches?limit=100", bbsRepo + "/branches?limit=100&start=2"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, b, _ := newBitbucketServerForge(t, BitbucketServerOptions{AllBranches: tc.all})
			handleBitbucketServerRepos(t, f)
			f.handle("GET "+bbsRepo+"/branches", pageByQuery("start", "2",
				serve(200, fixture(t, "bitbucketserver/branches-1.json")),
				serve(200, fixture(t, "bitbucketserver/branches-2.json"))))
			repos, err := b.ListRepos(t.Context(), "")
			if err != nil {
				t.Fatal(err)
			}
			before := len(f.seen())
			got, err := b.GetBranches(t.Context(), repos[0]) // "My Repo", addressed by its slug
			if err != nil {
				t.Fatal(err)
			}
			gotBranches := map[string]string{}
			for _, r := range got {
				gotBranches[r.Branch] = r.SHA
				if r.Repository != "My Repo" || r.RepositoryID != 1 {
					t.Errorf("branch %s lost the repository's fields: %+v", r.Branch, r)
				}
			}
			if !reflect.DeepEqual(gotBranches, tc.branches) {
				t.Errorf("branches %v, want %v", gotBranches, tc.branches)
			}
			var requests []string
			for _, r := range f.seen()[before:] {
				requests = append(requests, r.Path+"?"+r.RawQuery)
			}
			if !reflect.DeepEqual(requests, tc.requests) {
				t.Errorf("requests %q, want %q", requests, tc.requests)
			}
		})
	}
	t.Run("default, not yet read", func(t *testing.T) {
		f, b, _ := newBitbucketServerForge(t, BitbucketServerOptions{})
		handleBitbucketServerRepos(t, f)
		got, err := b.GetBranches(t.Context(), &Repository{Organization: "PRJ", Repository: "my-repo"})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].Branch != "main" || got[0].SHA != "8d51122def5632836d1cb1026e879069e10a1e13" {
			t.Errorf("branches %+v, want main", got)
		}
		got, err = b.GetBranches(t.Context(), &Repository{Organization: "PRJ", Repository: "empty"})
		if err != nil || len(got) != 0 {
			t.Errorf("an empty repository's branches: %v, %v; want none", got, err)
		}
	})
}

func TestBitbucketServerRepoHasPath(t *testing.T) {
	repo := &Repository{Organization: "PRJ", Repository: "my-repo", Branch: "main", SHA: "8d51122def5632836d1cb1026e879069e10a1e13"}
	for _, tc := range []struct {
		path string
		want bool
	}{
		{"deploy", true},
		{"deploy/", true},
		{"missing/dir", false},
	} {
		t.Run(tc.path, func(t *testing.T) {
			f, b, _ := newBitbucketServerForge(t, BitbucketServerOptions{})
			f.handle("GET "+bbsRepo+"/browse/deploy", serve(200, fixture(t, "bitbucketserver/browse-type.json")))
			f.handle("GET "+bbsRepo+"/browse/{rest...}", serve(404, fixture(t, "bitbucketserver/error-no-path.json")))
			got, err := b.RepoHasPath(t.Context(), repo, tc.path)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("RepoHasPath(%q) = %v, want %v", tc.path, got, tc.want)
			}
			if q := f.seen()[0].RawQuery; q != "at=main&limit=100&type=true" {
				t.Errorf("query %q, want at=main&limit=100&type=true", q)
			}
		})
	}
}

func TestBitbucketServerSetStatus(t *testing.T) {
	const sha = "8d51122def5632836d1cb1026e879069e10a1e13"
	long := "flotilla/" + strings.Repeat("x", 300)
	for _, tc := range []struct {
		name string
		s    Status
		want map[string]string
	}{
		{"success", Status{State: StateSuccess, Context: "flotilla/payments", Description: "Synced and Healthy", TargetURL: "https://flotilla.example.com/applications/payments"},
			map[string]string{"key": "flotilla/payments", "state": "SUCCESSFUL", "name": "flotilla/payments", "description": "Synced and Healthy", "url": "https://flotilla.example.com/applications/payments"}},
		{"pending", Status{State: StatePending, Context: "flotilla/payments", Description: "syncing", TargetURL: "https://flotilla.example.com/applications/payments"},
			map[string]string{"key": "flotilla/payments", "state": "INPROGRESS", "name": "flotilla/payments", "description": "syncing", "url": "https://flotilla.example.com/applications/payments"}},
		{"error", Status{State: StateError, Context: "flotilla/payments", Description: "Degraded", TargetURL: "https://flotilla.example.com/applications/payments"},
			map[string]string{"key": "flotilla/payments", "state": "FAILED", "name": "flotilla/payments", "description": "Degraded", "url": "https://flotilla.example.com/applications/payments"}},
		{"no url, long context", Status{State: StateFailure, Context: long, Description: "sync failed"},
			map[string]string{"key": bitbucketKey(long, 255), "state": "FAILED", "name": long, "description": "sync failed", "url": "{{server}}/projects/PRJ/repos/my-repo/commits/" + sha}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, b, _ := newBitbucketServerForge(t, BitbucketServerOptions{Token: "http-access-token"})
			f.handle("POST /rest/build-status/1.0/commits/"+sha, func(w http.ResponseWriter, _ *http.Request) {
				w.WriteHeader(http.StatusNoContent)
			})
			tc.s.Repo, tc.s.SHA = "PRJ/my-repo", sha
			if err := b.SetStatus(t.Context(), tc.s); err != nil {
				t.Fatal(err)
			}
			seen := f.seen()
			if len(seen) != 1 || seen[0].Method != http.MethodPost || seen[0].Path != "/rest/build-status/1.0/commits/"+sha {
				t.Fatalf("requests %+v, want one POST to the build-status API", seen)
			}
			tc.want["url"] = strings.ReplaceAll(tc.want["url"], "{{server}}", f.URL)
			if got := jsonBody(t, seen[0]); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("body:\n got %v\nwant %v", got, tc.want)
			}
			if n := len(jsonBody(t, seen[0])["key"]); n > 255 {
				t.Errorf("key of %d characters, want at most 255", n)
			}
		})
	}
}

func TestBitbucketServerPullRequestShiftedIntoTheNextPage(t *testing.T) {
	f, b, _ := newBitbucketServerForge(t, BitbucketServerOptions{Repo: "my-repo"})
	// A pull request opened between the pages pushed 102 onto the second.
	page2 := `{"size":2,"limit":100,"isLastPage":true,"start":2,"values":[
		{"id":102,"title":"Bump the chart","fromRef":{"displayId":"renovate/chart","latestCommit":"0f3c9b7e5d2a1c4b6e8f0a2c4e6b8d0f1a3c5e7b"},"toRef":{"displayId":"release/2.0"},"author":{"user":{"name":"renovate-bot"}}},
		{"id":103,"title":"Docs","fromRef":{"displayId":"docs","latestCommit":"5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f"},"toRef":{"displayId":"main"},"author":{"user":{"name":"jane"}}}]}`
	f.handle(bbsPulls, pageByQuery("start", "2", serve(200, fixture(t, "bitbucketserver/pull-requests-1.json")), serve(200, []byte(page2))))
	prs, err := b.List(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var numbers []int64
	for _, pr := range prs {
		numbers = append(numbers, pr.Number)
	}
	if !reflect.DeepEqual(numbers, []int64{101, 102, 103}) {
		t.Errorf("pull requests %v, want [101 102 103]: each once", numbers)
	}
}
