package scm_test

import (
	"context"
	"net/http"
	"regexp"
	"slices"
	"testing"

	"flotilla.dev/flotilla/internal/scm"
	"flotilla.dev/flotilla/internal/scm/giteatest"
)

// TestGiteaAgainstRealServer runs the Gitea provider against a real Gitea:
// pull requests with labels, an organisation's repositories filtered by
// paths, all branches, a missing repository, and a commit status.
func TestGiteaAgainstRealServer(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Gitea server")
	}
	g := giteatest.Start(t)
	ctx := context.Background()

	api := g.CreateOrgRepo(t, "team", "api")
	g.PutFile(t, api, "main", "deploy/kustomization.yaml", "resources: []\n")
	web := g.CreateOrgRepo(t, "team", "web")
	g.PutFile(t, web, "main", "deploy/kustomization.yaml", "resources: []\n")
	g.CreateOrgRepo(t, "team", "docs")
	head := g.PutFile(t, api, "feature/x_y", "deploy/extra.yaml", "a: b\n")
	var label struct {
		ID int64 `json:"id"`
	}
	g.API(t, http.MethodPost, "/repos/"+api+"/labels", map[string]string{"name": "preview", "color": "#00aabb"}, &label, http.StatusCreated)
	n := g.OpenPR(t, api, "feature/x_y", "main", "Add X", label.ID)
	g.PutFile(t, api, "unlabelled", "other.txt", "x")
	g.OpenPR(t, api, "unlabelled", "main", "No label")

	prs, err := scm.NewGitea(scm.GiteaOptions{API: g.URL, Token: g.Token, Owner: "team", Repo: "api", Labels: []string{"preview"}})
	if err != nil {
		t.Fatal(err)
	}
	list, err := prs.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := scm.PullRequest{Number: n, Title: "Add X", Branch: "feature/x_y", TargetBranch: "main", HeadSHA: head, Labels: []string{"preview"}, Author: giteatest.Admin}
	if len(list) != 1 || !equalPR(*list[0], want) {
		t.Fatalf("pull requests %+v, want [%+v]", deref(list), want)
	}

	repos, err := scm.NewGitea(scm.GiteaOptions{API: g.URL, Token: g.Token, Owner: "team", AllBranches: true})
	if err != nil {
		t.Fatal(err)
	}
	found, err := scm.ListRepos(ctx, repos, []scm.RepositoryFilter{{PathsExist: []string{"deploy/"}, BranchMatch: regexp.MustCompile("^main$")}}, "https")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, r := range found {
		names = append(names, r.Repository+"@"+r.Branch)
		if len(r.SHA) != 40 || r.URL != g.URL+"/team/"+r.Repository {
			t.Errorf("repository %+v: want a full SHA and the web URL", *r)
		}
	}
	slices.Sort(names)
	if !slices.Equal(names, []string{"api@main", "web@main"}) {
		t.Fatalf("repositories %v, want api and web at main (docs has no deploy/)", names)
	}

	missing, _ := scm.NewGitea(scm.GiteaOptions{API: g.URL, Token: g.Token, Owner: "team", Repo: "nope"})
	if _, err := missing.List(ctx); !scm.IsNotFound(err) {
		t.Fatalf("a missing repository: %v, want a NotFoundError", err)
	}

	err = prs.SetStatus(ctx, scm.Status{Repo: api, SHA: head, State: scm.StateFailure, Context: "flotilla/argocd/api-pr", Description: "Degraded", TargetURL: "http://ui/#/apps/argocd/api-pr"})
	if err != nil {
		t.Fatal(err)
	}
	st := g.Statuses(t, api, head)
	if len(st) != 1 || st[0].State != "failure" || st[0].Context != "flotilla/argocd/api-pr" || st[0].TargetURL != "http://ui/#/apps/argocd/api-pr" {
		t.Fatalf("statuses %+v", st)
	}
}

func equalPR(a, b scm.PullRequest) bool {
	return a.Number == b.Number && a.Title == b.Title && a.Branch == b.Branch && a.TargetBranch == b.TargetBranch &&
		a.HeadSHA == b.HeadSHA && a.Author == b.Author && slices.Equal(a.Labels, b.Labels)
}

func deref(prs []*scm.PullRequest) []scm.PullRequest {
	out := make([]scm.PullRequest, 0, len(prs))
	for _, p := range prs {
		out = append(out, *p)
	}
	return out
}
