package webhook

import (
	"crypto/sha256"
	"net/http"
)

// parseGitea handles X-Gitea-Event (provider gitea, signature header
// X-Gitea-Signature) and X-Gogs-Event (provider gogs, X-Gogs-Signature):
// push, and for Gitea pull_request of the actions in
// giteaPullRequestActions. The signature is the bare hex HMAC-SHA256 of the
// body. Argo CD handles both with its Gogs parser and webhook.gogs.secret.
// See https://docs.gitea.com/usage/webhooks.
func parseGitea(r *http.Request, provider, event, sigHeader, secret string, limit int64) (Push, error) {
	body, err := readBody(r, provider, limit)
	if err != nil {
		return Push{}, err
	}
	if err := verifyMAC(r, provider, sigHeader, sha256.New, "", secret, body); err != nil {
		return Push{}, err
	}
	switch {
	case event == "push":
		return decodeHubPush(r, provider, body)
	case event == "pull_request" && provider == ProviderGitea:
		return decodeHubPullRequest(r, provider, body, giteaPullRequestActions)
	default:
		return Push{}, ignored("%s event %s", provider, event)
	}
}
