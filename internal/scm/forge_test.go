package scm

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// forge is an in-process HTTP server speaking one provider's REST API,
// answering from handlers the test registers with Go 1.22 mux patterns
// ("GET /api/v1/repos/{owner}/{repo}/pulls"). It records every request.
type forge struct {
	*httptest.Server
	mux *http.ServeMux

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

// handle registers h for pattern.
func (f *forge) handle(pattern string, h http.HandlerFunc) { f.mux.HandleFunc(pattern, h) }

// seen returns the requests so far.
func (f *forge) seen() []recorded {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]recorded(nil), f.requests...)
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
