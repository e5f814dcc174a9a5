package helm

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	chartutil "helm.sh/helm/v4/pkg/chart/v2/util"

	"flotilla.dev/flotilla/internal/source/cachefile"
)

var hexDigest = regexp.MustCompile(`^[0-9a-f]{64}$`)

// chartDir returns the unpacked chart stored under digest (hex sha256 of
// its archive), if present.
func (f *Fetcher) chartDir(digest string) (string, bool) {
	if !hexDigest.MatchString(digest) {
		return "", false
	}
	root := filepath.Join(f.cacheDir, "charts", digest)
	entries, err := os.ReadDir(root)
	if err != nil || len(entries) != 1 || !entries[0].IsDir() {
		return "", false
	}
	return filepath.Join(root, entries[0].Name()), true
}

// store unpacks a chart archive into charts/<digest>/<name> once and
// returns the chart directory and the digest. The directory is written in
// a temporary place and renamed into position, so readers never see half
// of it; its files are read-only.
func (f *Fetcher) store(archive []byte) (string, string, error) {
	sum := sha256.Sum256(archive)
	digest := hex.EncodeToString(sum[:])
	if dir, ok := f.chartDir(digest); ok {
		return dir, digest, nil
	}
	charts := filepath.Join(f.cacheDir, "charts")
	if err := os.MkdirAll(charts, 0o755); err != nil {
		return "", "", err
	}
	tmp, err := os.MkdirTemp(charts, ".unpack-")
	if err != nil {
		return "", "", err
	}
	defer os.RemoveAll(tmp)
	if err := chartutil.Expand(tmp, bytes.NewReader(archive)); err != nil {
		return "", "", fmt.Errorf("unpack chart archive: %w", err)
	}
	if err := readOnly(tmp); err != nil {
		return "", "", err
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		return "", "", err
	}
	target := filepath.Join(charts, digest)
	if err := os.Rename(tmp, target); err != nil {
		// Another fetch may have stored the same archive meanwhile.
		if dir, ok := f.chartDir(digest); ok {
			return dir, digest, nil
		}
		return "", "", err
	}
	dir, ok := f.chartDir(digest)
	if !ok {
		return "", "", errors.New("unpacked chart archive holds no chart directory")
	}
	return dir, digest, nil
}

// readOnly drops write permission from the files below dir (directories
// stay writable so that the cache can be removed).
func readOnly(dir string) error {
	return filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		return os.Chmod(path, 0o444)
	})
}

// ref is what a (repository, chart, version) resolved to.
type ref struct {
	digest, version string
}

func (f *Fetcher) refPath(loc location, chart, version string) string {
	return filepath.Join(f.cacheDir, "refs", loc.hash(chart, version))
}

// cachedRef returns the chart directory a pinned version resolved to
// before, if its chart is still in the cache.
func (f *Fetcher) cachedRef(loc location, chart, version string) (string, ref, bool) {
	data, err := os.ReadFile(f.refPath(loc, chart, version))
	if err != nil {
		return "", ref{}, false
	}
	digest, resolved, ok := strings.Cut(strings.TrimSpace(string(data)), " ")
	if !ok {
		return "", ref{}, false
	}
	dir, ok := f.chartDir(digest)
	if !ok {
		return "", ref{}, false
	}
	return dir, ref{digest: digest, version: resolved}, true
}

// saveRef remembers what version (and any alias, such as the pin that was
// asked for) resolved to. A failure only costs a later download.
func (f *Fetcher) saveRef(loc location, chart string, r ref, versions ...string) {
	for _, v := range versions {
		_ = cachefile.WriteAtomic(f.refPath(loc, chart, v), []byte(r.digest+" "+r.version+"\n"))
	}
}
