package scm

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// containsAll says whether have holds every label of want.
func containsAll(have, want []string) bool {
	for _, w := range want {
		if !slices.Contains(have, w) {
			return false
		}
	}
	return true
}

// cloneURL picks the repository URL for the protocol: "" and "ssh" the
// ssh URL, "https" the https one.
func cloneURL(provider, protocol, ssh, https string) (string, error) {
	switch protocol {
	case "", "ssh":
		return ssh, nil
	case "https":
		return https, nil
	}
	return "", fmt.Errorf("unknown clone protocol %q for %s (ssh or https)", protocol, provider)
}

// atBranch is a copy of repo at branch and sha.
func atBranch(repo *Repository, branch, sha string) *Repository {
	c := *repo
	c.Branch, c.SHA = branch, sha
	return &c
}

// branch is a forge's branch.
type branch interface {
	// head is the branch's name and the commit at its head.
	head() (name, sha string)
}

// atBranches is repo once at each of branches.
func atBranches[B branch](repo *Repository, branches ...B) []*Repository {
	out := make([]*Repository, 0, len(branches))
	for _, b := range branches {
		name, sha := b.head()
		out = append(out, atBranch(repo, name, sha))
	}
	return out
}

// unseen are the items whose id is not in seen, which notes them: pages
// read by offset shift when a pull request opens meanwhile, and repeat
// one.
func unseen[T any](seen map[int64]bool, items []T, id func(T) int64) []T {
	var out []T
	for _, item := range items {
		if !seen[id(item)] {
			seen[id(item)] = true
			out = append(out, item)
		}
	}
	return out
}

// escapePath escapes each segment of a slash-separated path.
func escapePath(p string) string {
	parts := strings.Split(strings.Trim(p, "/"), "/")
	for i, s := range parts {
		parts[i] = url.PathEscape(s)
	}
	return strings.Join(parts, "/")
}

// pathExists sends r, a request for a path's contents or metadata: an
// answer means the path exists, a 404 that it does not, anything else is
// an error.
func pathExists(ctx context.Context, c *Client, r Request) (bool, error) {
	_, err := c.Do(ctx, r, nil)
	if err == nil {
		return true, nil
	}
	if IsNotFound(notFound(err)) {
		return false, nil
	}
	return false, err
}

// basicOrBearer is the Auth of basic credentials, or of a bearer token
// instead when token is set, as both Bitbuckets take them.
func basicOrBearer(user, password, token string) func(*http.Request) {
	if token != "" {
		return Bearer(token)
	}
	return Basic(user, password)
}

// hubPull is a pull request as GitHub's API gives it, and Gitea's, which
// follows it.
type hubPull struct {
	Number int64  `json:"number"`
	Title  string `json:"title"`
	Head   struct {
		Ref string `json:"ref"`
		SHA string `json:"sha"`
	} `json:"head"`
	Base struct {
		Ref string `json:"ref"`
	} `json:"base"`
	Labels []hubLabel `json:"labels"`
	User   struct {
		Login string `json:"login"`
	} `json:"user"`
}

// hubLabel is a label of GitHub's and Gitea's.
type hubLabel struct {
	Name string `json:"name"`
}

// pullRequest is p carrying labels, the names of its labels.
func (p hubPull) pullRequest(labels []string) *PullRequest {
	return &PullRequest{
		Number: p.Number, Title: p.Title, Branch: p.Head.Ref, TargetBranch: p.Base.Ref,
		HeadSHA: p.Head.SHA, Labels: labels, Author: p.User.Login,
	}
}

// hubRepoPath is GitHub's and Gitea's repos/{owner}/{name}, escaped.
func hubRepoPath(owner, name string) string {
	return "repos/" + url.PathEscape(owner) + "/" + url.PathEscape(name)
}

// hubStatus is the request posting s to GitHub or Gitea
// (POST /repos/{owner}/{repo}/statuses/{sha}).
func hubStatus(s Status) Request {
	body := map[string]string{"state": string(s.State), "context": s.Context, "description": s.Description, "target_url": s.TargetURL}
	return Request{Method: http.MethodPost, Path: "repos/" + escapePath(s.Repo) + "/statuses/" + url.PathEscape(s.SHA), Body: body}
}
