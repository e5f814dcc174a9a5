package scm

import (
	"fmt"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The shared table tests every provider runs with its own forge and
// expectations.

// testBaseURLs checks the API root base gives for each API a user may
// configure.
func testBaseURLs(t *testing.T, base func(api string) (string, error), cases map[string]string) {
	t.Helper()
	for api, want := range cases {
		if got, err := base(api); err != nil || got != want {
			t.Errorf("base URL of %q = %q, %v; want %q", api, got, err, want)
		}
	}
}

// errorCase is an error answer to a provider's pull requests' request,
// and whether List's error must be a NotFoundError; it must carry the
// status and the forge's message.
type errorCase struct {
	name     string
	status   int
	body     []byte
	notFound bool
	message  string
}

// testListErrors answers the pull requests' request (pattern) of the
// provider start makes with each error.
func testListErrors[P PullRequestService](t *testing.T, start func(*testing.T) (*forge, P), pattern string, cases []errorCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f, p := start(t)
			f.handle(pattern, serve(tc.status, tc.body))
			_, err := p.List(t.Context())
			if err == nil {
				t.Fatal("no error")
			}
			if IsNotFound(err) != tc.notFound {
				t.Errorf("IsNotFound(%v) = %v, want %v", err, !tc.notFound, tc.notFound)
			}
			if !strings.Contains(err.Error(), tc.message) || !strings.Contains(err.Error(), strconv.Itoa(tc.status)) {
				t.Errorf("error %q does not carry %d and %q", err, tc.status, tc.message)
			}
		})
	}
}

// rateLimitCase is a provider's pull requests' request (pattern),
// answered by answer: refused once for a rate limit, then with prs pull
// requests. List must wait once, from minWait to maxWait, and try again.
type rateLimitCase struct {
	pattern          string
	answer           http.HandlerFunc
	prs              int
	minWait, maxWait time.Duration
}

// testRateLimit lists the pull requests of the provider start makes
// through the rate limit of tc.
func testRateLimit[P PullRequestService](t *testing.T, start func(*testing.T) (*forge, P), tc rateLimitCase) {
	t.Helper()
	f, p := start(t)
	f.handle(tc.pattern, tc.answer)
	prs, err := p.List(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(prs) != tc.prs || len(f.seen()) != 2 {
		t.Errorf("%d pull requests after %d requests, want %d after a retry", len(prs), len(f.seen()), tc.prs)
	}
	if w := f.waits.recorded(); len(w) != 1 || w[0] < tc.minWait || w[0] > tc.maxWait {
		t.Errorf("waits %v, want one of %s to %s", w, tc.minWait, tc.maxWait)
	}
}

// protocolCase is a clone protocol and the URLs of the repositories
// ListRepos gives in it; none is a protocol it must refuse.
type protocolCase struct {
	protocol string
	urls     []string
}

// protocols are the cases of repositories with ssh and https URLs, ssh
// the default, and of a protocol no provider knows.
func protocols(ssh, https []string) []protocolCase {
	return []protocolCase{{"", ssh}, {"ssh", ssh}, {"https", https}, {"svn", nil}}
}

// testCloneProtocols lists the repositories of the provider start makes
// in each protocol: an unknown one must be refused with an error naming
// it, the others give the URLs; check, when not nil, makes the
// provider's own assertions on the repositories and requests.
func testCloneProtocols[P RepositoryService](t *testing.T, start func(*testing.T) (*forge, P), cases []protocolCase,
	check func(t *testing.T, f *forge, repos []*Repository, urls []string),
) {
	t.Helper()
	for _, tc := range cases {
		t.Run("protocol "+tc.protocol, func(t *testing.T) {
			f, p := start(t)
			repos, err := p.ListRepos(t.Context(), tc.protocol)
			if tc.urls == nil {
				if want := fmt.Sprintf("unknown clone protocol %q", tc.protocol); err == nil || !strings.Contains(err.Error(), want) {
					t.Fatalf("error %v, want %q", err, want)
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
			if check != nil {
				check(t, f, repos, tc.urls)
			}
		})
	}
}

// pathCase is a path RepoHasPath is asked for: whether it is there, or
// what the error it fails with carries.
type pathCase struct {
	path string
	want bool
	err  string
}

// testRepoHasPath asks the provider start makes whether each path is on
// repo; an answer must come from one request, to request(path)
// (path?query), when request is not nil.
func testRepoHasPath[P RepositoryService](t *testing.T, start func(*testing.T) (*forge, P), repo *Repository, cases []pathCase,
	request func(path string) string,
) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.path, func(t *testing.T) {
			f, p := start(t)
			has, err := p.RepoHasPath(t.Context(), repo, tc.path)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("RepoHasPath(%q): error %v, want one with %q", tc.path, err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if has != tc.want {
				t.Errorf("RepoHasPath(%q) = %v, want %v", tc.path, has, tc.want)
			}
			if got := requestURIs(f.seen()); request != nil && !reflect.DeepEqual(got, []string{request(tc.path)}) {
				t.Errorf("requests %q, want %q", got, request(tc.path))
			}
		})
	}
}

// bitbucketStatusCase is a status and the build status body Bitbucket
// is sent for it; {{server}} in its url is the forge's URL.
type bitbucketStatusCase struct {
	name string
	s    Status
	want map[string]string
}

// bitbucketStates are a status of each state with a TargetURL, and the
// body both Bitbuckets are sent for it.
func bitbucketStates() []bitbucketStatusCase {
	const target = "https://flotilla.example.com/applications/payments"
	status := func(state State, description string) Status {
		return Status{State: state, Context: "flotilla/payments", Description: description, TargetURL: target}
	}
	body := func(state, description string) map[string]string {
		return map[string]string{"key": "flotilla/payments", "state": state, "name": "flotilla/payments", "description": description, "url": target}
	}
	return []bitbucketStatusCase{
		{"success", status(StateSuccess, "Synced and Healthy"), body("SUCCESSFUL", "Synced and Healthy")},
		{"pending", status(StatePending, "syncing"), body("INPROGRESS", "syncing")},
		{"failure", status(StateFailure, "sync failed"), body("FAILED", "sync failed")},
		{"error", status(StateError, ""), body("FAILED", "")},
	}
}

// bitbucketStatusAPI is where a Bitbucket takes the build statuses of
// sha in repo: one POST to post, after a GET of commitPage (when set) for
// a status without TargetURL; a key of at most keyMax bytes.
type bitbucketStatusAPI struct {
	repo, sha, post, commitPage string
	keyMax                      int
}

// testBitbucketSetStatus sets each status through the provider start
// makes.
func testBitbucketSetStatus[P StatusService](t *testing.T, start func(*testing.T) (*forge, P), api bitbucketStatusAPI, cases []bitbucketStatusCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f, p := start(t)
			tc.s.Repo, tc.s.SHA = api.repo, api.sha
			if err := p.SetStatus(t.Context(), tc.s); err != nil {
				t.Fatal(err)
			}
			want := []string{"POST " + api.post}
			if tc.s.TargetURL == "" && api.commitPage != "" {
				want = append([]string{"GET " + api.commitPage}, want...)
			}
			seen := f.seen()
			var got []string
			for _, r := range seen {
				got = append(got, r.Method+" "+r.Path)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("requests %q, want %q", got, want)
			}
			body := jsonBody(t, seen[len(seen)-1])
			tc.want["url"] = strings.ReplaceAll(tc.want["url"], "{{server}}", f.URL)
			if !reflect.DeepEqual(body, tc.want) {
				t.Errorf("body:\n got %v\nwant %v", body, tc.want)
			}
			if len(body["key"]) > api.keyMax {
				t.Errorf("key %q longer than %d", body["key"], api.keyMax)
			}
		})
	}
}
