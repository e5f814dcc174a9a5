package webhook

import (
	"errors"
	"net/url"
	"slices"
	"strings"
)

// The pull-request actions, by provider, that can change what a
// pull-request generator lists; the others are ignored.
var (
	// githubPullRequestActions are the actions of GitHub's pull_request
	// event: Argo CD's githubAllowedPullRequestActions.
	githubPullRequestActions = []string{"opened", "closed", "synchronize", "labeled", "reopened", "unlabeled"}
	// gitlabPullRequestActions are the object_attributes.action of GitLab's
	// merge request event: Argo CD's gitlabAllowedPullRequestActions.
	gitlabPullRequestActions = []string{"open", "close", "reopen", "update", "merge"}
	// giteaPullRequestActions are Gitea's HookIssueAction values of its
	// pull_request event (a merge is closed, new commits synchronized).
	giteaPullRequestActions = []string{"opened", "closed", "reopened", "synchronized", "edited", "label_updated", "label_cleared"}
	// bitbucketPullRequestEvents are the X-Event-Key values of Bitbucket
	// Cloud (fulfilled is a merge, rejected a decline, updated includes new
	// commits).
	bitbucketPullRequestEvents = []string{"pullrequest:created", "pullrequest:updated", "pullrequest:fulfilled", "pullrequest:rejected"}
	// bitbucketServerPullRequestEvents are the X-Event-Key values of
	// Bitbucket Server (from_ref_updated is new commits on the source).
	bitbucketServerPullRequestEvents = []string{"pr:opened", "pr:from_ref_updated", "pr:modified", "pr:merged", "pr:declined", "pr:deleted"}
	// azureDevOpsPullRequestEvents are the eventType values of Azure DevOps'
	// service hooks: Argo CD's azuredevopsAllowedPullRequestActions
	// (updated includes new commits, abandonment and completion).
	azureDevOpsPullRequestEvents = []string{"git.pullrequest.created", "git.pullrequest.updated", "git.pullrequest.merged"}
)

// checkAction returns an ErrIgnored unless action is one of allowed.
func checkAction(provider, action string, allowed []string) error {
	if slices.Contains(allowed, action) {
		return nil
	}
	return ignored("%s pull request action %s", provider, action)
}

// pullRequestPush returns ev as the Push of provider on the repository at
// urls. The repository's owner, name and a URL are required.
func pullRequestPush(provider string, urls []string, ev PullRequestEvent) (Push, error) {
	switch {
	case ev.Owner == "" || ev.Repo == "":
		return Push{}, malformedPullRequest(provider, errors.New("no repository owner and name"))
	case len(urls) == 0:
		return Push{}, malformedPullRequest(provider, errors.New("no repository URL"))
	}
	return Push{Provider: provider, RepoURLs: urls, PullRequest: &ev}, nil
}

// splitFullName splits owner/name at its last slash; a name without one
// has no owner.
func splitFullName(s string) (owner, name string) {
	s = strings.Trim(s, "/")
	i := strings.LastIndexByte(s, '/')
	if i < 0 {
		return "", s
	}
	return s[:i], s[i+1:]
}

// webHost returns the host, lower case and with its port, of the first
// http or https URL of urls; empty when there is none.
func webHost(urls ...string) string {
	for _, raw := range urls {
		u, err := url.Parse(strings.TrimSpace(raw))
		if err == nil && u.Host != "" && (u.Scheme == "http" || u.Scheme == "https") {
			return strings.ToLower(u.Host)
		}
	}
	return ""
}
