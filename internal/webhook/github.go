package webhook

import (
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

// parseGitHub handles X-GitHub-Event. With a secret, the body must be signed
// by X-Hub-Signature-256 (sha256=<hex>), or by the legacy X-Hub-Signature
// (sha1=<hex>) of old GitHub Enterprise Server releases when the former is
// absent.
func parseGitHub(r *http.Request, secret string, limit int64) (Push, error) {
	const provider = ProviderGitHub
	body, err := readBody(r, provider, limit)
	if err != nil {
		return Push{}, err
	}
	if secret != "" {
		if sig := r.Header.Get("X-Hub-Signature-256"); sig != "" {
			if !validMAC(sha256.New, secret, body, sig, "sha256=") {
				return Push{}, unauthorized(provider, "X-Hub-Signature-256 does not match")
			}
		} else if sig := r.Header.Get("X-Hub-Signature"); sig != "" {
			if !validMAC(sha1.New, secret, body, sig, "sha1=") {
				return Push{}, unauthorized(provider, "X-Hub-Signature does not match")
			}
		} else {
			return Push{}, unauthorized(provider, "no X-Hub-Signature-256 header")
		}
	}
	if event := r.Header.Get("X-GitHub-Event"); event != "push" {
		return Push{}, ignored("%s event %s", provider, event)
	}
	return decodeHubPush(r, provider, body)
}

func decodeHubPush(r *http.Request, provider string, body []byte) (Push, error) {
	data, err := formPayload(r, body)
	if err != nil {
		return Push{}, malformed(provider, fmt.Errorf("form body: %w", err))
	}
	var pl hubPush
	if err := json.Unmarshal(data, &pl); err != nil {
		return Push{}, malformed(provider, err)
	}
	return pl.push(provider)
}
