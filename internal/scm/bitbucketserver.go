package scm

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

const (
	// bitbucketServerPageSize is the limit asked of paginated lists, as
	// Argo CD asks.
	bitbucketServerPageSize = "100"
	// bitbucketServerKeyMax is the longest build status key Bitbucket
	// Server takes.
	bitbucketServerKeyMax = 255
)

// BitbucketServerOptions configures the Bitbucket Server (Data Center)
// provider. API is the server's root (https://bitbucket.example.com) or
// its REST root (…/rest): as in Argo CD, /rest is appended unless API ends
// with it, and the REST API is under /rest/api/1.0.
type BitbucketServerOptions struct {
	API string
	// Project is the project's key; Repo the repository's slug (pull
	// requests).
	Project, Repo string
	// User and Password are basic credentials; Token a bearer token (an
	// HTTP access token), used instead when set. None is anonymous access.
	User, Password string
	Token          string
	// AllBranches lists every branch, not only the default one.
	AllBranches bool
	Insecure    bool
	// CACerts are PEM certificates to trust besides the system's.
	CACerts    []byte
	HTTPClient *http.Client
	// Sleep waits between attempts; nil waits on a timer. Tests replace it.
	Sleep func(ctx context.Context, d time.Duration) error
}

// bitbucketServer is a Bitbucket Server's REST API.
type bitbucketServer struct {
	c *Client
	o BitbucketServerOptions
	// web is the server's root, for commit pages.
	web string

	mu sync.Mutex
	// slugs maps PROJECT/name to the repository's slug: repositories are
	// named by name, as Argo CD names them, and addressed by slug.
	slugs map[string]string
}

// NewBitbucketServer returns the Bitbucket Server provider: a
// PullRequestService, a RepositoryService and a StatusService.
func NewBitbucketServer(o BitbucketServerOptions) (*bitbucketServer, error) { //nolint:revive // unexported type, used through interfaces
	if o.API == "" {
		return nil, errors.New("bitbucket server: api is required")
	}
	base := bitbucketServerREST(o.API)
	c, err := NewClient(ClientOptions{
		BaseURL: base, HTTPClient: o.HTTPClient, Insecure: o.Insecure, CACerts: o.CACerts,
		Auth: bitbucketServerAuth(o), Sleep: o.Sleep,
	})
	if err != nil {
		return nil, fmt.Errorf("bitbucket server: %w", err)
	}
	return &bitbucketServer{c: c, o: o, web: strings.TrimSuffix(base, "/rest"), slugs: map[string]string{}}, nil
}

// bitbucketServerREST is api's REST root: api with /rest appended unless
// it ends with it.
func bitbucketServerREST(api string) string {
	api = strings.TrimSuffix(api, "/")
	if strings.HasSuffix(api, "/rest") {
		return api
	}
	return api + "/rest"
}

// bitbucketServerAuth sets the credentials, and, as Argo CD does when
// it has credentials, the headers that pass Bitbucket's XSRF check.
func bitbucketServerAuth(o BitbucketServerOptions) func(*http.Request) {
	auth := basicOrBearer(o.User, o.Password, o.Token)
	anonymous := o.Token == "" && o.User == "" && o.Password == ""
	return func(r *http.Request) {
		auth(r)
		if !anonymous {
			r.Header.Set("X-Atlassian-Token", "no-check")
			r.Header.Set("X-Requested-With", "XMLHttpRequest")
		}
	}
}

// bitbucketServerPage is one page of a paged answer.
type bitbucketServerPage[T any] struct {
	Values        []T   `json:"values"`
	IsLastPage    *bool `json:"isLastPage"`
	NextPageStart int   `json:"nextPageStart"`
}

// bitbucketServerAll GETs path page by page, each from the last's
// nextPageStart, until the last page, and returns all values.
func bitbucketServerAll[T any](ctx context.Context, c *Client, path string, query url.Values) ([]T, error) {
	var all []T
	q := url.Values{"limit": {bitbucketServerPageSize}}
	for k, v := range query {
		q[k] = v
	}
	for start := 0; ; {
		var page bitbucketServerPage[T]
		if _, err := c.Do(ctx, Request{Path: path, Query: q}, &page); err != nil {
			return nil, err
		}
		all = append(all, page.Values...)
		if page.IsLastPage == nil || *page.IsLastPage {
			return all, nil
		}
		if page.NextPageStart <= start {
			return nil, fmt.Errorf("%s: page at %d names no later page (nextPageStart %d)", path, start, page.NextPageStart)
		}
		start = page.NextPageStart
		q.Set("start", strconv.Itoa(start))
	}
}

type bitbucketServerPull struct {
	ID      int64  `json:"id"`
	Title   string `json:"title"`
	FromRef struct {
		DisplayID    string `json:"displayId"`
		LatestCommit string `json:"latestCommit"`
	} `json:"fromRef"`
	ToRef struct {
		DisplayID string `json:"displayId"`
	} `json:"toRef"`
	Author struct {
		User struct {
			Name string `json:"name"`
		} `json:"user"`
	} `json:"author"`
}

// List lists the repository's open pull requests, each once. As in Argo
// CD, HeadSHA is fromRef.latestCommit and Author the author's user name;
// Bitbucket Server has no labels.
func (b *bitbucketServer) List(ctx context.Context) ([]*PullRequest, error) {
	pulls, err := bitbucketServerAll[bitbucketServerPull](ctx, b.c, b.repoPath(b.o.Project, b.o.Repo)+"/pull-requests",
		url.Values{"state": {"OPEN"}})
	if err != nil {
		return nil, notFound(err)
	}
	pulls = unseen(map[int64]bool{}, pulls, func(p bitbucketServerPull) int64 { return p.ID })
	out := make([]*PullRequest, 0, len(pulls))
	for _, p := range pulls {
		out = append(out, &PullRequest{
			Number: p.ID, Title: p.Title, Branch: p.FromRef.DisplayID, TargetBranch: p.ToRef.DisplayID,
			HeadSHA: p.FromRef.LatestCommit, Labels: []string{}, Author: p.Author.User.Name,
		})
	}
	return out, nil
}

type bitbucketServerRepo struct {
	ID      int64  `json:"id"`
	Slug    string `json:"slug"`
	Name    string `json:"name"`
	Project struct {
		Key string `json:"key"`
	} `json:"project"`
	Links struct {
		Clone []bitbucketCloudLink `json:"clone"`
	} `json:"links"`
}

type bitbucketServerBranch struct {
	DisplayID    string `json:"displayId"`
	LatestCommit string `json:"latestCommit"`
}

func (b bitbucketServerBranch) head() (string, string) { return b.DisplayID, b.LatestCommit }

// ListRepos lists the project's repositories with the clone link of the
// protocol (ssh, or https: the link Bitbucket names "http"; "" when the
// server has no such link) at their default branch. As in Argo CD, a
// repository is named by its name and its project's key, and one without
// a default branch (an empty one) is left out.
func (b *bitbucketServer) ListRepos(ctx context.Context, cloneProtocol string) ([]*Repository, error) {
	repos, err := bitbucketServerAll[bitbucketServerRepo](ctx, b.c, "api/1.0/projects/"+b.o.Project+"/repos", nil)
	if err != nil {
		return nil, notFound(err)
	}
	var out []*Repository
	for _, r := range repos {
		link, err := cloneURL("bitbucket server", cloneProtocol, "ssh", "http")
		if err != nil {
			return nil, err
		}
		b.rememberSlug(r)
		branch, err := b.defaultBranch(ctx, r.Project.Key, r.Slug)
		if err != nil {
			return nil, err
		}
		if branch == nil {
			continue
		}
		out = append(out, &Repository{
			Organization: r.Project.Key, Repository: r.Name, URL: bitbucketLink(r.Links.Clone, link), Branch: branch.DisplayID,
			SHA: branch.LatestCommit, Labels: []string{}, RepositoryID: int(r.ID),
		})
	}
	return out, nil
}

// defaultBranch reads a repository's default branch; nil when it has
// none: a 404 (the default branch is set but does not exist) or an
// empty answer (an empty repository), as Argo CD reads them.
func (b *bitbucketServer) defaultBranch(ctx context.Context, project, slug string) (*bitbucketServerBranch, error) {
	var branch bitbucketServerBranch
	_, err := b.c.Do(ctx, Request{Path: b.repoPath(project, slug) + "/branches/default"}, &branch)
	if IsNotFound(notFound(err)) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("default branch of %s/%s: %w", project, slug, err)
	}
	if branch.DisplayID == "" {
		return nil, nil
	}
	return &branch, nil
}

// GetBranches returns repo at its default branch, or at every branch.
func (b *bitbucketServer) GetBranches(ctx context.Context, repo *Repository) ([]*Repository, error) {
	slug := b.slug(repo)
	if !b.o.AllBranches {
		if repo.Branch != "" && repo.SHA != "" { // ListRepos read it
			return []*Repository{atBranch(repo, repo.Branch, repo.SHA)}, nil
		}
		branch, err := b.defaultBranch(ctx, repo.Organization, slug)
		if err != nil || branch == nil {
			return nil, err
		}
		return atBranches(repo, *branch), nil
	}
	branches, err := bitbucketServerAll[bitbucketServerBranch](ctx, b.c, b.repoPath(repo.Organization, slug)+"/branches", nil)
	if err != nil {
		return nil, fmt.Errorf("branches of %s/%s: %w", repo.Organization, slug, err)
	}
	return atBranches(repo, branches...), nil
}

// RepoHasPath asks the browse API for path's type on repo's branch, as
// Argo CD does.
func (b *bitbucketServer) RepoHasPath(ctx context.Context, repo *Repository, path string) (bool, error) {
	return pathExists(ctx, b.c, Request{
		Path:  b.repoPath(repo.Organization, b.slug(repo)) + "/browse/" + escapePath(path),
		Query: url.Values{"at": {repo.Branch}, "type": {"true"}, "limit": {bitbucketServerPageSize}},
	})
}

// SetStatus posts a build status (POST /rest/build-status/1.0/commits/{sha}),
// its key shortened to Bitbucket's 255 characters. Without TargetURL the
// URL is the commit's page in s.Repo (PROJECT/repo) on the server.
func (b *bitbucketServer) SetStatus(ctx context.Context, s Status) error {
	body, err := bitbucketBuildStatus(s, bitbucketServerKeyMax, func() (string, error) { return b.commitPage(s) })
	if err != nil {
		return err
	}
	_, err = b.c.Do(ctx, Request{Method: http.MethodPost, Path: "build-status/1.0/commits/" + s.SHA, Body: body}, nil)
	return err
}

// commitPage is the web page of s's commit in s.Repo (PROJECT/repo).
func (b *bitbucketServer) commitPage(s Status) (string, error) {
	project, slug, ok := strings.Cut(s.Repo, "/")
	if !ok {
		return "", fmt.Errorf("repository %q is not PROJECT/repo", s.Repo)
	}
	return b.web + "/projects/" + url.PathEscape(project) + "/repos/" + url.PathEscape(slug) + "/commits/" + url.PathEscape(s.SHA), nil
}

// repoPath is api/1.0/projects/{project}/repos/{slug}.
func (b *bitbucketServer) repoPath(project, slug string) string {
	return "api/1.0/projects/" + project + "/repos/" + slug
}

// rememberSlug notes r's slug under its project and name.
func (b *bitbucketServer) rememberSlug(r bitbucketServerRepo) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.slugs[r.Project.Key+"/"+r.Name] = r.Slug
}

// slug is repo's slug: the one ListRepos saw, or its name.
func (b *bitbucketServer) slug(repo *Repository) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	if s, ok := b.slugs[repo.Organization+"/"+repo.Repository]; ok {
		return s
	}
	return repo.Repository
}
