package giteatest

import (
	"net/http"
	"testing"
)

// TestServer starts Gitea and round-trips a repository, a branch, a pull
// request and a commit status through its API.
func TestServer(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Gitea server")
	}
	g := Start(t)
	repo := g.CreateRepo(t, "selftest")
	sha := g.PutFile(t, repo, "feature", "a.txt", "one")
	sha2 := g.PutFile(t, repo, "feature", "a.txt", "two")
	if sha == "" || sha2 == "" || sha == sha2 {
		t.Fatalf("commits %q then %q", sha, sha2)
	}
	n := g.OpenPR(t, repo, "feature", "main", "a change")
	if n != 1 {
		t.Fatalf("pull request number %d, want 1", n)
	}
	g.API(t, http.MethodPost, "/repos/"+repo+"/statuses/"+sha2, map[string]string{"state": "success", "context": "x"}, nil, http.StatusCreated)
	if st := g.Statuses(t, repo, sha2); len(st) != 1 || st[0].State != "success" {
		t.Fatalf("statuses %+v", st)
	}
	g.ClosePR(t, repo, n)
}
