package helm

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"

	repo "helm.sh/helm/v4/pkg/repo/v1"

	"flotilla.dev/flotilla/internal/source/cachefile"
)

// fetchFromIndex resolves version in the repository's index.yaml and
// fetches that chart archive, unless its digest is already cached.
func (f *Fetcher) fetchFromIndex(ctx context.Context, loc location, chart, version string, auth *Auth) (string, string, error) {
	idx, err := f.index(ctx, loc, auth)
	if err != nil {
		return "", "", err
	}
	cv, err := idx.Get(chart, version)
	if err != nil {
		return "", "", indexLookupError(loc, chart, version, err)
	}
	aliases := []string{cv.Version}
	if isPin(version) && version != cv.Version {
		aliases = append(aliases, version)
	}
	if dir, r, ok := f.cachedRef(loc, chart, cv.Version); ok {
		f.saveRef(loc, chart, r, aliases...)
		return dir, r.version, nil
	}
	if digest := strings.TrimPrefix(cv.Digest, "sha256:"); digest != "" {
		if dir, ok := f.chartDir(digest); ok {
			f.saveRef(loc, chart, ref{digest: digest, version: cv.Version}, aliases...)
			return dir, cv.Version, nil
		}
	}
	if len(cv.URLs) == 0 {
		return "", "", newError(auth, fmt.Sprintf("chart %s %s in %s has no download URL", chart, cv.Version, loc.display))
	}
	chartURL, err := repo.ResolveReferenceURL(loc.base.String(), cv.URLs[0])
	if err != nil {
		return "", "", newError(auth, fmt.Sprintf("chart %s %s in %s: %v", chart, cv.Version, loc.display, err))
	}
	data, err := f.download(ctx, loc, chartURL, auth, maxArchiveBytes, ErrVersionNotFound)
	if err != nil {
		return "", "", err
	}
	dir, digest, err := f.store(data)
	if err != nil {
		return "", "", newError(auth, fmt.Sprintf("store chart %s %s from %s: %v", chart, cv.Version, loc.display, err))
	}
	f.saveRef(loc, chart, ref{digest: digest, version: cv.Version}, aliases...)
	return dir, cv.Version, nil
}

func indexLookupError(loc location, chart, version string, err error) error {
	switch {
	case errors.Is(err, repo.ErrNoChartName):
		return &sourceError{msg: fmt.Sprintf("chart %q not found in %s", chart, loc.display), kinds: []error{ErrChartNotFound}}
	case errors.Is(err, repo.ErrNoChartVersion), strings.Contains(err.Error(), "no chart version found"):
		return &sourceError{msg: fmt.Sprintf("chart %q has no version matching %q in %s", chart, versionOrLatest(version), loc.display), kinds: []error{ErrVersionNotFound}}
	}
	return &sourceError{msg: fmt.Sprintf("chart %q version %q in %s: %v", chart, version, loc.display, err)}
}

func versionOrLatest(v string) string {
	if v == "" {
		return "latest"
	}
	return v
}

// index returns the repository's index.yaml, reused for the index TTL.
func (f *Fetcher) index(ctx context.Context, loc location, auth *Auth) (*repo.IndexFile, error) {
	key := "index\x00" + loc.key
	if v, ok := f.list(key); ok {
		return v.(*repo.IndexFile), nil
	}
	unlock, err := f.lock(ctx, key)
	if err != nil {
		return nil, fmt.Errorf("wait for the index of %s: %w", loc.display, err)
	}
	defer unlock()
	if v, ok := f.list(key); ok {
		return v.(*repo.IndexFile), nil
	}
	data, err := f.download(ctx, loc, loc.base.JoinPath("index.yaml").String(), auth, maxIndexBytes, ErrRepositoryNotFound)
	if errors.Is(err, ErrRepositoryNotFound) {
		return nil, &sourceError{msg: fmt.Sprintf("no chart repository at %s: index.yaml not found", loc.display), kinds: []error{ErrRepositoryNotFound}}
	}
	if err != nil {
		return nil, err
	}
	path := filepath.Join(f.cacheDir, "indexes", loc.hash()+".yaml")
	if err := cachefile.WriteAtomic(path, data); err != nil {
		return nil, fmt.Errorf("store the index of %s: %w", loc.display, err)
	}
	idx, err := repo.LoadIndexFile(path)
	if err != nil {
		return nil, newError(auth, fmt.Sprintf("read the index of %s: %v", loc.display, err))
	}
	f.setList(key, idx)
	return idx, nil
}

// download GETs rawURL with auth. Basic auth goes to the repository's own
// host only, unless auth.PassCredentials. A 404 is reported as notFound.
func (f *Fetcher) download(ctx context.Context, loc location, rawURL string, auth *Auth, limit int64, notFound error) ([]byte, error) {
	shown := redact(rawURL, auth.secrets()...)
	tr, err := auth.transport()
	if err != nil {
		return nil, newError(auth, fmt.Sprintf("connect to %s: %v", loc.display, err))
	}
	defer tr.CloseIdleConnections()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, newError(auth, fmt.Sprintf("fetch %s: %v", shown, err))
	}
	req.Header.Set("User-Agent", "flotilla")
	if user, pass, ok := auth.basic(); ok && (auth.PassCredentials || sameOrigin(loc.base, req.URL)) {
		req.SetBasicAuth(user, pass)
	}
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		return nil, wrapError(ctx, auth, "fetch "+shown, err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return nil, &sourceError{msg: fmt.Sprintf("authentication failed for %s (%s)", loc.display, resp.Status), kinds: []error{ErrAuthenticationFailed}}
	case resp.StatusCode == http.StatusNotFound:
		return nil, &sourceError{msg: fmt.Sprintf("fetch %s: %s", shown, resp.Status), kinds: []error{notFound}}
	case resp.StatusCode/100 != 2:
		return nil, newError(auth, fmt.Sprintf("fetch %s: %s", shown, resp.Status))
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, wrapError(ctx, auth, "fetch "+shown, err)
	}
	if int64(len(data)) > limit {
		return nil, newError(auth, fmt.Sprintf("fetch %s: larger than the limit of %d bytes", shown, limit))
	}
	return data, nil
}

func sameOrigin(a, b *url.URL) bool {
	return a != nil && b != nil && strings.EqualFold(a.Scheme, b.Scheme) && strings.EqualFold(a.Host, b.Host)
}
