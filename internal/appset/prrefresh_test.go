package appset

import "testing"

// TestWatchesPullRequests matches webhook events with the sets' pull
// request generators, at any depth of matrix and merge.
func TestWatchesPullRequests(t *testing.T) {
	set := genSet(t, `
metadata: {name: s, namespace: argocd}
spec:
  generators:
  - pullRequest: {github: {owner: Acme, repo: Shop}}
  - pullRequest: {gitlab: {project: "42", api: "https://gitlab.example.com/"}}
  - matrix:
      generators:
      - pullRequest: {gitea: {owner: acme, repo: shop, api: "http://127.0.0.1:3000"}}
      - list: {elements: [{a: b}]}
  - pullRequest: {bitbucket: {owner: ws, repo: app}}
  - pullRequest: {bitbucketServer: {project: PROJ, repo: app, api: "https://bbs.example.com/rest"}}
  - merge:
      mergeKeys: [number]
      generators:
      - pullRequest: {azuredevops: {organization: fabrikam, project: Fabrikam Fiber, repo: web}}
      - list: {elements: []}
  template: {metadata: {}, spec: {project: default, destination: {}}}`)
	for _, tc := range []struct {
		name string
		repo PullRequestRepo
		want bool
	}{
		{"github, case-insensitive", PullRequestRepo{Provider: "github", Host: "api.github.com", Owner: "acme", Repo: "shop"}, true},
		{"github enterprise is another forge", PullRequestRepo{Provider: "github", Host: "ghe.example.com", Owner: "acme", Repo: "shop"}, false},
		{"github other repo", PullRequestRepo{Provider: "github", Host: "api.github.com", Owner: "acme", Repo: "web"}, false},
		{"gitlab by project id", PullRequestRepo{Provider: "gitlab", Host: "gitlab.example.com", ProjectID: 42}, true},
		{"gitlab other host", PullRequestRepo{Provider: "gitlab", Host: "gitlab.com", ProjectID: 42}, false},
		{"gitea in a matrix, with port", PullRequestRepo{Provider: "gitea", Host: "127.0.0.1:3000", Owner: "acme", Repo: "shop"}, true},
		{"bitbucket cloud", PullRequestRepo{Provider: "bitbucket", Host: "bitbucket.org", Owner: "ws", Repo: "app"}, true},
		{"bitbucket server", PullRequestRepo{Provider: "bitbucket-server", Host: "bbs.example.com", Owner: "proj", Repo: "app"}, true},
		{"provider mismatch", PullRequestRepo{Provider: "gitea", Host: "api.github.com", Owner: "acme", Repo: "shop"}, false},
		{"azure devops in a merge, by project and repository", PullRequestRepo{Provider: "azuredevops", Host: "dev.azure.com", Owner: "Fabrikam Fiber", Repo: "web"}, true},
		{"azure devops names are exact", PullRequestRepo{Provider: "azuredevops", Host: "dev.azure.com", Owner: "fabrikam fiber", Repo: "web"}, false},
	} {
		if got := WatchesPullRequests(set, tc.repo); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}
