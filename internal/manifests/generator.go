package manifests

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/appset"
	"flotilla.dev/flotilla/internal/object"
	"flotilla.dev/flotilla/internal/source"
	"flotilla.dev/flotilla/internal/source/git"
	helmsource "flotilla.dev/flotilla/internal/source/helm"
)

// CredentialFunc returns the credentials for a repository URL, nil for none.
type CredentialFunc func(ctx context.Context, repoURL string) (*source.RepoCreds, error)

// Generator renders Applications. It is safe for concurrent use.
type Generator struct {
	Git  *git.Fetcher
	Helm *helmsource.Fetcher
	// Credentials looks up repository credentials; nil means none.
	Credentials CredentialFunc
	// RepoMap serves repository URLs from local directories or other URLs.
	RepoMap RepoMap
	// Observe, when set, is told how long each stage took ("fetch",
	// "render") for metrics.
	Observe func(stage string, d time.Duration)
	// PollInterval is how long a resolved revision is reused before the
	// repository is asked again (unless the request says Refresh); default
	// DefaultPollInterval.
	PollInterval time.Duration
	// AppSetReader gives ApplicationSets' clusters, plugin and cluster
	// decision generators their cluster Secrets, ConfigMaps and resources;
	// nil reads nothing (an empty appset.StaticReader).
	AppSetReader appset.Reader
	// AppSetSCM configures ApplicationSets' pull-request and SCM-provider
	// generators (the CLI takes their tokens from the environment).
	AppSetSCM appset.SCMOptions
	// Revisions pins the git sources of a repository to a revision (a
	// branch, tag or commit) whatever their targetRevision says: keys are
	// source.Normalize(repoURL), as the Application names it (before the
	// repo map). A chart version is not overridden. Set it before first
	// use; see WithRevisions.
	Revisions map[string]string
	// FetchTimeout bounds each fetch of one source (resolving its revision,
	// fetching the commit or chart): a repository that hangs fails the
	// render after this long instead of holding it for ever. Zero means
	// no bound; NewGenerator sets DefaultFetchTimeout.
	FetchTimeout time.Duration

	sharedOnce sync.Once
	shared     *caches
}

// caches are the revision and render caches, shared by the Generators
// WithRevisions makes from one another.
type caches struct {
	revisions revisionCache
	inflight  flight
	fresh     freshFlight
	rendered  renderCache
	// contained remembers whether a checked-out directory is
	// self-contained (see selfContained); checkouts never change.
	contained boundedSet
}

// caches returns g's caches, creating them on first use.
func (g *Generator) caches() *caches {
	g.sharedOnce.Do(func() {
		if g.shared == nil {
			g.shared = &caches{}
		}
	})
	return g.shared
}

// WithRevisions returns a Generator that renders like g (same fetchers,
// credentials, repo map, ApplicationSet reader and caches: the revision
// and render caches are shared, so what both render is rendered once) but
// with the git sources of the repositories in revisions pinned to the
// given revisions (see Revisions). g is not changed.
func (g *Generator) WithRevisions(revisions map[string]string) *Generator {
	return &Generator{
		Git: g.Git, Helm: g.Helm, Credentials: g.Credentials, RepoMap: g.RepoMap,
		Observe: g.Observe, PollInterval: g.PollInterval, AppSetReader: g.AppSetReader,
		FetchTimeout: g.FetchTimeout, Revisions: revisions, shared: g.caches(),
	}
}

// targetRevision is the revision to fetch a git source at: its pinned
// revision (see Revisions) when there is one.
func (g *Generator) targetRevision(repoURL, revision string) string {
	if rev, ok := g.Revisions[source.Normalize(repoURL)]; ok && rev != "" {
		return rev
	}
	return revision
}

// NewGenerator returns a Generator that keeps fetched repositories and
// charts under cacheDir.
func NewGenerator(cacheDir string) *Generator {
	return &Generator{
		Git:          git.NewFetcher(cacheDir + "/git"),
		Helm:         helmsource.NewFetcher(cacheDir + "/helm"),
		PollInterval: DefaultPollInterval,
		FetchTimeout: DefaultFetchTimeout,
	}
}

// DefaultPollInterval is Argo CD's default: three minutes.
const DefaultPollInterval = 3 * time.Minute

// DefaultFetchTimeout is how long a fetch of one source may take: Argo
// CD's repo server gives git and helm 90 seconds (ARGOCD_EXEC_TIMEOUT).
const DefaultFetchTimeout = 90 * time.Second

// Request is one Application to render.
type Request struct {
	App *v1alpha1.Application
	// Refresh resolves revisions again even when recently resolved.
	Refresh bool
	// FreshWithin, when set and Refresh is not, accepts only resolutions
	// younger than this: what an app whose sources just changed needs,
	// without every new app of a fleet asking the repository again.
	FreshWithin time.Duration
	// Revisions, when set (one per source), pin each source to a commit
	// SHA or chart version instead of its targetRevision: a running sync
	// keeps rendering the revision it started with.
	Revisions []string
	// KubeVersion and APIVersions are the destination cluster's, for Helm
	// capabilities; empty means Helm's defaults.
	KubeVersion string
	APIVersions []string
}

// Result is what an Application's sources render to.
type Result struct {
	// Revisions are the resolved revisions, one per rendered or ref source,
	// in the order of the sources.
	Revisions []string
	// Objects are the desired objects, sources merged in order.
	Objects []*unstructured.Unstructured
	// SourceTypes are the tools used, one per source.
	SourceTypes []v1alpha1.ApplicationSourceType
	// Warnings are problems that did not stop the render (an object
	// produced by two sources).
	Warnings []string
}

// Generate renders every source of req.App and merges the results.
func (g *Generator) Generate(ctx context.Context, req Request) (*Result, error) {
	app := req.App
	srcs := app.Spec.GetSources()
	if len(srcs) == 0 {
		return nil, errors.New("application has no source")
	}
	if len(req.Revisions) > 0 && len(req.Revisions) != len(srcs) {
		return nil, fmt.Errorf("%d revisions pinned for %d sources", len(req.Revisions), len(srcs))
	}
	start := time.Now()
	fetched, err := g.fetchAll(ctx, app, srcs, req)
	g.observe("fetch", start)
	if err != nil {
		return nil, err
	}
	refs := refRoots(srcs, fetched)
	res := &Result{}
	merged := newMerger()
	for i, src := range srcs {
		res.Revisions = append(res.Revisions, fetched[i].revision)
		if src.IsRef() && src.Path == "" && src.Chart == "" {
			res.SourceTypes = append(res.SourceTypes, "")
			continue // ref-only: only provides value files
		}
		objs, typ, err := g.renderCached(ctx, req, i, srcs, fetched, refs)
		if err != nil {
			return nil, withSource(app, i, src, err)
		}
		res.SourceTypes = append(res.SourceTypes, typ)
		merged.add(i, objs)
	}
	res.Objects, res.Warnings = merged.result()
	g.observe("render", start)
	return res, nil
}

func (g *Generator) observe(stage string, since time.Time) {
	if g.Observe != nil {
		g.Observe(stage, time.Since(since))
	}
}

func withSource(app *v1alpha1.Application, i int, src v1alpha1.ApplicationSource, err error) error {
	if !app.Spec.HasMultipleSources() {
		return err
	}
	return fmt.Errorf("source %d (%s): %w", i+1, src.RepoURL, err)
}

// merger merges the objects of several sources: the last wins.
type merger struct {
	order []object.Key
	byKey map[object.Key]*unstructured.Unstructured
	from  map[object.Key]int
	warns []string
}

func newMerger() *merger {
	return &merger{byKey: map[object.Key]*unstructured.Unstructured{}, from: map[object.Key]int{}}
}

func (m *merger) add(src int, objs []*unstructured.Unstructured) {
	for _, o := range objs {
		k := object.KeyOf(o)
		if prev, ok := m.from[k]; ok {
			m.warns = append(m.warns, repeated(k, prev, src))
		} else {
			m.order = append(m.order, k)
		}
		m.byKey[k], m.from[k] = o, src
	}
}

func (m *merger) result() ([]*unstructured.Unstructured, []string) {
	out := make([]*unstructured.Unstructured, 0, len(m.order))
	for _, k := range m.order {
		out = append(out, m.byKey[k])
	}
	return out, m.warns
}

func repeated(k object.Key, prev, src int) string {
	where := fmt.Sprintf("twice in source %d", src+1)
	if prev != src {
		where = fmt.Sprintf("in sources %d and %d; the later one is used", prev+1, src+1)
	}
	return fmt.Sprintf("resource %s/%s/%s/%s appears %s", k.Group, k.Kind, k.Namespace, k.Name, where)
}
