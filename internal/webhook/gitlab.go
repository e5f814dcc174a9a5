package webhook

import (
	"cmp"
	"encoding/json"
	"errors"
	"net/http"
)

// gitlabEvent holds the fields of GitLab's push, tag push and merge request
// payloads.
// See https://docs.gitlab.com/user/project/integrations/webhook_events/#push-events
// and https://docs.gitlab.com/user/project/integrations/webhook_events/#merge-request-events.
type gitlabEvent struct {
	ObjectKind  string        `json:"object_kind"`
	EventName   string        `json:"event_name"`
	Ref         string        `json:"ref"`
	Before      string        `json:"before"`
	After       string        `json:"after"`
	CheckoutSHA string        `json:"checkout_sha"`
	Commits     []fileChanges `json:"commits"`
	Project     *struct {
		WebURL            string `json:"web_url"`
		GitHTTPURL        string `json:"git_http_url"`
		GitSSHURL         string `json:"git_ssh_url"`
		DefaultBranch     string `json:"default_branch"`
		PathWithNamespace string `json:"path_with_namespace"`
	} `json:"project"`
	// Repository is deprecated by GitLab in favour of project; older
	// instances send only this.
	Repository *struct {
		Homepage   string `json:"homepage"`
		GitHTTPURL string `json:"git_http_url"`
		GitSSHURL  string `json:"git_ssh_url"`
	} `json:"repository"`
	// ObjectAttributes is the merge request of a merge request event.
	ObjectAttributes *struct {
		Action          string `json:"action"`
		IID             int64  `json:"iid"`
		TargetProjectID int64  `json:"target_project_id"`
		SourceBranch    string `json:"source_branch"`
		LastCommit      *struct {
			ID string `json:"id"`
		} `json:"last_commit"`
	} `json:"object_attributes"`
}

// parseGitLab handles X-Gitlab-Event: Push Hook, Tag Push Hook, Merge
// Request Hook (of the actions in gitlabPullRequestActions), and System
// Hook when it carries a push, tag push or merge request, as Argo CD does.
// With a secret, X-Gitlab-Token must equal it.
func parseGitLab(r *http.Request, secret string, limit int64) (Push, error) {
	const provider = ProviderGitLab
	body, err := readBody(r, provider, limit)
	if err != nil {
		return Push{}, err
	}
	if err := verifyToken(r, provider, "X-Gitlab-Token", secret); err != nil {
		return Push{}, err
	}
	event := r.Header.Get("X-Gitlab-Event")
	switch event {
	case "Push Hook", "Tag Push Hook", "Merge Request Hook", "System Hook":
	default:
		return Push{}, ignored("%s event %s", provider, event)
	}
	var pl gitlabEvent
	if err := json.Unmarshal(body, &pl); err != nil {
		if event == "Merge Request Hook" {
			return Push{}, malformedPullRequest(provider, err)
		}
		return Push{}, malformed(provider, err)
	}
	switch kind := cmp.Or(pl.ObjectKind, pl.EventName); kind {
	case "push", "tag_push":
		return pl.push(kind == "tag_push")
	case "merge_request":
		return pl.mergeRequest()
	default:
		return Push{}, ignored("%s %s of kind %s", provider, event, kind)
	}
}

// repoURLs are the project's web and clone URLs.
func (pl *gitlabEvent) repoURLs() []string {
	var urls []string
	if p := pl.Project; p != nil {
		urls = append(urls, p.WebURL, p.GitHTTPURL, p.GitSSHURL)
	}
	if repo := pl.Repository; repo != nil {
		urls = append(urls, repo.Homepage, repo.GitHTTPURL, repo.GitSSHURL)
	}
	return uniq(urls...)
}

func (pl *gitlabEvent) push(tagPush bool) (Push, error) {
	const provider = ProviderGitLab
	if pl.Ref == "" {
		return Push{}, malformed(provider, errors.New("no ref"))
	}
	urls := pl.repoURLs()
	if len(urls) == 0 {
		return Push{}, malformed(provider, errors.New("no project URL"))
	}
	var defaultBranch string
	if p := pl.Project; p != nil {
		defaultBranch = p.DefaultBranch
	}
	rev, tag := parseRef(pl.Ref)
	head := pl.After
	if isZeroSHA(head) {
		head = pl.CheckoutSHA
	}
	return Push{
		Provider:      provider,
		RepoURLs:      urls,
		Revision:      rev,
		Commits:       commitList(head, commitIDs(pl.Commits)...),
		Tag:           tag || tagPush,
		Files:         changedFiles(pl.Commits),
		DefaultBranch: defaultBranch,
	}, nil
}

// mergeRequest returns the event of a merge request payload whose action
// is allowed. The owner is the project's namespace path, the host that of
// its web URL.
func (pl *gitlabEvent) mergeRequest() (Push, error) {
	const provider = ProviderGitLab
	mr := pl.ObjectAttributes
	if mr == nil {
		return Push{}, malformedPullRequest(provider, errors.New("no object_attributes"))
	}
	if err := checkAction(provider, mr.Action, gitlabPullRequestActions); err != nil {
		return Push{}, err
	}
	ev := PullRequestEvent{
		Action:    mr.Action,
		Number:    mr.IID,
		ProjectID: mr.TargetProjectID,
		Branch:    mr.SourceBranch,
	}
	if c := mr.LastCommit; c != nil {
		ev.HeadSHA = c.ID
	}
	if p := pl.Project; p != nil {
		ev.Owner, ev.Repo = splitFullName(p.PathWithNamespace)
		ev.Host = webHost(p.WebURL, p.GitHTTPURL)
	}
	return pullRequestPush(provider, pl.repoURLs(), ev)
}
