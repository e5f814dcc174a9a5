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
func newBitbucketServerForge(t *testing.T, o BitbucketServerOptions) (*forge, *bitbucketServer) {
	return startProvider(t, func(f *forge) (*bitbucketServer, error) {
		if o.API == "" {
			o.API = f.URL
		}
		if o.Project == "" {
			o.Project = "PRJ"
		}
		o.Sleep = f.waits.sleep
		return NewBitbucketServer(o)
	})
}

// handleBitbucketServerRepos serves the project's repositories on two
// pages, and their default branches: my-repo's and infra's, none for
// empty (an empty answer) and stale (a 404).
func handleBitbucketServerRepos(t *testing.T, f *forge) {
	f.handle(bbsRepos, byQuery("start", "2",
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
	f, b := newBitbucketServerForge(t, BitbucketServerOptions{Repo: "my-repo", User: "tom", Password: "secret"})
	f.handle(bbsPulls, byQuery("start", "2",
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
	// The second page starts at the first's nextPageStart.
	requests := []string{bbsRepo + "/pull-requests?limit=100&state=OPEN", bbsRepo + "/pull-requests?limit=100&start=2&state=OPEN"}
	if got := requestURIs(f.seen()); !reflect.DeepEqual(got, requests) {
		t.Errorf("requests %q, want %q", got, requests)
	}
}

func TestBitbucketServerPageThatDoesNotAdvance(t *testing.T) {
	f, b := newBitbucketServerForge(t, BitbucketServerOptions{Repo: "my-repo"})
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
	f, b := newBitbucketServerForge(t, BitbucketServerOptions{Repo: "my-repo"})
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
			f, b := newBitbucketServerForge(t, tc.o)
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
	testListErrors(t, with(newBitbucketServerForge, BitbucketServerOptions{Repo: "gone"}),
		"GET /rest/api/1.0/projects/PRJ/repos/gone/pull-requests", []errorCase{
			{"repository not found", 404, fixture(t, "bitbucketserver/error-404.json"), true, "Repository PRJ/gone does not exist."},
			{"bad credentials", 401, fixture(t, "bitbucketserver/error-401.json"), false, "Authentication failed. Please check your credentials and try again."},
		})
}

func TestBitbucketServerRetriesRateLimit(t *testing.T) {
	testRateLimit(t, with(newBitbucketServerForge, BitbucketServerOptions{Repo: "my-repo"}), rateLimitCase{
		pattern: bbsPulls, answer: rateLimitedOnce(serve(200, fixture(t, "bitbucketserver/pull-requests-2.json"))),
		prs: 1, minWait: 7 * time.Second, maxWait: 7 * time.Second, // Retry-After's
	})
}

func TestBitbucketServerListRepos(t *testing.T) {
	start := func(t *testing.T) (*forge, *bitbucketServer) {
		f, b := newBitbucketServerForge(t, BitbucketServerOptions{User: "tom", Password: "secret"})
		handleBitbucketServerRepos(t, f)
		return f, b
	}
	ssh := []string{"ssh://git@bitbucket.example.com:7999/prj/my-repo.git", "ssh://git@bitbucket.example.com:7999/prj/infra.git"}
	https := []string{"https://bitbucket.example.com/scm/prj/my-repo.git", "https://bitbucket.example.com/scm/prj/infra.git"}
	testCloneProtocols(t, start, protocols(ssh, https), func(t *testing.T, f *forge, repos []*Repository, urls []string) {
		// As Argo CD: named by name, at the default branch; empty
		// (no default branch) and stale (a missing one) left out.
		want := []Repository{
			{Organization: "PRJ", Repository: "My Repo", URL: urls[0], Branch: "main", SHA: "8d51122def5632836d1cb1026e879069e10a1e13", Labels: []string{}, RepositoryID: 1},
			{Organization: "PRJ", Repository: "infra", URL: urls[1], Branch: "master", SHA: "c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00", Labels: []string{}, RepositoryID: 7},
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
			f, b := newBitbucketServerForge(t, BitbucketServerOptions{AllBranches: tc.all})
			handleBitbucketServerRepos(t, f)
			f.handle("GET "+bbsRepo+"/branches", byQuery("start", "2",
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
			if repos[0].Repository != "My Repo" || repos[0].RepositoryID != 1 {
				t.Fatalf("first repository %+v, want My Repo", repos[0])
			}
			if branches := branchHeads(t, repos[0], got); !reflect.DeepEqual(branches, tc.branches) {
				t.Errorf("branches %v, want %v", branches, tc.branches)
			}
			if requests := requestURIs(f.seen()[before:]); !reflect.DeepEqual(requests, tc.requests) {
				t.Errorf("requests %q, want %q", requests, tc.requests)
			}
		})
	}
	t.Run("default, not yet read", func(t *testing.T) {
		f, b := newBitbucketServerForge(t, BitbucketServerOptions{})
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
	start := answering(with(newBitbucketServerForge, BitbucketServerOptions{}), map[string]http.HandlerFunc{
		"GET " + bbsRepo + "/browse/deploy":    serve(200, fixture(t, "bitbucketserver/browse-type.json")),
		"GET " + bbsRepo + "/browse/{rest...}": serve(404, fixture(t, "bitbucketserver/error-no-path.json")),
	})
	testRepoHasPath(t, start, repo, []pathCase{
		{path: "deploy", want: true},
		{path: "deploy/", want: true},
		{path: "missing/dir", want: false},
	}, func(path string) string {
		return bbsRepo + "/browse/" + strings.Trim(path, "/") + "?at=main&limit=100&type=true"
	})
}

func TestBitbucketServerSetStatus(t *testing.T) {
	const sha = "8d51122def5632836d1cb1026e879069e10a1e13"
	post := "/rest/build-status/1.0/commits/" + sha
	long := "flotilla/" + strings.Repeat("x", 300)
	start := answering(with(newBitbucketServerForge, BitbucketServerOptions{Token: "http-access-token"}), map[string]http.HandlerFunc{
		"POST " + post: func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) },
	})
	testBitbucketSetStatus(t, start, bitbucketStatusAPI{repo: "PRJ/my-repo", sha: sha, post: post, keyMax: 255},
		append(bitbucketStates(), bitbucketStatusCase{"no url, long context", Status{State: StateFailure, Context: long, Description: "sync failed"},
			map[string]string{"key": bitbucketKey(long, 255), "state": "FAILED", "name": long, "description": "sync failed", "url": "{{server}}/projects/PRJ/repos/my-repo/commits/" + sha}}))
}

func TestBitbucketServerPullRequestShiftedIntoTheNextPage(t *testing.T) {
	f, b := newBitbucketServerForge(t, BitbucketServerOptions{Repo: "my-repo"})
	// A pull request opened between the pages pushed 102 onto the second.
	page2 := `{"size":2,"limit":100,"isLastPage":true,"start":2,"values":[
		{"id":102,"title":"Bump the chart","fromRef":{"displayId":"renovate/chart","latestCommit":"0f3c9b7e5d2a1c4b6e8f0a2c4e6b8d0f1a3c5e7b"},"toRef":{"displayId":"release/2.0"},"author":{"user":{"name":"renovate-bot"}}},
		{"id":103,"title":"Docs","fromRef":{"displayId":"docs","latestCommit":"5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f"},"toRef":{"displayId":"main"},"author":{"user":{"name":"jane"}}}]}`
	f.handle(bbsPulls, byQuery("start", "2", serve(200, fixture(t, "bitbucketserver/pull-requests-1.json")), serve(200, []byte(page2))))
	prs, err := b.List(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if numbers := prNumbers(prs); !reflect.DeepEqual(numbers, []int64{101, 102, 103}) {
		t.Errorf("pull requests %v, want [101 102 103]: each once", numbers)
	}
}
