package scm

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// forge is an in-process HTTP server speaking one provider's REST API,
// answering from handlers the test registers with Go 1.22 mux patterns
// ("GET /api/v1/repos/{owner}/{repo}/pulls"). It records every request,
// and the waits of the provider on it, which are not slept.
type forge struct {
	*httptest.Server
	mux   *http.ServeMux
	waits waitRecorder

	mu       sync.Mutex
	requests []recorded
}

// recorded is one request the forge saw.
type recorded struct {
	Method, Path, RawQuery string
	Header                 http.Header
	Body                   []byte
}

// newForge starts a forge, closed when the test ends. A request no
// handler matches answers 404 with a JSON message, as the forges do.
func newForge(t *testing.T) *forge {
	t.Helper()
	f := &forge{mux: http.NewServeMux()}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		f.requests = append(f.requests, recorded{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Clone(), body})
		f.mu.Unlock()
		f.mux.ServeHTTP(w, r)
	}))
	t.Cleanup(f.Close)
	return f
}

// startProvider starts a forge and the provider build makes for it (its
// URL the API, f.waits.sleep the Sleep).
func startProvider[P any](t *testing.T, build func(f *forge) (P, error)) (*forge, P) {
	t.Helper()
	f := newForge(t)
	p, err := build(f)
	if err != nil {
		t.Fatal(err)
	}
	return f, p
}

// with is a provider's start with its options bound, for the shared tests.
func with[O, P any](start func(*testing.T, O) (*forge, P), o O) func(*testing.T) (*forge, P) {
	return func(t *testing.T) (*forge, P) { return start(t, o) }
}

// answering is start with the forge answering routes, handlers by
// pattern.
func answering[P any](start func(*testing.T) (*forge, P), routes map[string]http.HandlerFunc) func(*testing.T) (*forge, P) {
	return func(t *testing.T) (*forge, P) {
		f, p := start(t)
		for pattern, h := range routes {
			f.handle(pattern, h)
		}
		return f, p
	}
}

// handle registers h for pattern.
func (f *forge) handle(pattern string, h http.HandlerFunc) { f.mux.HandleFunc(pattern, h) }

// seen returns the requests so far.
func (f *forge) seen() []recorded {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]recorded(nil), f.requests...)
}

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

// fixture reads testdata/name: a payload recorded from the provider's
// API documentation.
func fixture(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// serverFixture is the fixture name with {{server}} replaced by f's URL,
// for bodies that link to the next page.
func serverFixture(t *testing.T, f *forge, name string) []byte {
	t.Helper()
	return bytes.ReplaceAll(fixture(t, name), []byte("{{server}}"), []byte(f.URL))
}

// serve answers with status, the JSON body and extra headers (pairs of
// name, value), e.g. a Link header of the next page.
func serve(status int, body []byte, headers ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		for i := 0; i+1 < len(headers); i += 2 {
			w.Header().Set(headers[i], headers[i+1])
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write(body)
	}
}

// rateLimitedOnce answers 429 with Retry-After: 7 to the first request,
// then as h.
func rateLimitedOnce(h http.HandlerFunc) http.HandlerFunc {
	return answerOnceThen(serve(http.StatusTooManyRequests, []byte(`{"message":"slow down"}`), "Retry-After", "7"), h)
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

// byQuery serves first, or second when the request's query has
// key=value.
func byQuery(key, value string, first, second http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get(key) == value {
			second(w, r)
			return
		}
		first(w, r)
	}
}

// basicHeader is the Authorization header of basic credentials.
func basicHeader(user, password string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+password))
}

// requestURIs are the requests' path?query.
func requestURIs(requests []recorded) []string {
	var out []string
	for _, r := range requests {
		out = append(out, r.Path+"?"+r.RawQuery)
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

// indentJSON is v as indented JSON, for messages.
func indentJSON(v any) string {
	b, _ := json.MarshalIndent(v, "", "  ")
	return string(b)
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

// prNumbers are the pull requests' numbers.
func prNumbers(prs []*PullRequest) []int64 {
	out := make([]int64, 0, len(prs))
	for _, pr := range prs {
		out = append(out, pr.Number)
	}
	return out
}

// branchHeads are the heads of branches (repo at each branch) by name;
// each must keep repo's other fields.
func branchHeads(t *testing.T, repo *Repository, branches []*Repository) map[string]string {
	t.Helper()
	heads := map[string]string{}
	for _, b := range branches {
		heads[b.Branch] = b.SHA
		if b.Repository != repo.Repository || b.URL != repo.URL || b.RepositoryID != repo.RepositoryID {
			t.Errorf("branch %s lost the repository's fields: %+v", b.Branch, b)
		}
	}
	return heads
}

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
