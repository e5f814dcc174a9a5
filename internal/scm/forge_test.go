package scm

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
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
