package scm

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"
)

// githubAPI is the public GitHub's API.
const githubAPI = "https://api.github.com"

// githubDescriptionMax is the longest commit status description GitHub takes.
const githubDescriptionMax = 140

// GitHubOptions configures the GitHub provider. API is empty for
// github.com, or a GitHub Enterprise server (https://ghe.example.com or
// https://ghe.example.com/api/v3).
type GitHubOptions struct {
	API, Token string
	// Owner is the user or organisation; Repo the repository (pull
	// requests). Owner is also the organisation whose repositories are
	// listed.
	Owner, Repo string
	// Labels are the labels a pull request must all carry.
	Labels []string
	// AllBranches lists every branch, not only the default one.
	AllBranches bool
	// ExcludeArchived leaves archived repositories out.
	ExcludeArchived bool
	// App authenticates as a GitHub App installation instead of Token.
	App        *GitHubApp
	HTTPClient *http.Client
	// Sleep waits between attempts; nil waits on a timer. Tests replace it.
	Sleep func(ctx context.Context, d time.Duration) error
}

// github is GitHub's (or a GitHub Enterprise server's) REST API.
type github struct {
	c *Client
	o GitHubOptions
	// app mints installation tokens when o.App is set.
	app *githubAppTokens
}

// NewGitHub returns the GitHub provider: a PullRequestService, a
// RepositoryService and a StatusService.
func NewGitHub(o GitHubOptions) (*github, error) { //nolint:revive // unexported type, used through interfaces
	api := o.API
	if api == "" && o.App != nil {
		api = o.App.EnterpriseBaseURL
	}
	base, err := githubBaseURL(api)
	if err != nil {
		return nil, fmt.Errorf("github: %w", err)
	}
	g := &github{o: o}
	g.c, err = NewClient(ClientOptions{BaseURL: base, HTTPClient: o.HTTPClient, Auth: g.auth, Sleep: o.Sleep})
	if err != nil {
		return nil, fmt.Errorf("github: %w", err)
	}
	if o.App != nil {
		if g.app, err = newGitHubAppTokens(*o.App, o.Owner, g.c); err != nil {
			return nil, fmt.Errorf("github: %w", err)
		}
	}
	return g, nil
}

// githubBaseURL is the REST API's root for api, as go-github's
// WithEnterpriseURLs makes it: /api/v3/ is appended unless the path
// ends with it or the host is an api. host (GitHub Enterprise Cloud
// with data residency).
func githubBaseURL(api string) (string, error) {
	if api == "" {
		return githubAPI, nil
	}
	u, err := url.Parse(api)
	if err != nil {
		return "", fmt.Errorf("api %q: %w", api, err)
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	if !strings.HasSuffix(u.Path, "/api/v3/") && !strings.HasPrefix(u.Host, "api.") && !strings.Contains(u.Host, ".api.") {
		u.Path += "api/v3/"
	}
	return u.String(), nil
}

// auth sets GitHub's media type, API version and the token: the
// installation's when authenticating as an App, else Token.
func (g *github) auth(r *http.Request) {
	githubHeaders(r)
	token := g.o.Token
	if g.app != nil {
		token = g.app.current()
	}
	Bearer(token)(r)
}

// githubHeaders sets the headers GitHub asks every request to send.
func githubHeaders(r *http.Request) {
	r.Header.Set("Accept", "application/vnd.github+json")
	r.Header.Set("X-GitHub-Api-Version", "2022-11-28")
}

// authorize refreshes the App installation's token when it is missing
// or about to expire; without an App it does nothing.
func (g *github) authorize(ctx context.Context) error {
	if g.app == nil {
		return nil
	}
	if _, err := g.app.token(ctx); err != nil {
		return fmt.Errorf("github app: %w", err)
	}
	return nil
}

// List lists the repository's open pull requests carrying all Labels.
func (g *github) List(ctx context.Context) ([]*PullRequest, error) {
	if err := g.authorize(ctx); err != nil {
		return nil, err
	}
	path := hubRepoPath(g.o.Owner, g.o.Repo) + "/pulls"
	pulls, err := GetAll[hubPull](ctx, g.c, path, url.Values{"state": {"open"}, "per_page": {"100"}})
	if err != nil {
		return nil, notFound(err)
	}
	out := make([]*PullRequest, 0, len(pulls))
	for _, p := range pulls {
		var labels []string // nil when it has none
		for _, l := range p.Labels {
			labels = append(labels, l.Name)
		}
		if containsAll(labels, g.o.Labels) {
			out = append(out, p.pullRequest(labels))
		}
	}
	return out, nil
}

type githubRepo struct {
	ID       int64  `json:"id"`
	Name     string `json:"name"`
	CloneURL string `json:"clone_url"`
	SSHURL   string `json:"ssh_url"`
	Owner    struct {
		Login string `json:"login"`
	} `json:"owner"`
	DefaultBranch string   `json:"default_branch"`
	Archived      bool     `json:"archived"`
	Topics        []string `json:"topics"`
}

// ListRepos lists the organisation's repositories, labelled with their
// topics; the organisation of each is its owner's login, as GitHub
// spells it.
func (g *github) ListRepos(ctx context.Context, cloneProtocol string) ([]*Repository, error) {
	if err := g.authorize(ctx); err != nil {
		return nil, err
	}
	path := "orgs/" + url.PathEscape(g.o.Owner) + "/repos"
	repos, err := GetAll[githubRepo](ctx, g.c, path, url.Values{"per_page": {"100"}})
	if err != nil {
		return nil, notFound(err)
	}
	var out []*Repository
	for _, r := range repos {
		u, err := cloneURL("github", cloneProtocol, r.SSHURL, r.CloneURL)
		if err != nil {
			return nil, err
		}
		if g.o.ExcludeArchived && r.Archived {
			continue
		}
		out = append(out, &Repository{
			Organization: r.Owner.Login, Repository: r.Name, Branch: r.DefaultBranch,
			URL: u, Labels: r.Topics, RepositoryID: r.ID,
		})
	}
	return out, nil
}

type githubBranch struct {
	Name   string `json:"name"`
	Commit struct {
		SHA string `json:"sha"`
	} `json:"commit"`
}

func (b githubBranch) head() (string, string) { return b.Name, b.Commit.SHA }

// GetBranches returns repo at its default branch, or at every branch. A
// default branch GitHub does not know is an empty repository: no branch.
func (g *github) GetBranches(ctx context.Context, repo *Repository) ([]*Repository, error) {
	if err := g.authorize(ctx); err != nil {
		return nil, err
	}
	path := hubRepoPath(repo.Organization, repo.Repository) + "/branches"
	if !g.o.AllBranches {
		var b githubBranch
		_, err := g.c.Do(ctx, Request{Path: path + "/" + url.PathEscape(repo.Branch)}, &b)
		if IsNotFound(notFound(err)) {
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("default branch %q of %s/%s: %w", repo.Branch, repo.Organization, repo.Repository, err)
		}
		return atBranches(repo, b), nil
	}
	branches, err := GetAll[githubBranch](ctx, g.c, path, url.Values{"per_page": {"100"}})
	if err != nil {
		return nil, fmt.Errorf("branches of %s/%s: %w", repo.Organization, repo.Repository, err)
	}
	return atBranches(repo, branches...), nil
}

// RepoHasPath asks the contents API for path on repo's branch; a path
// with ".." is refused, as go-github refuses it.
func (g *github) RepoHasPath(ctx context.Context, repo *Repository, path string) (bool, error) {
	if strings.Contains(path, "..") {
		return false, fmt.Errorf("path %q: must not contain \"..\"", path)
	}
	if err := g.authorize(ctx); err != nil {
		return false, err
	}
	return pathExists(ctx, g.c, Request{
		Path:  hubRepoPath(repo.Organization, repo.Repository) + "/contents/" + escapePath(path),
		Query: url.Values{"ref": {repo.Branch}},
	})
}

// SetStatus posts a commit status (POST /repos/{owner}/{repo}/statuses/{sha}),
// its description cut to GitHub's 140 characters.
func (g *github) SetStatus(ctx context.Context, s Status) error {
	if err := g.authorize(ctx); err != nil {
		return err
	}
	s.Description = githubDescription(s.Description)
	_, err := g.c.Do(ctx, hubStatus(s), nil)
	return err
}

// githubDescription cuts s to GitHub's 140 characters, the last an
// ellipsis when cut.
func githubDescription(s string) string {
	if utf8.RuneCountInString(s) <= githubDescriptionMax {
		return s
	}
	return string([]rune(s)[:githubDescriptionMax-1]) + "…"
}
