package helm

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/Masterminds/semver/v3"
)

// DefaultIndexTTL is how long an index.yaml or an OCI tag list is reused.
const DefaultIndexTTL = 3 * time.Minute

// Size limits for what is downloaded.
const (
	maxIndexBytes   = 256 << 20
	maxArchiveBytes = 100 << 20
)

// Fetcher fetches charts into a cache directory. It is safe for concurrent
// use.
type Fetcher struct {
	cacheDir string
	indexTTL time.Duration
	now      func() time.Time

	mu    sync.Mutex
	locks map[string]chan struct{} // per repository and chart
	lists map[string]cachedList    // index.yaml or tags, by repository
}

// Option configures a Fetcher.
type Option func(*Fetcher)

// WithIndexTTL sets how long an index.yaml or OCI tag list is reused; 0
// refetches it on every resolution of a version that is not a pin.
func WithIndexTTL(d time.Duration) Option {
	return func(f *Fetcher) { f.indexTTL = d }
}

// NewFetcher returns a Fetcher that keeps its cache under cacheDir. The
// directory is created on first use.
func NewFetcher(cacheDir string, opts ...Option) *Fetcher {
	f := &Fetcher{
		cacheDir: cacheDir,
		indexTTL: DefaultIndexTTL,
		now:      time.Now,
		locks:    map[string]chan struct{}{},
		lists:    map[string]cachedList{},
	}
	for _, opt := range opts {
		opt(f)
	}
	return f
}

// CacheDir is the directory the Fetcher keeps its cache in.
func (f *Fetcher) CacheDir() string { return f.cacheDir }

// Fetch returns the unpacked directory of chart from the repository at
// repoURL ("https://…" chart repository or "oci://…" registry path) at
// version (a pin, a semver constraint, or "" for the latest), and the
// version it resolved to. The directory is shared: treat it as read-only.
func (f *Fetcher) Fetch(ctx context.Context, repoURL, chart, version string, auth *Auth) (dir string, resolved string, err error) {
	loc, err := parseLocation(repoURL, false)
	if err != nil {
		return "", "", err
	}
	return f.fetch(ctx, loc, chart, version, auth)
}

// FetchOCI is Fetch for an OCI registry, which repoURL may name without the
// oci:// scheme (an Argo CD repository with enableOCI).
func (f *Fetcher) FetchOCI(ctx context.Context, repoURL, chart, version string, auth *Auth) (dir string, resolved string, err error) {
	loc, err := parseLocation(repoURL, true)
	if err != nil {
		return "", "", err
	}
	if !loc.oci {
		return "", "", fmt.Errorf("repository URL %s is not an OCI registry", loc.display)
	}
	return f.fetch(ctx, loc, chart, version, auth)
}

func (f *Fetcher) fetch(ctx context.Context, loc location, chart, version string, auth *Auth) (string, string, error) {
	if err := checkChartName(chart); err != nil {
		return "", "", err
	}
	version = strings.TrimSpace(version)
	auth = loc.auth(auth)
	unlock, err := f.lock(ctx, loc.hash(chart))
	if err != nil {
		return "", "", fmt.Errorf("wait for chart %s in %s: %w", chart, loc.display, err)
	}
	defer unlock()

	// A pin (or an OCI digest) that was fetched before costs no network,
	// as in Argo CD.
	if isPin(version) || (loc.oci && strings.HasPrefix(version, "sha256:")) {
		if dir, r, ok := f.cachedRef(loc, chart, version); ok {
			return dir, r.version, nil
		}
	}
	if loc.oci {
		return f.fetchOCI(ctx, loc, chart, version, auth)
	}
	return f.fetchFromIndex(ctx, loc, chart, version, auth)
}

// checkChartName refuses names that are not one path segment.
func checkChartName(chart string) error {
	if chart == "" || chart == "." || chart == ".." || strings.ContainsAny(chart, "/\\") || strings.TrimSpace(chart) != chart {
		return fmt.Errorf("chart name %q is not valid", chart)
	}
	return nil
}

// isPin reports whether version is an exact version rather than a
// constraint, with Argo CD's test: it parses as a semver version.
func isPin(version string) bool {
	if version == "" {
		return false
	}
	_, err := semver.NewVersion(version)
	return err == nil
}

// lock serialises work on one key, waiting no longer than ctx allows.
func (f *Fetcher) lock(ctx context.Context, key string) (func(), error) {
	f.mu.Lock()
	sem, ok := f.locks[key]
	if !ok {
		sem = make(chan struct{}, 1)
		f.locks[key] = sem
	}
	f.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	select {
	case sem <- struct{}{}:
		return func() { <-sem }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// cachedList is an index.yaml or a tag list and when it was fetched.
type cachedList struct {
	at    time.Time
	index any // *repo.IndexFile or []string
}

// list returns the cached list for key while fresh.
func (f *Fetcher) list(key string) (any, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, ok := f.lists[key]
	if !ok || f.now().Sub(c.at) >= f.indexTTL {
		return nil, false
	}
	return c.index, true
}

func (f *Fetcher) setList(key string, v any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lists[key] = cachedList{at: f.now(), index: v}
}
