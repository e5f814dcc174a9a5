package manifests

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/source"
	"flotilla.dev/flotilla/internal/source/git/gittest"
)

func cm(name, value string) string {
	return fmt.Sprintf("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: %s}\ndata: {value: %q}\n", name, value)
}

// TestWithRevisionsSharesContentKeyedCache renders apps at two commits
// that differ in one directory: sources whose content did not change are
// rendered once; a kustomization (which may read outside its path) is
// keyed by its repository's root and rendered again.
func TestWithRevisionsSharesContentKeyedCache(t *testing.T) {
	repo := gittest.NewLocalRepo(t)
	first := repo.Commit(t, map[string]string{
		"a/cm.yaml": cm("a", "1"), "b/cm.yaml": cm("b", "1"),
		"k/kustomization.yaml": "resources: [cm.yaml]\n", "k/cm.yaml": cm("k", "1"),
	}, "one")
	second := repo.Commit(t, map[string]string{"b/cm.yaml": cm("b", "2")}, "two")
	base := NewGenerator(t.TempDir())
	base.Revisions = map[string]string{source.Normalize(repo.URL()): first}
	head := base.WithRevisions(map[string]string{source.Normalize(repo.URL() + ".git"): second})
	app := func(path string) *v1alpha1.Application {
		a := &v1alpha1.Application{}
		a.Name, a.Namespace = "app-"+path, "argocd"
		a.Spec.Source = &v1alpha1.ApplicationSource{RepoURL: repo.URL(), Path: path, TargetRevision: "HEAD"}
		a.Spec.Destination.Namespace = "default"
		return a
	}
	for _, tt := range []struct {
		path      string
		rendered  int // new cache entries after both sides
		baseValue string
		headValue string
	}{
		{"a", 1, "1", "1"},
		{"b", 2, "1", "2"},
		{"k", 2, "1", "1"},
	} {
		before := base.caches().rendered.ll
		n0 := 0
		if before != nil {
			n0 = before.Len()
		}
		values := []string{}
		for i, g := range []*Generator{base, head} {
			res, err := g.Generate(context.Background(), Request{App: app(tt.path)})
			if err != nil {
				t.Fatalf("%s side %d: %v", tt.path, i, err)
			}
			values = append(values, res.Objects[0].Object["data"].(map[string]any)["value"].(string))
		}
		if values[0] != tt.baseValue || values[1] != tt.headValue {
			t.Errorf("%s: values %v, want %s then %s", tt.path, values, tt.baseValue, tt.headValue)
		}
		if got := base.caches().rendered.ll.Len() - n0; got != tt.rendered {
			t.Errorf("%s: rendered %d times, want %d", tt.path, got, tt.rendered)
		}
	}
	if base.Revisions[source.Normalize(repo.URL())] != first || head.caches() != base.caches() {
		t.Error("WithRevisions changed the base or does not share its caches")
	}
}

// TestPinnedRevisionOfLocalWorkTree: a repository served from a local
// work tree renders its uncommitted state, unless a revision is pinned:
// then that commit of the work tree's own history, so a diff can compare
// a commit with uncommitted changes.
func TestPinnedRevisionOfLocalWorkTree(t *testing.T) {
	repo := gittest.NewLocalRepo(t)
	repo.Commit(t, map[string]string{"a/cm.yaml": cm("a", "committed")}, "one")
	if err := os.WriteFile(filepath.Join(repo.WorkDir(), "a", "cm.yaml"), []byte(cm("a", "uncommitted")), 0o644); err != nil {
		t.Fatal(err)
	}
	const url = "https://git.example.com/gitops.git"
	head := NewGenerator(t.TempDir())
	var err error
	if head.RepoMap, err = ParseRepoMap([]string{url + "=" + repo.WorkDir()}); err != nil {
		t.Fatal(err)
	}
	base := head.WithRevisions(map[string]string{source.Normalize(url): "HEAD"})
	app := &v1alpha1.Application{}
	app.Name, app.Namespace = "a", "argocd"
	app.Spec.Source = &v1alpha1.ApplicationSource{RepoURL: url, Path: "a", TargetRevision: "main"}
	for _, tt := range []struct {
		side string
		g    *Generator
		want string
	}{{"pinned", base, "committed"}, {"work tree", head, "uncommitted"}} {
		res, err := tt.g.Generate(context.Background(), Request{App: app})
		if err != nil {
			t.Fatalf("%s: %v", tt.side, err)
		}
		if got := res.Objects[0].Object["data"].(map[string]any)["value"]; got != tt.want {
			t.Errorf("%s renders %v, want %s", tt.side, got, tt.want)
		}
	}
}
