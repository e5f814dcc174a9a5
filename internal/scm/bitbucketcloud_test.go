package scm

import (
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

const bbcPulls = "GET /2.0/repositories/my-workspace/my-repo/pullrequests"

// newBitbucketCloudForge starts a forge and a provider on it.
func newBitbucketCloudForge(t *testing.T, o BitbucketCloudOptions) (*forge, *bitbucketCloud) {
	return startProvider(t, func(f *forge) (*bitbucketCloud, error) {
		o.API, o.Sleep = f.URL+"/2.0", f.waits.sleep
		if o.Owner == "" {
			o.Owner = "my-workspace"
		}
		return NewBitbucketCloud(o)
	})
}

func TestBitbucketCloudPullRequestsAcrossPages(t *testing.T) {
	f, b := newBitbucketCloudForge(t, BitbucketCloudOptions{Repo: "my-repo", User: "jdoe", Password: "app-password"})
	f.handle(bbcPulls, byQuery("page", "2",
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
	// The second request is the first page's next URL, as it is.
	requests := []string{"/2.0/repositories/my-workspace/my-repo/pullrequests?pagelen=50&state=OPEN",
		"/2.0/repositories/my-workspace/my-repo/pullrequests?pagelen=50&state=OPEN&page=2"}
	if got := requestURIs(f.seen()); !reflect.DeepEqual(got, requests) {
		t.Errorf("requests %q, want %q", got, requests)
	}
}

func TestBitbucketCloudNextLinkToAnotherHostRefused(t *testing.T) {
	f, b := newBitbucketCloudForge(t, BitbucketCloudOptions{Repo: "my-repo", Token: "secret"})
	f.handle(bbcPulls, serve(200, []byte(`{"values":[],"next":"https://elsewhere.example.com/2.0/steal"}`)))
	if _, err := b.List(t.Context()); err == nil || !strings.Contains(err.Error(), "leaves the API's host") {
		t.Fatalf("error %v, want the next link refused", err)
	}
	if n := len(f.seen()); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}

func TestBitbucketCloudNextLinkToItself(t *testing.T) {
	f, b := newBitbucketCloudForge(t, BitbucketCloudOptions{Repo: "my-repo"})
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
			f, b := newBitbucketCloudForge(t, tc.o)
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
	testListErrors(t, with(newBitbucketCloudForge, BitbucketCloudOptions{Repo: "gone"}),
		"GET /2.0/repositories/my-workspace/gone/pullrequests", []errorCase{
			{"repository not found", 404, fixture(t, "bitbucketcloud/error-404.json"), true, "Repository my-workspace/gone not found"},
			{"bad credentials", 401, []byte(`{"type":"error","error":{"message":"Access token expired."}}`), false, "Access token expired."},
			{"forbidden", 403, []byte(`{"type":"error","error":{"message":"Your credentials lack one or more required privilege scopes.","detail":{"required":["pullrequest"],"granted":["account"]}}}`), false, "lack one or more required privilege scopes"},
		})
}

func TestBitbucketCloudRetriesRateLimit(t *testing.T) {
	testRateLimit(t, with(newBitbucketCloudForge, BitbucketCloudOptions{Repo: "my-repo"}), rateLimitCase{
		pattern: bbcPulls, answer: rateLimitedOnce(serve(200, fixture(t, "bitbucketcloud/pullrequests-2.json"))),
		prs: 1, minWait: 7 * time.Second, maxWait: 7 * time.Second, // Retry-After's
	})
}

func TestBitbucketCloudListRepos(t *testing.T) {
	start := answering(with(newBitbucketCloudForge, BitbucketCloudOptions{User: "jdoe", Password: "app-password"}),
		map[string]http.HandlerFunc{"GET /2.0/repositories/my-workspace": serve(200, fixture(t, "bitbucketcloud/repositories.json"))})
	ssh := []string{"git@bitbucket.org:my-workspace/my-repo.git", "git@bitbucket.org:my-workspace/infra.git"}
	https := []string{"https://bitbucket.org/my-workspace/my-repo.git", "https://bitbucket.org/my-workspace/infra.git"}
	testCloneProtocols(t, start, protocols(ssh, https), func(t *testing.T, f *forge, repos []*Repository, urls []string) {
		want := []Repository{
			{Organization: "my-workspace", Repository: "my-repo", URL: urls[0], Branch: "main", Labels: []string{}, RepositoryID: "{2e9c6a43-8d53-4e4c-9a1b-6a9f0c7d3e21}"},
			{Organization: "my-workspace", Repository: "infra", URL: urls[1], Branch: "master", Labels: []string{}, RepositoryID: "{7c4e1f02-3b5d-4a6e-9f8a-0b1c2d3e4f50}"},
		}
		if got := derefRepos(repos); !reflect.DeepEqual(got, want) {
			t.Errorf("repositories:\n got %+v\nwant %+v", got, want)
		}
		if q := f.seen()[0].RawQuery; q != "pagelen=100&role=member" {
			t.Errorf("query %q, want pagelen=100&role=member", q)
		}
	})
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
			f, b := newBitbucketCloudForge(t, BitbucketCloudOptions{AllBranches: tc.all})
			f.handle("GET /2.0/repositories/my-workspace/my-repo/refs/branches/main", serve(200, fixture(t, "bitbucketcloud/branch.json")))
			f.handle("GET /2.0/repositories/my-workspace/my-repo/refs/branches", byQuery("page", "2",
				serve(200, serverFixture(t, f, "bitbucketcloud/branches-1.json")),
				serve(200, serverFixture(t, f, "bitbucketcloud/branches-2.json"))))
			got, err := b.GetBranches(t.Context(), repo)
			if err != nil {
				t.Fatal(err)
			}
			if branches := branchHeads(t, repo, got); !reflect.DeepEqual(branches, tc.branches) {
				t.Errorf("branches %v, want %v", branches, tc.branches)
			}
			if requests := requestURIs(f.seen()); !reflect.DeepEqual(requests, tc.requests) {
				t.Errorf("requests %q, want %q", requests, tc.requests)
			}
		})
	}
}

func TestBitbucketCloudRepoHasPath(t *testing.T) {
	repo := &Repository{Organization: "my-workspace", Repository: "my-repo", Branch: "main", SHA: "61b8c6e5d6a0a6bcb2b31c0a8dd2e4d27a8a1c0f"}
	src := "GET /2.0/repositories/my-workspace/my-repo/src/"
	start := answering(with(newBitbucketCloudForge, BitbucketCloudOptions{}), map[string]http.HandlerFunc{
		src + "61b8c6e5d6a0a6bcb2b31c0a8dd2e4d27a8a1c0f/deploy": serve(200, fixture(t, "bitbucketcloud/src-meta.json")),
		src + "{rest...}": serve(404, []byte(`{"type":"error","error":{"message":"No such file or directory: missing/dir"}}`)),
	})
	testRepoHasPath(t, start, repo, []pathCase{
		{path: "deploy", want: true},
		{path: "deploy/", want: true},
		{path: "missing/dir", want: false},
	}, func(path string) string {
		return "/2.0/repositories/my-workspace/my-repo/src/61b8c6e5d6a0a6bcb2b31c0a8dd2e4d27a8a1c0f/" + strings.Trim(path, "/") + "?format=meta"
	})
	t.Run("server error", func(t *testing.T) {
		failing := answering(with(newBitbucketCloudForge, BitbucketCloudOptions{}), map[string]http.HandlerFunc{
			src + "{rest...}": serve(500, []byte(`{"type":"error","error":{"message":"Something went wrong"}}`)),
		})
		testRepoHasPath(t, failing, repo, []pathCase{{path: "deploy", err: "Something went wrong"}}, nil)
	})
}

func TestBitbucketCloudSetStatus(t *testing.T) {
	const sha = "61b8c6e5d6a0a6bcb2b31c0a8dd2e4d27a8a1c0f"
	commit := "/2.0/repositories/my-workspace/my-repo/commit/" + sha
	long := "flotilla/" + strings.Repeat("payments-", 6) + "eu-west-1"
	start := answering(with(newBitbucketCloudForge, BitbucketCloudOptions{Token: "access-token"}), map[string]http.HandlerFunc{
		"POST " + commit + "/statuses/build": serve(201, fixture(t, "bitbucketcloud/status.json")),
		"GET " + commit:                      serve(200, fixture(t, "bitbucketcloud/commit.json")),
	})
	testBitbucketSetStatus(t, start, bitbucketStatusAPI{repo: "my-workspace/my-repo", sha: sha, post: commit + "/statuses/build", commitPage: commit, keyMax: 40},
		append(bitbucketStates(), bitbucketStatusCase{"long context, no url", Status{State: StateSuccess, Context: long, Description: "Synced and Healthy"},
			map[string]string{"key": bitbucketKey(long, 40), "state": "SUCCESSFUL", "name": long, "description": "Synced and Healthy", "url": "https://bitbucket.org/my-workspace/my-repo/commits/" + sha}}))
	t.Run("unknown state", func(t *testing.T) {
		f, b := newBitbucketCloudForge(t, BitbucketCloudOptions{})
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
