package git_test

import (
	"context"
	"testing"

	"flotilla.dev/flotilla/internal/source/git"
	"flotilla.dev/flotilla/internal/source/git/gittest"
)

func TestTreeHash(t *testing.T) {
	repo := gittest.NewLocalRepo(t)
	first := repo.Commit(t, map[string]string{"a/x.yaml": "x: 1\n", "b/y.yaml": "y: 1\n"}, "one")
	second := repo.Commit(t, map[string]string{"b/y.yaml": "y: 2\n"}, "two")
	f := git.NewFetcher(t.TempDir())
	ctx := context.Background()
	if _, err := f.Resolve(ctx, repo.URL(), "HEAD", nil); err != nil {
		t.Fatal(err)
	}
	hash := func(sha, dir string) string {
		t.Helper()
		h, err := f.TreeHash(ctx, repo.URL(), sha, dir)
		if err != nil {
			t.Fatalf("%s at %s: %v", dir, sha, err)
		}
		return h
	}
	for _, tt := range []struct {
		dir  string
		same bool
	}{
		{"a", true}, {"./a/", true}, {"b", false}, {"", false}, {".", false},
	} {
		if got := hash(first, tt.dir) == hash(second, tt.dir); got != tt.same {
			t.Errorf("%q: same hash at both commits = %v, want %v", tt.dir, got, tt.same)
		}
	}
	if hash(first, "a") == hash(first, "b") {
		t.Error("a and b have the same hash")
	}
	if _, err := f.TreeHash(ctx, repo.URL(), first, "nope"); err == nil {
		t.Error("no error for a missing directory")
	}
}
