package manifests

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/source"
)

// fetched is one source on disk.
type fetched struct {
	// root is the repository root (a git tree, a local directory) or, for
	// a chart from a chart repository, the chart directory.
	root string
	// revision is the commit SHA, the chart version, or "local".
	revision string
	chart    bool
	local    bool
	// url is where a git source was fetched from ("" for others).
	url string
}

func (g *Generator) fetchAll(ctx context.Context, app *v1alpha1.Application, srcs []v1alpha1.ApplicationSource, req Request) ([]fetched, error) {
	out := make([]fetched, len(srcs))
	for i, src := range srcs {
		if src.Chart == "" {
			src.TargetRevision = g.targetRevision(src.RepoURL, src.TargetRevision)
		}
		if len(req.Revisions) > 0 && req.Revisions[i] != "" && req.Revisions[i] != "local" {
			src.TargetRevision = req.Revisions[i]
		}
		f, err := g.fetch(ctx, src, g.maxRevisionAge(req))
		if err != nil {
			return nil, withSource(app, i, src, err)
		}
		out[i] = f
	}
	return out, nil
}

// maxRevisionAge is how old a resolved revision may be for req: none with
// Refresh, FreshWithin when set, else the poll interval.
func (g *Generator) maxRevisionAge(req Request) time.Duration {
	switch {
	case req.Refresh:
		return 0
	case req.FreshWithin > 0:
		return req.FreshWithin
	}
	return g.PollInterval
}

func (g *Generator) fetch(ctx context.Context, src v1alpha1.ApplicationSource, maxAge time.Duration) (fetched, error) {
	if src.RepoURL == "" {
		return fetched{}, errors.New("source has no repoURL")
	}
	dir, local := g.RepoMap.localDir(src.RepoURL)
	if local && (src.Chart != "" || !g.pinned(src.RepoURL)) {
		return g.fetchLocal(dir, src)
	}
	ctx, cancel := g.withFetchTimeout(ctx)
	defer cancel()
	f, err := g.fetchRemote(ctx, src, maxAge)
	return f, g.explainTimeout(ctx, err)
}

// withFetchTimeout bounds a fetch by FetchTimeout.
func (g *Generator) withFetchTimeout(ctx context.Context) (context.Context, context.CancelFunc) {
	if g.FetchTimeout <= 0 {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, g.FetchTimeout)
}

// explainTimeout says so when a fetch failed because FetchTimeout passed
// (the transports report it as a bare "context deadline exceeded").
func (g *Generator) explainTimeout(ctx context.Context, err error) error {
	if err == nil || g.FetchTimeout <= 0 || !errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return err
	}
	return fmt.Errorf("%w (no answer within the fetch timeout of %s)", err, g.FetchTimeout)
}

func (g *Generator) fetchRemote(ctx context.Context, src v1alpha1.ApplicationSource, maxAge time.Duration) (fetched, error) {
	url := g.fetchURL(src.RepoURL)
	creds, err := g.credentials(ctx, src.RepoURL)
	if err != nil {
		return fetched{}, err
	}
	if src.Chart != "" {
		return g.fetchChart(ctx, url, src, creds)
	}
	sha, err := g.resolve(ctx, url, src.TargetRevision, creds, maxAge)
	if err != nil {
		return fetched{}, err
	}
	tree, _, err := g.Git.Checkout(ctx, url, sha, creds.GitAuth())
	if err != nil {
		return fetched{}, err
	}
	return fetched{root: tree, revision: sha, url: url}, nil
}

// fetchLocal serves a source from a local directory given by the repo map
// (uncommitted changes included). A chart source finds its chart in the
// directory's subdirectory named after the chart.
func (g *Generator) fetchLocal(dir string, src v1alpha1.ApplicationSource) (fetched, error) {
	if src.Chart != "" {
		return fetched{root: dir + "/" + src.Chart, revision: "local", chart: true, local: true}, nil
	}
	return fetched{root: dir, revision: "local", local: true}, nil
}

func (g *Generator) fetchChart(ctx context.Context, url string, src v1alpha1.ApplicationSource, creds *source.RepoCreds) (fetched, error) {
	fetch := g.Helm.Fetch
	if !strings.HasPrefix(url, "oci://") && creds != nil && (creds.EnableOCI || creds.Type == "oci") {
		fetch = g.Helm.FetchOCI
	}
	dir, version, err := fetch(ctx, url, src.Chart, src.TargetRevision, creds.HelmAuth())
	if err != nil {
		return fetched{}, err
	}
	return fetched{root: dir, revision: version, chart: true}, nil
}

func (g *Generator) credentials(ctx context.Context, repoURL string) (*source.RepoCreds, error) {
	if g.Credentials == nil {
		return nil, nil
	}
	return g.Credentials(ctx, repoURL)
}

// resolve returns the commit of a git source, reusing a resolution younger
// than maxAge (none when 0). Apps that resolve the same revision at the
// same time share one request to the repository; with maxAge 0 (a
// refresh, which wants an answer newer than its own asking) they share
// the next request that starts after they asked.
func (g *Generator) resolve(ctx context.Context, url, revision string, creds *source.RepoCreds, maxAge time.Duration) (string, error) {
	key := revisionKey(url, revision)
	if maxAge > 0 {
		if sha, ok := g.caches().revisions.get(key, maxAge); ok {
			return sha, nil
		}
	}
	ask := func() (string, error) {
		asked := time.Now()
		sha, err := g.Git.Resolve(ctx, url, revision, creds.GitAuth())
		if err != nil {
			// A failed answer is news too: the reconciles that follow
			// must not go back to an older resolution and report the
			// app in sync (wrong credentials, a deleted branch).
			g.caches().revisions.forget(key, asked)
			return "", err
		}
		g.caches().revisions.put(key, sha, asked)
		return sha, nil
	}
	if maxAge == 0 {
		return g.caches().fresh.do(key, ask)
	}
	return g.caches().inflight.do(key, ask)
}

// revisionKey is per repository and revision, not per app: the apps of a
// fleet that share a repository resolve it once per poll interval.
func revisionKey(url, revision string) string {
	b, _ := json.Marshal([]string{url, revision})
	return string(b)
}

// refRoots maps each `ref:` name to its repository root.
func refRoots(srcs []v1alpha1.ApplicationSource, f []fetched) map[string]string {
	refs := map[string]string{}
	for i, src := range srcs {
		if src.Ref != "" && !f[i].chart {
			refs[src.Ref] = f[i].root
		}
	}
	return refs
}

// ResolveFresh asks the repository what revision (a branch, tag or HEAD)
// of a git repository points to now and keeps the answer for the apps that
// render it next: after a push webhook, one request serves every app of
// the repository.
func (g *Generator) ResolveFresh(ctx context.Context, repoURL, revision string) (string, error) {
	if _, ok := g.RepoMap.localDir(repoURL); ok {
		return "local", nil
	}
	creds, err := g.credentials(ctx, repoURL)
	if err != nil {
		return "", err
	}
	ctx, cancel := g.withFetchTimeout(ctx)
	defer cancel()
	sha, err := g.resolve(ctx, g.RepoMap.url(repoURL), revision, creds, 0)
	return sha, g.explainTimeout(ctx, err)
}

// Checkout returns a directory holding repoURL's tree at revision and the
// commit it resolved to, through the same repository map, credentials,
// revision cache and fetcher that rendering uses. A repository served from
// a local directory returns that directory and revision "local". With
// refresh the repository is asked again; otherwise a resolution younger
// than the poll interval is reused. A revision pinned for the repository
// (see Generator.Revisions) replaces revision. Treat the directory as
// read-only.
func (g *Generator) Checkout(ctx context.Context, repoURL, revision string, refresh bool) (dir, sha string, err error) {
	if repoURL == "" {
		return "", "", errors.New("repoURL is empty")
	}
	if dir, ok := g.RepoMap.localDir(repoURL); ok && !g.pinned(repoURL) {
		return dir, "local", nil
	}
	url := g.fetchURL(repoURL)
	creds, err := g.credentials(ctx, repoURL)
	if err != nil {
		return "", "", err
	}
	maxAge := g.PollInterval
	if refresh {
		maxAge = 0
	}
	sha, err = g.resolve(ctx, url, g.targetRevision(repoURL, revision), creds, maxAge)
	if err != nil {
		return "", "", err
	}
	dir, _, err = g.Git.Checkout(ctx, url, sha, creds.GitAuth())
	if err != nil {
		return "", "", err
	}
	return dir, sha, nil
}

// pinned reports whether Revisions pins repoURL's git sources.
func (g *Generator) pinned(repoURL string) bool {
	return g.Revisions[source.Normalize(repoURL)] != ""
}

// fetchURL is where to fetch repoURL's git history from: the repo map's
// URL, or, for a repository served from a local work tree whose revision
// is pinned, that work tree's own history (file://), so one side of a
// diff can be a commit of the checkout and the other its uncommitted
// state.
func (g *Generator) fetchURL(repoURL string) string {
	if dir, ok := g.RepoMap.localDir(repoURL); ok {
		return "file://" + dir
	}
	return g.RepoMap.url(repoURL)
}
