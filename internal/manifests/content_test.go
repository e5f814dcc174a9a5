package manifests

import (
	"context"
	"fmt"
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
