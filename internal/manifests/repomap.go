package manifests

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"flotilla.dev/flotilla/internal/source"
)

// RepoMap serves repository URLs from somewhere else: a local directory
// (a work tree with uncommitted changes, an air-gapped copy) or another URL
// (a mirror). Keys are compared normalised.
type RepoMap map[string]string

// ParseRepoMap parses `URL=PATH_OR_URL` entries.
func ParseRepoMap(entries []string) (RepoMap, error) {
	m := RepoMap{}
	for _, e := range entries {
		from, to, ok := strings.Cut(e, "=")
		if !ok || from == "" || to == "" {
			return nil, fmt.Errorf("repo map %q: want URL=PATH_OR_URL", e)
		}
		if !isURL(to) {
			abs, err := filepath.Abs(to)
			if err != nil {
				return nil, fmt.Errorf("repo map %q: %w", e, err)
			}
			if info, err := os.Stat(abs); err != nil || !info.IsDir() {
				return nil, fmt.Errorf("repo map %q: %s is not a directory", e, to)
			}
			to = abs
		}
		m[source.Normalize(from)] = to
	}
	return m, nil
}

func (m RepoMap) lookup(repoURL string) (string, bool) {
	to, ok := m[source.Normalize(repoURL)]
	return to, ok
}

// localDir returns the local directory serving repoURL, if any.
func (m RepoMap) localDir(repoURL string) (string, bool) {
	to, ok := m.lookup(repoURL)
	if !ok || isURL(to) {
		return "", false
	}
	return to, true
}

// url returns the URL to fetch repoURL from.
func (m RepoMap) url(repoURL string) string {
	if to, ok := m.lookup(repoURL); ok && isURL(to) {
		return to
	}
	return repoURL
}

func isURL(s string) bool {
	return strings.Contains(s, "://") || strings.HasPrefix(s, "git@")
}
