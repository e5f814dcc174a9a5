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

const (
	// azureDevOpsAPI is Azure DevOps Services.
	azureDevOpsAPI = "https://dev.azure.com"
	// azureDevOpsAPIVersion is the REST API version asked for. Argo CD's
	// SDK asks for 7.1-preview.1 and negotiates down to what the server
	// has; a fixed version cannot, so this is the oldest carrying all
	// that is read here: Azure DevOps Services and Azure DevOps Server
	// 2020 and later answer it.
	azureDevOpsAPIVersion = "6.0"
	// azureDevOpsPageSize is the $top of the pull requests' pages.
	azureDevOpsPageSize = 100
	// azureDevOpsRefsPageSize is the $top of the refs' pages, the most
	// the API gives.
	azureDevOpsRefsPageSize = "1000"
	// azureDevOpsContinuation is the header naming the next page.
	azureDevOpsContinuation = "X-Ms-Continuationtoken"
	// azureDevOpsRepoNotFound is the code of Azure DevOps' "the Git
	// repository … does not exist" (GitRepositoryNotFoundException).
	azureDevOpsRepoNotFound = "TF401019"
	// azureDevOpsHeads starts a branch's ref.
	azureDevOpsHeads = "refs/heads/"
)

// AzureDevOpsOptions configures the Azure DevOps provider. API is empty
// for Azure DevOps Services (https://dev.azure.com), or an Azure DevOps
// Server's collections root (https://tfs.example.com/tfs).
type AzureDevOpsOptions struct {
	API string
	// Organization is the organisation (the collection on a server);
	// Project the team project; Repo the repository (pull requests).
	Organization, Project, Repo string
	// Token is a personal access token; empty is anonymous access.
	Token string
	// Labels are the labels a pull request must all carry.
	Labels []string
	// AllBranches lists every branch, not only the default one.
	AllBranches bool
	HTTPClient  *http.Client
	// Sleep waits between attempts; nil waits on a timer. Tests replace it.
	Sleep func(ctx context.Context, d time.Duration) error
}

// azureDevOps is an Azure DevOps organisation's Git REST API.
type azureDevOps struct {
	c *Client
	o AzureDevOpsOptions
}

// NewAzureDevOps returns the Azure DevOps provider: a PullRequestService
// and a RepositoryService.
func NewAzureDevOps(o AzureDevOpsOptions) (*azureDevOps, error) { //nolint:revive // unexported type, used through interfaces
	if o.Organization == "" {
		return nil, errors.New("azure devops: organization is required")
	}
	api := o.API
	if api == "" {
		api = azureDevOpsAPI
	}
	base, err := url.JoinPath(api, o.Organization)
	if err != nil {
		return nil, fmt.Errorf("azure devops: api %q: %w", api, err)
	}
	c, err := NewClient(ClientOptions{BaseURL: base, HTTPClient: o.HTTPClient, Auth: azureDevOpsAuth(o.Token), Sleep: o.Sleep})
	if err != nil {
		return nil, fmt.Errorf("azure devops: %w", err)
	}
	return &azureDevOps{c: c, o: o}, nil
}

// azureDevOpsAuth sends the personal access token as basic credentials
// with no user, and, as Argo CD's SDK does, asks for a 401 rather than a
// redirect to the sign-in page when they are refused.
func azureDevOpsAuth(token string) func(*http.Request) {
	basic := Basic("", token)
	return func(r *http.Request) {
		basic(r)
		r.Header.Set("X-TFS-FedAuthRedirect", "Suppress")
	}
}

// azureDevOpsList is a list answer.
type azureDevOpsList[T any] struct {
	Value []T `json:"value"`
}

type azureDevOpsPull struct {
	PullRequestID         int64  `json:"pullRequestId"`
	Title                 string `json:"title"`
	SourceRefName         string `json:"sourceRefName"`
	TargetRefName         string `json:"targetRefName"`
	LastMergeSourceCommit *struct {
		CommitID string `json:"commitId"`
	} `json:"lastMergeSourceCommit"`
	Labels []struct {
		Name string `json:"name"`
	} `json:"labels"`
	CreatedBy struct {
		UniqueName string `json:"uniqueName"`
	} `json:"createdBy"`
}

// List lists the repository's active pull requests carrying all Labels.
// As in Argo CD, branches are the refs without refs/heads/, HeadSHA is
// lastMergeSourceCommit (one without it is left out) and Author the part
// of createdBy.uniqueName before any @.
func (a *azureDevOps) List(ctx context.Context) ([]*PullRequest, error) {
	pulls, err := a.pulls(ctx)
	if err != nil {
		return nil, notFound(err)
	}
	out := make([]*PullRequest, 0, len(pulls))
	for _, p := range pulls {
		if p.LastMergeSourceCommit == nil || p.LastMergeSourceCommit.CommitID == "" {
			continue
		}
		labels := make([]string, 0, len(p.Labels))
		for _, l := range p.Labels {
			labels = append(labels, l.Name)
		}
		if !containsAll(labels, a.o.Labels) {
			continue
		}
		author, _, _ := strings.Cut(p.CreatedBy.UniqueName, "@")
		out = append(out, &PullRequest{
			Number: p.PullRequestID, Title: p.Title,
			Branch:       strings.Replace(p.SourceRefName, azureDevOpsHeads, "", 1),
			TargetBranch: strings.Replace(p.TargetRefName, azureDevOpsHeads, "", 1),
			HeadSHA:      p.LastMergeSourceCommit.CommitID, Labels: labels, Author: author,
		})
	}
	return out, nil
}

// pulls reads the active pull requests page by page ($top, $skip: the
// API has no continuation token for them) until a short page (or a
// longer one: a server that does not page), each once.
func (a *azureDevOps) pulls(ctx context.Context) ([]azureDevOpsPull, error) {
	var all []azureDevOpsPull
	seen := map[int64]bool{}
	for skip := 0; ; skip += azureDevOpsPageSize {
		var page azureDevOpsList[azureDevOpsPull]
		q := a.query(url.Values{
			"searchCriteria.status": {"active"},
			"$top":                  {strconv.Itoa(azureDevOpsPageSize)},
			"$skip":                 {strconv.Itoa(skip)},
		})
		if _, err := a.c.Do(ctx, Request{Path: a.repoPath(a.o.Repo) + "/pullrequests", Query: q}, &page); err != nil {
			return nil, err
		}
		fresh := unseen(seen, page.Value, func(p azureDevOpsPull) int64 { return p.PullRequestID })
		if len(fresh) == 0 && len(page.Value) != 0 { // $skip ignored
			return nil, fmt.Errorf("pull requests at $skip=%d repeat earlier ones", skip)
		}
		all = append(all, fresh...)
		if len(page.Value) != azureDevOpsPageSize {
			return all, nil
		}
	}
}

type azureDevOpsRepo struct {
	ID            string `json:"id"`
	Name          string `json:"name"`
	DefaultBranch string `json:"defaultBranch"`
	RemoteURL     string `json:"remoteUrl"`
	SSHURL        string `json:"sshUrl"`
	IsDisabled    bool   `json:"isDisabled"`
}

// ListRepos lists the project's repositories. As in Argo CD, one
// without a name, id, clone URL or default branch (an empty one) is left
// out, and so is a disabled one (Argo CD drops it when its branch is
// refused). Argo CD always gives the https remote URL; here that is the
// default, and ssh gives the ssh URL.
func (a *azureDevOps) ListRepos(ctx context.Context, cloneProtocol string) ([]*Repository, error) {
	var repos azureDevOpsList[azureDevOpsRepo]
	if _, err := a.c.Do(ctx, Request{Path: a.o.Project + "/_apis/git/repositories", Query: a.query(nil)}, &repos); err != nil {
		return nil, notFound(err)
	}
	var out []*Repository
	for _, r := range repos.Value {
		if r.Name == "" || r.ID == "" || r.DefaultBranch == "" || r.RemoteURL == "" || r.IsDisabled {
			continue
		}
		u, err := azureDevOpsCloneURL(cloneProtocol, r)
		if err != nil {
			return nil, err
		}
		out = append(out, &Repository{
			Organization: a.o.Organization, Repository: r.Name, URL: u,
			Branch: strings.Replace(r.DefaultBranch, azureDevOpsHeads, "", 1), Labels: []string{}, RepositoryID: r.ID,
		})
	}
	return out, nil
}

// azureDevOpsCloneURL is r's remote (https) URL for "" and https, its
// ssh URL for ssh.
func azureDevOpsCloneURL(protocol string, r azureDevOpsRepo) (string, error) {
	if protocol == "" {
		return r.RemoteURL, nil
	}
	return cloneURL("azure devops", protocol, r.SSHURL, r.RemoteURL)
}

// GetBranches returns repo at its default branch, or at every branch. A
// repository Azure DevOps says does not exist (a disabled one) has none,
// as in Argo CD.
func (a *azureDevOps) GetBranches(ctx context.Context, repo *Repository) ([]*Repository, error) {
	if !a.o.AllBranches {
		return a.defaultBranch(ctx, repo)
	}
	refs, err := a.heads(ctx, repo.Repository)
	if azureDevOpsNoRepo(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("branches of %s: %w", repo.Repository, err)
	}
	return atBranches(repo, refs...), nil
}

// defaultBranch reads repo's branch's head from the branch statistics,
// as Argo CD does.
func (a *azureDevOps) defaultBranch(ctx context.Context, repo *Repository) ([]*Repository, error) {
	var stats struct {
		Name   string `json:"name"`
		Commit struct {
			CommitID string `json:"commitId"`
		} `json:"commit"`
	}
	_, err := a.c.Do(ctx, Request{
		Path:  a.repoPath(repo.Repository) + "/stats/branches",
		Query: a.query(url.Values{"name": {repo.Branch}}),
	}, &stats)
	if azureDevOpsNoRepo(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("default branch %q of %s: %w", repo.Branch, repo.Repository, err)
	}
	return []*Repository{atBranch(repo, stats.Name, stats.Commit.CommitID)}, nil
}

// azureDevOpsRef is a ref and the object it points to.
type azureDevOpsRef struct {
	Name     string `json:"name"`
	ObjectID string `json:"objectId"`
}

func (r azureDevOpsRef) head() (string, string) {
	return strings.TrimPrefix(r.Name, azureDevOpsHeads), r.ObjectID
}

// heads lists a repository's branches from its refs, page by page by
// the x-ms-continuationtoken header.
func (a *azureDevOps) heads(ctx context.Context, repo string) ([]azureDevOpsRef, error) {
	var all []azureDevOpsRef
	q := a.query(url.Values{"filter": {"heads/"}, "$top": {azureDevOpsRefsPageSize}})
	for previous := ""; ; {
		var page azureDevOpsList[azureDevOpsRef]
		resp, err := a.c.Do(ctx, Request{Path: a.repoPath(repo) + "/refs", Query: q}, &page)
		if err != nil {
			return nil, err
		}
		all = append(all, page.Value...)
		token := resp.Header.Get(azureDevOpsContinuation)
		if token == "" {
			return all, nil
		}
		if token == previous {
			return nil, fmt.Errorf("continuation token %q repeats", token)
		}
		previous = token
		q.Set("continuationToken", token)
	}
}

// RepoHasPath asks the items API for path on repo's branch, the
// repository named by its id as Argo CD names it.
func (a *azureDevOps) RepoHasPath(ctx context.Context, repo *Repository, path string) (bool, error) {
	id := repo.Repository
	if repo.RepositoryID != nil {
		id = fmt.Sprint(repo.RepositoryID)
	}
	return pathExists(ctx, a.c, Request{
		Path: a.repoPath(id) + "/items",
		Query: a.query(url.Values{
			"path":                          {path},
			"versionDescriptor.version":     {repo.Branch},
			"versionDescriptor.versionType": {"branch"},
		}),
	})
}

// repoPath is {project}/_apis/git/repositories/{repo}.
func (a *azureDevOps) repoPath(repo string) string {
	return a.o.Project + "/_apis/git/repositories/" + repo
}

// query is q with the api-version.
func (a *azureDevOps) query(q url.Values) url.Values {
	if q == nil {
		q = url.Values{}
	}
	q.Set("api-version", azureDevOpsAPIVersion)
	return q
}

// azureDevOpsNoRepo says whether err is Azure DevOps' 404 for a
// repository that does not exist (or is disabled).
func azureDevOpsNoRepo(err error) bool {
	var apiErr *APIError
	return errors.As(err, &apiErr) && apiErr.Status == http.StatusNotFound &&
		strings.HasPrefix(apiErr.Message, azureDevOpsRepoNotFound)
}
