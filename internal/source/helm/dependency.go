package helm

import (
	"context"
	"fmt"
	"strings"
)

// DependencyFetcher fetches the chart dependencies that render/helm finds
// missing from a chart's charts/ directory; it satisfies render/helm's
// DependencyFetcher.
type DependencyFetcher struct {
	Fetcher *Fetcher
	// Auth returns the credentials for a dependency repository, as written
	// in Chart.yaml ("https://…" or "oci://…"); nil, or a nil result, means
	// anonymous.
	Auth func(repository string) *Auth
	// Resolve turns a repository reference by name ("@name" or
	// "alias:name", the name given) into its URL, with its scheme
	// ("oci://" for a registry); nil refuses such references.
	Resolve func(name string) (url string, ok bool)
}

// FetchDependency returns the directory of chart name at the highest
// version of repository satisfying version.
func (d DependencyFetcher) FetchDependency(ctx context.Context, repository, name, version string) (string, error) {
	if d.Fetcher == nil {
		return "", fmt.Errorf("dependency %s: no fetcher", name)
	}
	repoURL := repository
	if alias, ok := repositoryAlias(repository); ok {
		if d.Resolve == nil {
			return "", fmt.Errorf("dependency %s: repository %q names a configured repository, and none are known", name, repository)
		}
		if repoURL, ok = d.Resolve(alias); !ok {
			return "", fmt.Errorf("dependency %s: no repository named %q", name, alias)
		}
	}
	var auth *Auth
	if d.Auth != nil {
		auth = d.Auth(repoURL)
	}
	dir, _, err := d.Fetcher.Fetch(ctx, repoURL, name, version, auth)
	if err != nil {
		return "", err
	}
	return dir, nil
}

func repositoryAlias(repository string) (string, bool) {
	switch {
	case strings.HasPrefix(repository, "@"):
		return strings.TrimPrefix(repository, "@"), true
	case strings.HasPrefix(repository, "alias:"):
		return strings.TrimPrefix(repository, "alias:"), true
	}
	return "", false
}
