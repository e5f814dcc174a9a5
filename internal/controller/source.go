package controller

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/render/directory"
)

// desiredState is what an Application's sources say the cluster should hold.
type desiredState struct {
	revisions []string
	objects   []*unstructured.Unstructured
}

// revisionCache remembers the commit each source resolved to, so a
// reconcile between polls costs no network round trip.
type revisionCache struct {
	mu      sync.Mutex
	entries map[string]resolvedRevision
}

type resolvedRevision struct {
	sha string
	at  time.Time
}

func (c *revisionCache) get(key string, maxAge time.Duration) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok || time.Since(e.at) > maxAge {
		return "", false
	}
	return e.sha, true
}

func (c *revisionCache) put(key, sha string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil {
		c.entries = map[string]resolvedRevision{}
	}
	c.entries[key] = resolvedRevision{sha: sha, at: time.Now()}
}

// renderSources fetches and renders every source of app. With refresh, the
// revisions are resolved again even if the last resolution is recent.
func (r *Reconciler) renderSources(ctx context.Context, app *v1alpha1.Application, refresh bool) (*desiredState, error) {
	state := &desiredState{}
	for i, src := range app.Spec.GetSources() {
		if src.IsRef() && src.Path == "" {
			continue // a ref-only source only provides value files to others
		}
		sha, objs, err := r.renderSource(ctx, app, i, src, refresh)
		if err != nil {
			if app.Spec.HasMultipleSources() {
				return nil, fmt.Errorf("source %d (%s): %w", i+1, src.RepoURL, err)
			}
			return nil, err
		}
		state.revisions = append(state.revisions, sha)
		state.objects = append(state.objects, objs...)
	}
	if len(state.revisions) == 0 {
		return nil, errors.New("application has no source to render")
	}
	return state, nil
}

func (r *Reconciler) renderSource(ctx context.Context, app *v1alpha1.Application, idx int, src v1alpha1.ApplicationSource, refresh bool) (string, []*unstructured.Unstructured, error) {
	if err := supported(src); err != nil {
		return "", nil, err
	}
	sha, err := r.resolve(ctx, app, idx, src, refresh)
	if err != nil {
		return "", nil, err
	}
	dir, _, err := r.Git.Checkout(ctx, src.RepoURL, sha, nil)
	if err != nil {
		return "", nil, err
	}
	appPath := filepath.Join(dir, filepath.FromSlash(src.Path))
	if info, err := os.Stat(appPath); err != nil || !info.IsDir() {
		return "", nil, fmt.Errorf("app path %q does not exist at revision %s", src.Path, short(sha))
	}
	if kind := detectTool(appPath); kind != "" {
		return "", nil, fmt.Errorf("path %q holds a %s source, which this version does not render yet", src.Path, kind)
	}
	var opts directory.Options
	if d := src.Directory; d != nil {
		opts = directory.Options{Recurse: d.Recurse, Include: d.Include, Exclude: d.Exclude}
	}
	objs, err := directory.Render(dir, appPath, opts)
	if err != nil {
		return "", nil, fmt.Errorf("render %s at %s: %w", displayPath(src.Path), short(sha), err)
	}
	return sha, objs, nil
}

func (r *Reconciler) resolve(ctx context.Context, app *v1alpha1.Application, idx int, src v1alpha1.ApplicationSource, refresh bool) (string, error) {
	key := revisionKey(app, idx, src)
	if !refresh {
		if sha, ok := r.revisions.get(key, r.PollInterval); ok {
			return sha, nil
		}
	}
	sha, err := r.Git.Resolve(ctx, src.RepoURL, src.TargetRevision, nil)
	if err != nil {
		return "", err
	}
	r.revisions.put(key, sha)
	return sha, nil
}

func revisionKey(app *v1alpha1.Application, idx int, src v1alpha1.ApplicationSource) string {
	b, _ := json.Marshal(struct {
		NS, Name, Repo, Rev string
		Idx                 int
	}{app.Namespace, app.Name, src.RepoURL, src.TargetRevision, idx})
	return string(b)
}

// supported refuses the source kinds that this version cannot render yet,
// rather than rendering them wrongly.
func supported(src v1alpha1.ApplicationSource) error {
	switch {
	case src.RepoURL == "":
		return errors.New("source has no repoURL")
	case src.Chart != "":
		return fmt.Errorf("helm chart %q: chart repository sources are not supported yet", src.Chart)
	case src.Helm != nil:
		return errors.New("helm sources are not supported yet")
	case src.Kustomize != nil:
		return errors.New("kustomize sources are not supported yet")
	case src.Plugin != nil:
		return errors.New("config management plugins are not supported")
	}
	return nil
}

// detectTool reports which tool Argo CD would pick for a path that is not
// a plain directory.
func detectTool(appPath string) string {
	for _, f := range []string{"kustomization.yaml", "kustomization.yml", "Kustomization"} {
		if fileExists(filepath.Join(appPath, f)) {
			return "kustomize"
		}
	}
	if fileExists(filepath.Join(appPath, "Chart.yaml")) {
		return "helm"
	}
	return ""
}

func fileExists(p string) bool {
	info, err := os.Stat(p)
	return err == nil && !info.IsDir()
}

func displayPath(p string) string {
	if p == "" || p == "." {
		return "repository root"
	}
	return p
}

func short(sha string) string {
	if len(sha) > 7 {
		return sha[:7]
	}
	return sha
}
