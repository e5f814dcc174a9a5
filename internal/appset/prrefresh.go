package appset

import (
	"net/url"
	"strconv"
	"strings"

	"flotilla.dev/flotilla/api/v1alpha1"
)

// PullRequestRepo names the repository of a pull-request event, as the
// webhook payloads give it.
type PullRequestRepo struct {
	// Provider is github, gitlab, gitea, bitbucket, bitbucket-server or
	// azuredevops.
	Provider string
	// Host is the forge's host (for GitHub, the API's host).
	Host string
	// Owner and Repo: the owner (workspace, Bitbucket Server project key,
	// GitLab namespace path, Azure DevOps project) and the repository's
	// name or slug.
	Owner, Repo string
	// ProjectID is GitLab's project id.
	ProjectID int64
}

// WatchesPullRequests says whether one of set's pull-request generators
// (at any depth of matrix and merge) lists the pull requests of repo: the
// provider, repository and API host agree. A webhook refreshes such sets
// at once.
func WatchesPullRequests(set *v1alpha1.ApplicationSet, repo PullRequestRepo) bool {
	found := false
	for i := range set.Spec.Generators {
		walk(&set.Spec.Generators[i], func(g *v1alpha1.ApplicationSetGenerator) {
			if g.PullRequest != nil && pullRequestMatches(g.PullRequest, repo) {
				found = true
			}
		})
	}
	return found
}

// pullRequestMatches compares one generator with repo.
func pullRequestMatches(p *v1alpha1.PullRequestGenerator, r PullRequestRepo) bool {
	switch {
	case p.Github != nil && r.Provider == "github":
		return strings.EqualFold(p.Github.Owner, r.Owner) && strings.EqualFold(p.Github.Repo, r.Repo) &&
			sameHost(p.Github.API, "api.github.com", r.Host)
	case p.GitLab != nil && r.Provider == "gitlab":
		project := p.GitLab.Project
		return (project == strconv.FormatInt(r.ProjectID, 10) || strings.EqualFold(project, r.Owner+"/"+r.Repo)) &&
			sameHost(p.GitLab.API, "gitlab.com", r.Host)
	case p.Gitea != nil && r.Provider == "gitea":
		return strings.EqualFold(p.Gitea.Owner, r.Owner) && strings.EqualFold(p.Gitea.Repo, r.Repo) && sameHost(p.Gitea.API, "", r.Host)
	case p.Bitbucket != nil && r.Provider == "bitbucket":
		return strings.EqualFold(p.Bitbucket.Owner, r.Owner) && strings.EqualFold(p.Bitbucket.Repo, r.Repo) &&
			sameHost(p.Bitbucket.API, "api.bitbucket.org", r.Host)
	case p.BitbucketServer != nil && r.Provider == "bitbucket-server":
		return strings.EqualFold(p.BitbucketServer.Project, r.Owner) && strings.EqualFold(p.BitbucketServer.Repo, r.Repo) &&
			sameHost(p.BitbucketServer.API, "", r.Host)
	case p.AzureDevOps != nil && r.Provider == "azuredevops":
		// As Argo CD: the project and repository names, not the host.
		return p.AzureDevOps.Project == r.Owner && p.AzureDevOps.Repo == r.Repo
	}
	return false
}

// sameHost compares the generator's API host (def when api is empty)
// with the event's host, where api.<host> and <host> are the same forge
// (api.github.com and github.com, api.bitbucket.org and bitbucket.org).
func sameHost(api, def, host string) bool {
	h := def
	if api != "" {
		u, err := url.Parse(api)
		if err != nil {
			return false
		}
		h = u.Hostname()
	}
	host = strings.ToLower(host)
	if i := strings.LastIndexByte(host, ':'); i >= 0 && !strings.Contains(host[i:], "]") {
		host = host[:i]
	}
	h = strings.ToLower(h)
	return h == host || strings.TrimPrefix(h, "api.") == strings.TrimPrefix(host, "api.")
}
