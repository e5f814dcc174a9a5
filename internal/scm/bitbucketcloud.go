package scm

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"
	"unicode/utf8"
)

const (
	// bitbucketCloudAPI is bitbucket.org's API.
	bitbucketCloudAPI = "https://api.bitbucket.org/2.0"
	// bitbucketCloudKeyMax is the longest build status key Bitbucket
	// Cloud takes.
	bitbucketCloudKeyMax = 40
)

// BitbucketCloudOptions configures the Bitbucket Cloud provider. API is
// empty for bitbucket.org (https://api.bitbucket.org/2.0).
type BitbucketCloudOptions struct {
	API string
	// Owner is the workspace; Repo the repository's slug (pull requests).
	Owner, Repo string
	// User and Password are basic credentials (an app password); Token a
	// bearer token, used instead when set. None is anonymous access.
	User, Password string
	Token          string
	// AllBranches lists every branch, not only the main one.
	AllBranches bool
	HTTPClient  *http.Client
	// Sleep waits between attempts; nil waits on a timer. Tests replace it.
	Sleep func(ctx context.Context, d time.Duration) error
}

// bitbucketCloud is Bitbucket Cloud's 2.0 API.
type bitbucketCloud struct {
	c *Client
	o BitbucketCloudOptions
}

// NewBitbucketCloud returns the Bitbucket Cloud provider: a
// PullRequestService, a RepositoryService and a StatusService.
func NewBitbucketCloud(o BitbucketCloudOptions) (*bitbucketCloud, error) { //nolint:revive // unexported type, used through interfaces
	api := o.API
	if api == "" {
		api = bitbucketCloudAPI
	}
	c, err := NewClient(ClientOptions{BaseURL: api, HTTPClient: o.HTTPClient, Auth: basicOrBearer(o.User, o.Password, o.Token), Sleep: o.Sleep})
	if err != nil {
		return nil, fmt.Errorf("bitbucket cloud: %w", err)
	}
	return &bitbucketCloud{c: c, o: o}, nil
}

// bitbucketCloudPage is one page of a paginated answer: the values and
// the next page's URL, absent on the last.
type bitbucketCloudPage[T any] struct {
	Values []T    `json:"values"`
	Next   string `json:"next"`
}

// bitbucketCloudAll GETs path and every page after it by the body's
// next URL, and returns all values.
func bitbucketCloudAll[T any](ctx context.Context, c *Client, path string, query url.Values) ([]T, error) {
	var all []T
	for path != "" {
		var page bitbucketCloudPage[T]
		if _, err := c.Do(ctx, Request{Path: path, Query: query}, &page); err != nil {
			return nil, err
		}
		all = append(all, page.Values...)
		if page.Next == path {
			return nil, fmt.Errorf("%s: the next page is this page", path)
		}
		path, query = page.Next, nil
	}
	return all, nil
}

type bitbucketCloudPull struct {
	ID     int64  `json:"id"`
	Title  string `json:"title"`
	Source struct {
		Branch struct {
			Name string `json:"name"`
		} `json:"branch"`
		Commit struct {
			Hash string `json:"hash"`
		} `json:"commit"`
	} `json:"source"`
	Destination struct {
		Branch struct {
			Name string `json:"name"`
		} `json:"branch"`
	} `json:"destination"`
	Author struct {
		Nickname string `json:"nickname"`
	} `json:"author"`
}

// List lists the repository's open pull requests, each once. As in Argo
// CD, HeadSHA is source.commit.hash as the API gives it: abbreviated to
// 12 characters (Argo CD's head_sha is that too, and its short SHAs are
// prefixes of it); Author is the nickname. Bitbucket has no labels.
func (b *bitbucketCloud) List(ctx context.Context) ([]*PullRequest, error) {
	pulls, err := bitbucketCloudAll[bitbucketCloudPull](ctx, b.c, b.repoPath(b.o.Repo)+"/pullrequests",
		url.Values{"state": {"OPEN"}, "pagelen": {"50"}})
	if err != nil {
		return nil, notFound(err)
	}
	pulls = unseen(map[int64]bool{}, pulls, func(p bitbucketCloudPull) int64 { return p.ID })
	out := make([]*PullRequest, 0, len(pulls))
	for _, p := range pulls {
		out = append(out, &PullRequest{
			Number: p.ID, Title: p.Title, Branch: p.Source.Branch.Name, TargetBranch: p.Destination.Branch.Name,
			HeadSHA: p.Source.Commit.Hash, Author: p.Author.Nickname,
		})
	}
	return out, nil
}

// bitbucketCloudLink is one of an object's links.
type bitbucketCloudLink struct {
	Name string `json:"name"`
	Href string `json:"href"`
}

type bitbucketCloudRepo struct {
	UUID       string `json:"uuid"`
	Slug       string `json:"slug"`
	Mainbranch struct {
		Name string `json:"name"`
	} `json:"mainbranch"`
	Links struct {
		Clone []bitbucketCloudLink `json:"clone"`
	} `json:"links"`
}

// ListRepos lists the workspace's repositories the user is a member of
// (role=member, as Argo CD), named by slug, with the clone link of the
// protocol (ssh or https) and the main branch.
func (b *bitbucketCloud) ListRepos(ctx context.Context, cloneProtocol string) ([]*Repository, error) {
	repos, err := bitbucketCloudAll[bitbucketCloudRepo](ctx, b.c, "repositories/"+b.o.Owner,
		url.Values{"role": {"member"}, "pagelen": {"100"}})
	if err != nil {
		return nil, notFound(err)
	}
	out := make([]*Repository, 0, len(repos))
	for _, r := range repos {
		u, err := bitbucketCloudCloneURL(cloneProtocol, r)
		if err != nil {
			return nil, err
		}
		out = append(out, &Repository{
			Organization: b.o.Owner, Repository: r.Slug, URL: u, Branch: r.Mainbranch.Name,
			Labels: []string{}, RepositoryID: r.UUID,
		})
	}
	return out, nil
}

// bitbucketLink is the href of the link called name, or "".
func bitbucketLink(links []bitbucketCloudLink, name string) string {
	for _, l := range links {
		if l.Name == name {
			return l.Href
		}
	}
	return ""
}

// bitbucketCloudCloneURL is r's clone link of the protocol: "" and ssh
// its "ssh" link, https its "https" one. A repository without it is an
// error, as in Argo CD.
func bitbucketCloudCloneURL(protocol string, r bitbucketCloudRepo) (string, error) {
	name, err := cloneURL("bitbucket cloud", protocol, "ssh", "https")
	if err != nil {
		return "", err
	}
	if u := bitbucketLink(r.Links.Clone, name); u != "" {
		return u, nil
	}
	return "", fmt.Errorf("repository %s has no %s clone link", r.Slug, name)
}

type bitbucketCloudBranch struct {
	Name   string `json:"name"`
	Target struct {
		Hash string `json:"hash"`
	} `json:"target"`
}

func (b bitbucketCloudBranch) head() (string, string) { return b.Name, b.Target.Hash }

// GetBranches returns repo at its main branch, or at every branch. An
// empty repository has no main branch and no branches.
func (b *bitbucketCloud) GetBranches(ctx context.Context, repo *Repository) ([]*Repository, error) {
	branches := b.repoPath(repo.Repository) + "/refs/branches"
	if !b.o.AllBranches {
		if repo.Branch == "" {
			return nil, nil
		}
		var br bitbucketCloudBranch
		if _, err := b.c.Do(ctx, Request{Path: branches + "/" + escapePath(repo.Branch)}, &br); err != nil {
			return nil, fmt.Errorf("main branch %q of %s: %w", repo.Branch, repo.Repository, err)
		}
		return atBranches(repo, br), nil
	}
	all, err := bitbucketCloudAll[bitbucketCloudBranch](ctx, b.c, branches, url.Values{"pagelen": {"100"}})
	if err != nil {
		return nil, fmt.Errorf("branches of %s: %w", repo.Repository, err)
	}
	return atBranches(repo, all...), nil
}

// RepoHasPath asks the source API for path's metadata at repo's commit
// (its branch when the commit is not known), as Argo CD does.
func (b *bitbucketCloud) RepoHasPath(ctx context.Context, repo *Repository, path string) (bool, error) {
	at := repo.SHA
	if at == "" {
		at = repo.Branch
	}
	return pathExists(ctx, b.c, Request{
		Path:  b.repoPath(repo.Repository) + "/src/" + url.PathEscape(at) + "/" + escapePath(path),
		Query: url.Values{"format": {"meta"}},
	})
}

// SetStatus posts a build status (POST
// /repositories/{workspace}/{repo_slug}/commit/{sha}/statuses/build),
// its key shortened to Bitbucket's 40 characters. Without TargetURL the
// URL is the commit's own web page, read from the commit.
func (b *bitbucketCloud) SetStatus(ctx context.Context, s Status) error {
	commit := "repositories/" + s.Repo + "/commit/" + s.SHA
	body, err := bitbucketBuildStatus(s, bitbucketCloudKeyMax, func() (string, error) { return b.commitPage(ctx, commit) })
	if err != nil {
		return err
	}
	_, err = b.c.Do(ctx, Request{Method: http.MethodPost, Path: commit + "/statuses/build", Body: body}, nil)
	return err
}

// commitPage is the web page of the commit at path (its links.html).
func (b *bitbucketCloud) commitPage(ctx context.Context, path string) (string, error) {
	var commit struct {
		Links struct {
			HTML struct {
				Href string `json:"href"`
			} `json:"html"`
		} `json:"links"`
	}
	if _, err := b.c.Do(ctx, Request{Path: path}, &commit); err != nil {
		return "", fmt.Errorf("commit page for the status url: %w", err)
	}
	if commit.Links.HTML.Href == "" {
		return "", errors.New("commit page for the status url: the commit has no html link")
	}
	return commit.Links.HTML.Href, nil
}

// repoPath is repositories/{workspace}/{slug}.
func (b *bitbucketCloud) repoPath(slug string) string {
	return "repositories/" + b.o.Owner + "/" + slug
}

// bitbucketBuildStatus is the body of s as a Bitbucket (Cloud or Server)
// build status: the key is the context, shortened to keyMax bytes; the
// name is the whole context. Bitbucket requires a URL: without TargetURL
// it is commitPage's, asked for once the state is known.
func bitbucketBuildStatus(s Status, keyMax int, commitPage func() (string, error)) (map[string]string, error) {
	state, err := bitbucketState(s.State)
	if err != nil {
		return nil, err
	}
	link := s.TargetURL
	if link == "" {
		if link, err = commitPage(); err != nil {
			return nil, err
		}
	}
	return map[string]string{
		"key": bitbucketKey(s.Context, keyMax), "state": state,
		"name": s.Context, "description": s.Description, "url": link,
	}, nil
}

// bitbucketState is the Bitbucket (Cloud and Server) build state of s.
func bitbucketState(s State) (string, error) {
	switch s {
	case StatePending:
		return "INPROGRESS", nil
	case StateSuccess:
		return "SUCCESSFUL", nil
	case StateFailure, StateError:
		return "FAILED", nil
	}
	return "", fmt.Errorf("unknown commit status state %q", s)
}

// bitbucketKey is key when it fits in limit bytes, else its start and
// a hash of the whole, so that long contexts stay distinct and stable.
func bitbucketKey(key string, limit int) string {
	if len(key) <= limit {
		return key
	}
	sum := sha256.Sum256([]byte(key))
	suffix := "-" + hex.EncodeToString(sum[:])[:8]
	n := limit - len(suffix)
	for n > 0 && !utf8.RuneStart(key[n]) {
		n--
	}
	return key[:n] + suffix
}
