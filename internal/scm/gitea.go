package scm

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
)

// GiteaOptions configures the Gitea provider. API is the server's root
// (https://gitea.example.com); the REST API is under /api/v1.
type GiteaOptions struct {
	API, Token string
	// Owner is the organisation or user; Repo the repository (pull requests).
	Owner, Repo string
	// Labels are the labels a pull request must all carry.
	Labels []string
	// AllBranches lists every branch, not only the default one.
	AllBranches bool
	// ExcludeArchived leaves archived repositories out.
	ExcludeArchived bool
	Insecure        bool
	HTTPClient      *http.Client
}

// gitea is a Gitea server's API.
type gitea struct {
	c *Client
	o GiteaOptions
}

// NewGitea returns the Gitea provider: a PullRequestService, a
// RepositoryService and a StatusService.
func NewGitea(o GiteaOptions) (*gitea, error) { //nolint:revive // unexported type, used through interfaces
	if o.API == "" {
		return nil, errors.New("gitea: api is required")
	}
	base, err := url.JoinPath(o.API, "api/v1")
	if err != nil {
		return nil, fmt.Errorf("gitea: api %q: %w", o.API, err)
	}
	c, err := NewClient(ClientOptions{BaseURL: base, HTTPClient: o.HTTPClient, Insecure: o.Insecure, Auth: TokenAuth(o.Token)})
	if err != nil {
		return nil, fmt.Errorf("gitea: %w", err)
	}
	return &gitea{c: c, o: o}, nil
}

// List lists the repository's open pull requests carrying all Labels.
func (g *gitea) List(ctx context.Context) ([]*PullRequest, error) {
	pulls, err := GetAll[hubPull](ctx, g.c, g.repoPath(g.o.Repo)+"/pulls", url.Values{"state": {"open"}, "limit": {"50"}})
	if err != nil {
		return nil, notFound(err)
	}
	out := make([]*PullRequest, 0, len(pulls))
	for _, p := range pulls {
		if labels := labelNames(p.Labels); containsAll(labels, g.o.Labels) {
			out = append(out, p.pullRequest(labels))
		}
	}
	return out, nil
}

type giteaRepo struct {
	ID            int64  `json:"id"`
	Name          string `json:"name"`
	HTMLURL       string `json:"html_url"`
	SSHURL        string `json:"ssh_url"`
	DefaultBranch string `json:"default_branch"`
	Archived      bool   `json:"archived"`
}

// ListRepos lists the organisation's repositories, labelled with their
// issue labels as Argo CD does; https URLs are the repositories' web URLs.
func (g *gitea) ListRepos(ctx context.Context, cloneProtocol string) ([]*Repository, error) {
	repos, err := GetAll[giteaRepo](ctx, g.c, "orgs/"+url.PathEscape(g.o.Owner)+"/repos", url.Values{"limit": {"50"}})
	if err != nil {
		return nil, notFound(err)
	}
	var out []*Repository
	for _, r := range repos {
		if g.o.ExcludeArchived && r.Archived {
			continue
		}
		u, err := cloneURL("gitea", cloneProtocol, r.SSHURL, r.HTMLURL)
		if err != nil {
			return nil, err
		}
		labels, err := GetAll[hubLabel](ctx, g.c, g.repoPath(r.Name)+"/labels", url.Values{"limit": {"50"}})
		if err != nil {
			return nil, err
		}
		out = append(out, &Repository{
			Organization: g.o.Owner, Repository: r.Name, Branch: r.DefaultBranch,
			URL: u, Labels: labelNames(labels), RepositoryID: int(r.ID),
		})
	}
	return out, nil
}

type giteaBranch struct {
	Name   string `json:"name"`
	Commit struct {
		ID string `json:"id"`
	} `json:"commit"`
}

func (b giteaBranch) head() (string, string) { return b.Name, b.Commit.ID }

// GetBranches returns repo at its default branch, or at every branch.
func (g *gitea) GetBranches(ctx context.Context, repo *Repository) ([]*Repository, error) {
	if !g.o.AllBranches {
		var b giteaBranch
		if _, err := g.c.Do(ctx, Request{Path: g.repoPath(repo.Repository) + "/branches/" + url.PathEscape(repo.Branch)}, &b); err != nil {
			return nil, fmt.Errorf("default branch %q of %s: %w", repo.Branch, repo.Repository, err)
		}
		return atBranches(repo, b), nil
	}
	branches, err := GetAll[giteaBranch](ctx, g.c, g.repoPath(repo.Repository)+"/branches", url.Values{"limit": {"50"}})
	if err != nil {
		return nil, err
	}
	return atBranches(repo, branches...), nil
}

// RepoHasPath asks the contents API for path on repo's branch.
func (g *gitea) RepoHasPath(ctx context.Context, repo *Repository, path string) (bool, error) {
	return pathExists(ctx, g.c, Request{
		Path:  g.repoPath(repo.Repository) + "/contents/" + escapePath(path),
		Query: url.Values{"ref": {repo.Branch}},
	})
}

// SetStatus posts a commit status (POST /repos/{owner}/{repo}/statuses/{sha}).
func (g *gitea) SetStatus(ctx context.Context, s Status) error {
	_, err := g.c.Do(ctx, hubStatus(s), nil)
	return err
}

// repoPath is repos/{owner}/{name} of the organisation's repository name.
func (g *gitea) repoPath(name string) string { return hubRepoPath(g.o.Owner, name) }

// labelNames are the names of labels.
func labelNames(labels []hubLabel) []string {
	out := make([]string, 0, len(labels))
	for _, l := range labels {
		out = append(out, l.Name)
	}
	return out
}

// itoa formats an id.
func itoa(n int64) string { return strconv.FormatInt(n, 10) }
