package manifests

import (
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"flotilla.dev/flotilla/api/v1alpha1"
)

// contentKeys says what each source of a render holds, for the render
// cache key. A git source is keyed by content rather than by commit, so
// that what did not change between two commits is rendered once: the
// source being rendered by the git tree hash of its path when the render
// cannot read outside it (see selfContained), else by the tree hash of
// its repository's root; a `ref:` source (value files) by its root's tree
// hash. Other sources do not take part in the render and count as "".
// Charts are keyed by version. A source whose spec names
// ARGOCD_APP_REVISION (substituted into Helm parameters and value file
// paths) makes every source keyed by its commit, as is any source whose
// tree hash cannot be read.
func (g *Generator) contentKeys(ctx context.Context, idx int, srcs []v1alpha1.ApplicationSource, all []fetched) []string {
	keys := make([]string, len(all))
	byRevision := mentionsRevision(srcs[idx])
	for i, f := range all {
		switch {
		case f.chart || f.url == "" || byRevision:
			keys[i] = f.revision
		case i == idx:
			keys[i] = g.ownContent(ctx, srcs[i], f)
		case srcs[i].Ref != "":
			keys[i] = g.treeKey(ctx, f, "")
		}
	}
	return keys
}

// ownContent keys the source being rendered: its path's tree when the
// render reads nothing else, else its repository's root tree.
func (g *Generator) ownContent(ctx context.Context, src v1alpha1.ApplicationSource, f fetched) string {
	if g.selfContained(src, filepath.Join(f.root, filepath.FromSlash(src.Path))) {
		return g.treeKey(ctx, f, src.Path)
	}
	return g.treeKey(ctx, f, "")
}

// treeKey is "tree:" and the tree hash of dir at f's commit, or the
// commit when the hash cannot be read.
func (g *Generator) treeKey(ctx context.Context, f fetched, dir string) string {
	h, err := g.Git.TreeHash(ctx, f.url, f.revision, dir)
	if err != nil {
		return f.revision
	}
	return "tree:" + strings.Trim(dir, "/") + ":" + h
}

// selfContained reports whether rendering appPath reads only files below
// it: a plain directory of YAML/JSON (no Helm chart, no kustomization, no
// Jsonnet, which may import from elsewhere) holding no symlinks.
func (g *Generator) selfContained(src v1alpha1.ApplicationSource, appPath string) bool {
	if src.Helm != nil || src.Kustomize != nil || src.Plugin != nil {
		return false
	}
	if d := src.Directory; d != nil && len(d.Jsonnet.Libs) > 0 {
		return false
	}
	if v, ok := g.caches().contained.get(appPath); ok {
		return v
	}
	typ, err := sourceType(src, appPath, false)
	ok := err == nil && typ == v1alpha1.ApplicationSourceTypeDirectory && plainFiles(appPath)
	g.caches().contained.put(appPath, ok)
	return ok
}

// boundedSetSize bounds a boundedSet: past it, the set starts again.
const boundedSetSize = 8192

// boundedSet remembers booleans by key, forgetting everything when full.
type boundedSet struct {
	mu sync.Mutex
	m  map[string]bool
}

func (s *boundedSet) get(key string) (bool, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.m[key]
	return v, ok
}

func (s *boundedSet) put(key string, v bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil || len(s.m) >= boundedSetSize {
		s.m = map[string]bool{}
	}
	s.m[key] = v
}

// plainFiles reports whether dir exists and holds no symlinks and no
// Jsonnet files.
func plainFiles(dir string) bool {
	if info, err := os.Stat(dir); err != nil || !info.IsDir() {
		return false
	}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case d.Type()&fs.ModeSymlink != 0:
			return fs.ErrInvalid
		case strings.HasSuffix(p, ".jsonnet") || strings.HasSuffix(p, ".libsonnet"):
			return fs.ErrInvalid
		}
		return nil
	})
	return err == nil
}

// mentionsRevision reports whether a source's spec names the revision
// variables Argo CD substitutes.
func mentionsRevision(src v1alpha1.ApplicationSource) bool {
	b, _ := json.Marshal(src)
	return strings.Contains(string(b), "ARGOCD_APP_REVISION")
}
