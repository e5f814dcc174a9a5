package helm

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/Masterminds/semver/v3"
	chart "helm.sh/helm/v4/pkg/chart/v2"
)

// DependencyFetcher fetches chart dependencies that live in a chart
// repository or an OCI registry. Package source/helm implements it; this
// package never touches the network itself.
type DependencyFetcher interface {
	// FetchDependency returns the unpacked directory of chart name from
	// repository (an http(s):// chart repository, an oci:// registry path,
	// or an "@name" / "alias:name" reference to a configured repository)
	// at the highest version satisfying the constraint version. The
	// directory is treated as read-only.
	FetchDependency(ctx context.Context, repository, name, version string) (dir string, err error)
}

// dependencyResolver fills in the dependencies a chart declares but does
// not carry in charts/, as Argo CD's `helm dependency build` retry does.
type dependencyResolver struct {
	repoRoot string // file:// dependencies must stay inside it
	chartDir string // file:// paths are relative to it
	fetcher  DependencyFetcher
}

// addMissing adds every declared dependency that is not in charts/. A
// Chart.lock pins the versions; without one, Chart.yaml's constraints
// apply. Dependencies already in charts/ are kept as they are.
func (r dependencyResolver) addMissing(ctx context.Context, ch *chart.Chart) error {
	present := map[string]bool{}
	for _, d := range ch.Dependencies() {
		present[d.Name()] = true
	}
	for _, dep := range ch.Metadata.Dependencies {
		if present[dep.Name] {
			continue
		}
		version := lockedVersion(ch.Lock, dep)
		sub, err := r.load(ctx, dep, version)
		if err != nil {
			return fmt.Errorf("dependency %s: %w", dep.Name, err)
		}
		ch.AddDependency(sub)
		present[dep.Name] = true
	}
	return nil
}

// lockedVersion is the version Chart.lock pins for dep, or dep's own
// constraint when there is no lock entry.
func lockedVersion(lock *chart.Lock, dep *chart.Dependency) string {
	if lock != nil {
		for _, l := range lock.Dependencies {
			if l.Name == dep.Name && l.Repository == dep.Repository {
				return l.Version
			}
		}
	}
	return dep.Version
}

func (r dependencyResolver) load(ctx context.Context, dep *chart.Dependency, version string) (*chart.Chart, error) {
	constraint, err := semver.NewConstraint(version)
	if err != nil {
		return nil, fmt.Errorf("invalid version constraint %q: %w", version, err)
	}
	var sub *chart.Chart
	switch {
	case dep.Repository == "":
		return nil, errors.New("not in charts/ and no repository to build it from")
	case strings.HasPrefix(dep.Repository, "file://"):
		dir, err := r.localDir(dep.Repository)
		if err != nil {
			return nil, err
		}
		if sub, err = loadChart(r.repoRoot, dir); err != nil {
			return nil, err
		}
	default:
		if r.fetcher == nil {
			return nil, fmt.Errorf("repository %s: no fetcher for chart repositories configured", dep.Repository)
		}
		dir, err := r.fetcher.FetchDependency(ctx, dep.Repository, dep.Name, version)
		if err != nil {
			return nil, err
		}
		// A fetched chart is its own repository.
		if sub, err = loadChart(dir, dir); err != nil {
			return nil, err
		}
	}
	v, err := semver.NewVersion(sub.Metadata.Version)
	if err != nil {
		return nil, fmt.Errorf("chart version %q: %w", sub.Metadata.Version, err)
	}
	if !constraint.Check(v) {
		return nil, fmt.Errorf("version %s does not satisfy %q", sub.Metadata.Version, version)
	}
	return sub, nil
}

// localDir resolves a file:// repository relative to the chart directory
// (or, when absolute, as is — like helm) and refuses one outside the
// repository.
func (r dependencyResolver) localDir(repository string) (string, error) {
	p := strings.TrimPrefix(repository, "file://")
	if !filepath.IsAbs(p) {
		abs, err := filepath.Abs(filepath.Join(r.chartDir, p))
		if err != nil {
			return "", err
		}
		p = abs
	}
	_, ok, err := realPathInside(r.repoRoot, p)
	if errors.Is(err, errOutside) {
		return "", fmt.Errorf("%s %w", repository, errOutside)
	}
	if err != nil {
		return "", fmt.Errorf("%s: %w", repository, err)
	}
	if !ok {
		return "", fmt.Errorf("%s: directory not found", repository)
	}
	return p, nil
}
