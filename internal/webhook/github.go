package webhook

import (
	"cmp"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
)

// hubPush holds the fields of a push payload that GitHub and Gitea (and
// Gogs) share.
// See https://docs.github.com/en/webhooks/webhook-events-and-payloads#push.
type hubPush struct {
	Ref        string        `json:"ref"`
	Before     string        `json:"before"`
	After      string        `json:"after"`
	Commits    []fileChanges `json:"commits"`
	Repository *struct {
		HTMLURL       string `json:"html_url"`
		CloneURL      string `json:"clone_url"`
		SSHURL        string `json:"ssh_url"`
		GitURL        string `json:"git_url"`
		DefaultBranch string `json:"default_branch"`
	} `json:"repository"`
}

func (pl *hubPush) push(provider string) (Push, error) {
	if pl.Ref == "" {
		return Push{}, malformed(provider, errors.New("no ref"))
	}
	if pl.Repository == nil {
		return Push{}, malformed(provider, errors.New("no repository"))
	}
	repo := pl.Repository
	urls := uniq(repo.HTMLURL, repo.CloneURL, repo.SSHURL, repo.GitURL)
	if len(urls) == 0 {
		return Push{}, malformed(provider, errors.New("no repository URL"))
	}
	rev, tag := parseRef(pl.Ref)
	return Push{
		Provider:      provider,
		RepoURLs:      urls,
		Revision:      rev,
		Commits:       commitList(pl.After, commitIDs(pl.Commits)...),
		Tag:           tag,
		Files:         changedFiles(pl.Commits),
		DefaultBranch: repo.DefaultBranch,
	}, nil
}

// hubPullRequest holds the fields of a pull_request payload that GitHub and
// Gitea share.
// See https://docs.github.com/en/webhooks/webhook-events-and-payloads#pull_request.
type hubPullRequest struct {
	Action      string `json:"action"`
	Number      int64  `json:"number"`
	PullRequest *struct {
		Head struct {
			Ref string `json:"ref"`
			SHA string `json:"sha"`
		} `json:"head"`
	} `json:"pull_request"`
	Repository *struct {
		Name string `json:"name"`
		// URL is the repository's API URL.
		URL      string `json:"url"`
		HTMLURL  string `json:"html_url"`
		CloneURL string `json:"clone_url"`
		SSHURL   string `json:"ssh_url"`
		GitURL   string `json:"git_url"`
		Owner    *struct {
			Login string `json:"login"`
			// Username is Gitea's older name of login.
			Username string `json:"username"`
		} `json:"owner"`
	} `json:"repository"`
}

// pullRequest returns the event of a payload whose action is allowed.
// GitHub's host is that of the repository's API URL, Gitea's that of its
// web URL.
func (pl *hubPullRequest) pullRequest(provider string, allowed []string) (Push, error) {
	if err := checkAction(provider, pl.Action, allowed); err != nil {
		return Push{}, err
	}
	repo := pl.Repository
	if repo == nil {
		return Push{}, malformedPullRequest(provider, errors.New("no repository"))
	}
	ev := PullRequestEvent{Action: pl.Action, Number: pl.Number, Repo: repo.Name}
	if o := repo.Owner; o != nil {
		ev.Owner = cmp.Or(o.Login, o.Username)
	}
	if provider == ProviderGitHub {
		ev.Host = webHost(repo.URL)
	} else {
		ev.Host = webHost(repo.HTMLURL, repo.CloneURL)
	}
	if pr := pl.PullRequest; pr != nil {
		ev.Branch, ev.HeadSHA = pr.Head.Ref, pr.Head.SHA
	}
	return pullRequestPush(provider, uniq(repo.HTMLURL, repo.CloneURL, repo.SSHURL, repo.GitURL), ev)
}

// parseGitHub handles X-GitHub-Event: push, and pull_request of the
// actions in githubPullRequestActions. With a secret, the body must be
// signed by X-Hub-Signature-256 (sha256=<hex>), or by the legacy
// X-Hub-Signature (sha1=<hex>) of old GitHub Enterprise Server releases
// when the former is absent.
func parseGitHub(r *http.Request, secret string, limit int64) (Push, error) {
	const provider = ProviderGitHub
	body, err := readBody(r, provider, limit)
	if err != nil {
		return Push{}, err
	}
	if err := verifyGitHub(r, secret, body); err != nil {
		return Push{}, err
	}
	switch event := r.Header.Get("X-GitHub-Event"); event {
	case "push":
		return decodeHubPush(r, provider, body)
	case "pull_request":
		return decodeHubPullRequest(r, provider, body, githubPullRequestActions)
	default:
		return Push{}, ignored("%s event %s", provider, event)
	}
}

// verifyGitHub checks the signature of body when secret is set: by
// X-Hub-Signature-256, or by X-Hub-Signature when only it is sent.
func verifyGitHub(r *http.Request, secret string, body []byte) error {
	if r.Header.Get("X-Hub-Signature-256") == "" && r.Header.Get("X-Hub-Signature") != "" {
		return verifyMAC(r, ProviderGitHub, "X-Hub-Signature", sha1.New, "sha1=", secret, body)
	}
	return verifyMAC(r, ProviderGitHub, "X-Hub-Signature-256", sha256.New, "sha256=", secret, body)
}

// decodeHub decodes the JSON of a GitHub or Gitea event into v.
func decodeHub(r *http.Request, body []byte, v any) error {
	data, err := formPayload(r, body)
	if err != nil {
		return fmt.Errorf("form body: %w", err)
	}
	return json.Unmarshal(data, v)
}

func decodeHubPush(r *http.Request, provider string, body []byte) (Push, error) {
	var pl hubPush
	if err := decodeHub(r, body, &pl); err != nil {
		return Push{}, malformed(provider, err)
	}
	return pl.push(provider)
}

func decodeHubPullRequest(r *http.Request, provider string, body []byte, allowed []string) (Push, error) {
	var pl hubPullRequest
	if err := decodeHub(r, body, &pl); err != nil {
		return Push{}, malformedPullRequest(provider, err)
	}
	return pl.pullRequest(provider, allowed)
}
