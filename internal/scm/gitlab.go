package scm

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// gitlabAPI is the public GitLab.
const gitlabAPI = "https://gitlab.com"

// GitLabOptions configures the GitLab provider. API is the server's root
// (https://gitlab.example.com, empty for gitlab.com); the REST API is
// under /api/v4.
type GitLabOptions struct {
	API, Token string
	// Project is the project's id or full path (pull requests).
	Project string
	// Group is the group whose projects are listed.
	Group string
	// Labels are the labels a merge request must all carry; GitLab
	// filters by them.
	Labels []string
	// PullRequestState is the merge requests' state (opened, closed,
	// locked, merged); empty lists all, as Argo CD does.
	PullRequestState string
	// IncludeSubgroups lists the projects of subgroups too;
	// IncludeSharedProjects those shared with the group; IncludeArchived
	// asks for archived projects.
	IncludeSubgroups, IncludeSharedProjects, IncludeArchived bool
	// AllBranches lists every branch, not only the default one.
	AllBranches bool
	// Topic lists only the projects with this topic.
	Topic    string
	Insecure bool
	// CACerts are PEM certificates to trust besides the system's.
	CACerts    []byte
	HTTPClient *http.Client
	// Sleep waits between attempts; nil waits on a timer. Tests replace it.
	Sleep func(ctx context.Context, d time.Duration) error
}

// gitlab is a GitLab server's REST API.
type gitlab struct {
	c *Client
	o GitLabOptions
}

// NewGitLab returns the GitLab provider: a PullRequestService, a
// RepositoryService and a StatusService.
func NewGitLab(o GitLabOptions) (*gitlab, error) { //nolint:revive // unexported type, used through interfaces
	base, err := gitlabBaseURL(o.API)
	if err != nil {
		return nil, fmt.Errorf("gitlab: %w", err)
	}
	c, err := NewClient(ClientOptions{
		BaseURL: base, HTTPClient: o.HTTPClient, Insecure: o.Insecure, CACerts: o.CACerts,
		Auth: authHeader("PRIVATE-TOKEN", "", o.Token), Sleep: o.Sleep,
	})
	if err != nil {
		return nil, fmt.Errorf("gitlab: %w", err)
	}
	return &gitlab{c: c, o: o}, nil
}

// gitlabBaseURL is the REST API's root for api, as GitLab's client
// makes it: api/v4/ is appended unless the path ends with it.
func gitlabBaseURL(api string) (string, error) {
	if api == "" {
		api = gitlabAPI
	}
	u, err := url.Parse(api)
	if err != nil {
		return "", fmt.Errorf("api %q: %w", api, err)
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	if !strings.HasSuffix(u.Path, "api/v4/") {
		u.Path += "api/v4/"
	}
	return u.String(), nil
}

type gitlabMergeRequest struct {
	IID          int64    `json:"iid"`
	Title        string   `json:"title"`
	SourceBranch string   `json:"source_branch"`
	TargetBranch string   `json:"target_branch"`
	SHA          string   `json:"sha"`
	Labels       []string `json:"labels"`
	Author       *struct {
		Username string `json:"username"`
	} `json:"author"`
}

// List lists the project's merge requests in PullRequestState carrying
// all Labels (GET /projects/{id}/merge_requests).
func (g *gitlab) List(ctx context.Context) ([]*PullRequest, error) {
	q := url.Values{"per_page": {"100"}}
	if len(g.o.Labels) != 0 {
		q.Set("labels", strings.Join(g.o.Labels, ","))
	}
	if g.o.PullRequestState != "" {
		q.Set("state", g.o.PullRequestState)
	}
	path := "projects/" + gitlabEscape(g.o.Project) + "/merge_requests"
	mrs, err := GetAll[gitlabMergeRequest](ctx, g.c, path, q)
	if err != nil {
		return nil, notFound(err)
	}
	out := make([]*PullRequest, 0, len(mrs))
	for _, mr := range mrs {
		pr := &PullRequest{
			Number: mr.IID, Title: mr.Title, Branch: mr.SourceBranch, TargetBranch: mr.TargetBranch,
			HeadSHA: mr.SHA, Labels: mr.Labels,
		}
		if mr.Author != nil {
			pr.Author = mr.Author.Username
		}
		out = append(out, pr)
	}
	return out, nil
}

type gitlabProject struct {
	ID            int64    `json:"id"`
	Path          string   `json:"path"`
	SSHURLToRepo  string   `json:"ssh_url_to_repo"`
	HTTPURLToRepo string   `json:"http_url_to_repo"`
	DefaultBranch string   `json:"default_branch"`
	Topics        []string `json:"topics"`
	TagList       []string `json:"tag_list"`
	Namespace     struct {
		FullPath string `json:"full_path"`
	} `json:"namespace"`
}

// ListRepos lists the group's projects (GET /groups/{id}/projects) with
// Argo CD's query, labelled with their topics (tag_list before GitLab
// 14.5). The organisation is the project's namespace, the repository
// its path.
func (g *gitlab) ListRepos(ctx context.Context, cloneProtocol string) ([]*Repository, error) {
	q := url.Values{
		"per_page":          {"100"},
		"include_subgroups": {strconv.FormatBool(g.o.IncludeSubgroups)},
		"with_shared":       {strconv.FormatBool(g.o.IncludeSharedProjects)},
		"topic":             {g.o.Topic},
	}
	if g.o.IncludeArchived {
		q.Set("archived", "true")
	}
	path := "groups/" + gitlabEscape(g.o.Group) + "/projects"
	projects, err := GetAll[gitlabProject](ctx, g.c, path, q)
	if err != nil {
		return nil, notFound(err)
	}
	var out []*Repository
	for _, p := range projects {
		u, err := cloneURL("gitlab", cloneProtocol, p.SSHURLToRepo, p.HTTPURLToRepo)
		if err != nil {
			return nil, err
		}
		labels := p.Topics
		if len(labels) == 0 {
			labels = p.TagList
		}
		out = append(out, &Repository{
			Organization: p.Namespace.FullPath, Repository: p.Path, Branch: p.DefaultBranch,
			URL: u, Labels: labels, RepositoryID: p.ID,
		})
	}
	return out, nil
}

type gitlabBranch struct {
	Name   string `json:"name"`
	Commit struct {
		ID string `json:"id"`
	} `json:"commit"`
}

func (b gitlabBranch) head() (string, string) { return b.Name, b.Commit.ID }

// GetBranches returns repo at its default branch, or at every branch. A
// branch or project GitLab does not know is no branch, as in Argo CD.
func (g *gitlab) GetBranches(ctx context.Context, repo *Repository) ([]*Repository, error) {
	path := "projects/" + gitlabProjectRef(repo) + "/repository/branches"
	if !g.o.AllBranches {
		var b gitlabBranch
		_, err := g.c.Do(ctx, Request{Path: path + "/" + gitlabEscape(repo.Branch)}, &b)
		if IsNotFound(notFound(err)) {
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("default branch %q of %s/%s: %w", repo.Branch, repo.Organization, repo.Repository, err)
		}
		return atBranches(repo, b), nil
	}
	branches, err := GetAll[gitlabBranch](ctx, g.c, path, url.Values{"per_page": {"100"}})
	if IsNotFound(notFound(err)) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("branches of %s/%s: %w", repo.Organization, repo.Repository, err)
	}
	return atBranches(repo, branches...), nil
}

// RepoHasPath asks, as Argo CD, the files API for path on repo's branch
// and, when there is no such file, the tree API for a directory: a tree
// GitLab answers, even empty, is one.
func (g *gitlab) RepoHasPath(ctx context.Context, repo *Repository, path string) (bool, error) {
	pid, err := g.projectID(ctx, repo)
	if err != nil {
		return false, err
	}
	has, err := pathExists(ctx, g.c, Request{
		Path:  "projects/" + pid + "/repository/files/" + gitlabEscape(path),
		Query: url.Values{"ref": {repo.Branch}},
	})
	if has || err != nil {
		return has, err
	}
	return pathExists(ctx, g.c, Request{
		Path:  "projects/" + pid + "/repository/tree",
		Query: url.Values{"path": {path}, "ref": {repo.Branch}},
	})
}

// projectID is repo's project id, escaped for a path: the one ListRepos
// gave, else GitLab's answer for its full path (GET /projects/{path}).
func (g *gitlab) projectID(ctx context.Context, repo *Repository) (string, error) {
	if repo.RepositoryID != nil {
		return gitlabProjectRef(repo), nil
	}
	var p gitlabProject
	if _, err := g.c.Do(ctx, Request{Path: "projects/" + gitlabProjectRef(repo)}, &p); err != nil {
		return "", fmt.Errorf("project %s/%s: %w", repo.Organization, repo.Repository, err)
	}
	return itoa(p.ID), nil
}

// SetStatus posts a commit status (POST /projects/{id}/statuses/{sha}),
// named by its context. GitLab refuses a status in the state the commit
// already has for that name ("Cannot transition status"): that is no
// error here.
func (g *gitlab) SetStatus(ctx context.Context, s Status) error {
	body := map[string]string{"state": gitlabState(s.State), "name": s.Context}
	if s.Description != "" {
		body["description"] = s.Description
	}
	if s.TargetURL != "" {
		body["target_url"] = s.TargetURL
	}
	path := "projects/" + gitlabEscape(s.Repo) + "/statuses/" + url.PathEscape(s.SHA)
	_, err := g.c.Do(ctx, Request{Method: http.MethodPost, Path: path, Body: body}, nil)
	var apiErr *APIError
	if errors.As(err, &apiErr) && apiErr.Status == http.StatusBadRequest && strings.Contains(apiErr.Message, "Cannot transition status") {
		return nil
	}
	return err
}

// gitlabState is GitLab's name of a state: failed for failure and error.
func gitlabState(s State) string {
	switch s {
	case StateFailure, StateError:
		return "failed"
	}
	return string(s)
}

// gitlabProjectRef is repo's project in a path: its id when it has
// one, else its escaped full path.
func gitlabProjectRef(repo *Repository) string {
	switch id := repo.RepositoryID.(type) {
	case int64:
		return itoa(id)
	case int:
		return strconv.Itoa(id)
	case string:
		if id != "" {
			return gitlabEscape(id)
		}
	}
	return gitlabEscape(repo.Organization + "/" + repo.Repository)
}

// gitlabEscape escapes a project path, branch or file path as one path
// segment, as GitLab's client does: slashes and dots too.
func gitlabEscape(s string) string {
	return strings.ReplaceAll(url.PathEscape(s), ".", "%2E")
}
