package webhook

import (
	"encoding/json"
	"errors"
	"net/http"
)

// gitlabPush holds the fields of GitLab's push and tag push payloads.
// See https://docs.gitlab.com/user/project/integrations/webhook_events/#push-events.
type gitlabPush struct {
	ObjectKind  string        `json:"object_kind"`
	EventName   string        `json:"event_name"`
	Ref         string        `json:"ref"`
	Before      string        `json:"before"`
	After       string        `json:"after"`
	CheckoutSHA string        `json:"checkout_sha"`
	Commits     []fileChanges `json:"commits"`
	Project     *struct {
		WebURL        string `json:"web_url"`
		GitHTTPURL    string `json:"git_http_url"`
		GitSSHURL     string `json:"git_ssh_url"`
		DefaultBranch string `json:"default_branch"`
	} `json:"project"`
	// Repository is deprecated by GitLab in favour of project; older
	// instances send only this.
	Repository *struct {
		Homepage   string `json:"homepage"`
		GitHTTPURL string `json:"git_http_url"`
		GitSSHURL  string `json:"git_ssh_url"`
	} `json:"repository"`
}

// parseGitLab handles X-Gitlab-Event: Push Hook, Tag Push Hook, and System
// Hook when it carries a push or tag push, as Argo CD does. With a secret,
// X-Gitlab-Token must equal it.
func parseGitLab(r *http.Request, secret string, limit int64) (Push, error) {
	const provider = ProviderGitLab
	body, err := readBody(r, provider, limit)
	if err != nil {
		return Push{}, err
	}
	if secret != "" {
		token := r.Header.Get("X-Gitlab-Token")
		if token == "" {
			return Push{}, unauthorized(provider, "no X-Gitlab-Token header")
		}
		if !equalSecret(token, secret) {
			return Push{}, unauthorized(provider, "X-Gitlab-Token does not match")
		}
	}
	event := r.Header.Get("X-Gitlab-Event")
	switch event {
	case "Push Hook", "Tag Push Hook", "System Hook":
	default:
		return Push{}, ignored("%s event %s", provider, event)
	}
	var pl gitlabPush
	if err := json.Unmarshal(body, &pl); err != nil {
		return Push{}, malformed(provider, err)
	}
	kind := pl.ObjectKind
	if kind == "" {
		kind = pl.EventName
	}
	if kind != "push" && kind != "tag_push" {
		return Push{}, ignored("%s %s of kind %s", provider, event, kind)
	}
	if pl.Ref == "" {
		return Push{}, malformed(provider, errors.New("no ref"))
	}
	var urls []string
	var defaultBranch string
	if p := pl.Project; p != nil {
		urls = append(urls, p.WebURL, p.GitHTTPURL, p.GitSSHURL)
		defaultBranch = p.DefaultBranch
	}
	if repo := pl.Repository; repo != nil {
		urls = append(urls, repo.Homepage, repo.GitHTTPURL, repo.GitSSHURL)
	}
	urls = uniq(urls...)
	if len(urls) == 0 {
		return Push{}, malformed(provider, errors.New("no project URL"))
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
		Tag:           tag || kind == "tag_push",
		Files:         changedFiles(pl.Commits),
		DefaultBranch: defaultBranch,
	}, nil
}
