package helmtest

import (
	"crypto/subtle"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	repo "helm.sh/helm/v4/pkg/repo/v1"
	"sigs.k8s.io/yaml"
)

// ChartRepo is a chart repository on 127.0.0.1: index.yaml at its root and
// the packaged charts under charts/, referenced from the index by relative
// URLs as `helm repo index` writes them.
type ChartRepo struct {
	url        string
	user, pass string

	mu     sync.Mutex
	index  *repo.IndexFile
	yaml   []byte
	charts map[string][]byte // by path below the root, "charts/x-1.0.0.tgz"
	paths  map[string]int64  // requests by path

	requests atomic.Int64
}

// RepoOption configures a ChartRepo.
type RepoOption func(*ChartRepo)

// RepoBasicAuth makes the repository require these basic auth credentials
// on every request.
func RepoBasicAuth(user, pass string) RepoOption {
	return func(r *ChartRepo) { r.user, r.pass = user, pass }
}

// NewChartRepo starts an empty chart repository on a random port of
// 127.0.0.1; it stops when t's cleanups run.
func NewChartRepo(t TB, opts ...RepoOption) *ChartRepo {
	t.Helper()
	r := &ChartRepo{index: repo.NewIndexFile(), charts: map[string][]byte{}, paths: map[string]int64{}}
	for _, opt := range opts {
		opt(r)
	}
	r.rebuildIndex(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("helmtest: listen: %v", err)
	}
	r.url = "http://" + l.Addr().String()
	srv := &http.Server{Handler: r, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	return r
}

// URL is the repository URL, as given to Argo CD.
func (r *ChartRepo) URL() string { return r.url }

// AddChart packages the chart directory dir and publishes it.
func (r *ChartRepo) AddChart(t TB, dir string) Archive {
	t.Helper()
	a := Package(t, dir)
	name := "charts/" + a.Name + "-" + a.Version + ".tgz"
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.index.MustAdd(a.Metadata, name, "", a.Digest); err != nil {
		t.Fatalf("helmtest: add %s to the index: %v", name, err)
	}
	r.charts[name] = a.Data
	r.rebuildIndexLocked(t)
	return a
}

func (r *ChartRepo) rebuildIndex(t TB) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.rebuildIndexLocked(t)
}

func (r *ChartRepo) rebuildIndexLocked(t TB) {
	r.index.SortEntries()
	data, err := yaml.Marshal(r.index)
	if err != nil {
		t.Fatalf("helmtest: encode index: %v", err)
	}
	r.yaml = data
}

// Requests is the number of requests answered so far.
func (r *ChartRepo) Requests() int64 { return r.requests.Load() }

// RequestsTo is the number of requests for one path ("/index.yaml",
// "/charts/x-1.0.0.tgz").
func (r *ChartRepo) RequestsTo(path string) int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.paths[path]
}

// ServeHTTP serves index.yaml and the charts.
func (r *ChartRepo) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	r.requests.Add(1)
	r.mu.Lock()
	r.paths[req.URL.Path]++
	r.mu.Unlock()
	if !checkBasicAuth(w, req, r.user, r.pass) {
		return
	}
	if req.Method != http.MethodGet && req.Method != http.MethodHead {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	path := strings.TrimPrefix(req.URL.Path, "/")
	r.mu.Lock()
	index := r.yaml
	chart, isChart := r.charts[path]
	r.mu.Unlock()
	switch {
	case path == "index.yaml":
		w.Header().Set("Content-Type", "application/x-yaml")
		_, _ = w.Write(index)
	case isChart:
		w.Header().Set("Content-Type", "application/gzip")
		_, _ = w.Write(chart)
	default:
		http.NotFound(w, req)
	}
}

// checkBasicAuth answers 401 and returns false unless the request carries
// the credentials (when any are required).
func checkBasicAuth(w http.ResponseWriter, req *http.Request, user, pass string) bool {
	if user == "" && pass == "" {
		return true
	}
	u, p, ok := req.BasicAuth()
	if ok && subtle.ConstantTimeCompare([]byte(u), []byte(user)) == 1 && subtle.ConstantTimeCompare([]byte(p), []byte(pass)) == 1 {
		return true
	}
	w.Header().Set("WWW-Authenticate", `Basic realm="helmtest"`)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusUnauthorized)
	_, _ = w.Write([]byte(`{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}`))
	return false
}
