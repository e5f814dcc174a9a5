package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
)

// DefaultMaxBodyBytes bounds the body Parse reads: 50 MiB, the default of
// Argo CD's webhook.maxPayloadSizeMB.
const DefaultMaxBodyBytes int64 = 50 << 20

// Provider names, as found in Push.Provider.
const (
	ProviderGitHub          = "github"
	ProviderGitLab          = "gitlab"
	ProviderGitea           = "gitea"
	ProviderGogs            = "gogs"
	ProviderBitbucket       = "bitbucket"
	ProviderBitbucketServer = "bitbucket-server"
	ProviderAzureDevOps     = "azuredevops"
)

// Push is a provider-independent push event or, with PullRequest set, a
// pull-request event.
type Push struct {
	// Provider is one of the Provider constants.
	Provider string
	// RepoURLs are the URLs of the pushed repository the payload carries
	// (web and clone URLs), compared with the Applications' repoURLs after
	// normalisation, and the clone URLs derived from them where a provider
	// leaves some out (Bitbucket Cloud's, and Azure DevOps Services' SSH
	// URL).
	RepoURLs []string
	// Revision is the pushed branch or tag, without refs/heads/ or
	// refs/tags/.
	Revision string
	// Commits are the commit SHAs of the push: the new head of the ref first
	// (absent when the ref was deleted), then the other commits the payload
	// lists.
	Commits []string
	// Tag is true for a tag push.
	Tag bool
	// Files are the paths added, modified or removed by the pushed commits,
	// when the payload lists them (GitHub, GitLab, Gitea); nil otherwise.
	Files []string
	// DefaultBranch is the repository's default branch when the payload
	// names it (GitHub, GitLab, Gitea, Azure DevOps); empty otherwise.
	DefaultBranch string
	// PullRequest is the pull-request event, nil for a push. With it, only
	// Provider and RepoURLs (those of the repository the pull request
	// targets) are set besides.
	PullRequest *PullRequestEvent
}

// PullRequestEvent is a pull request opened, updated (new commits), closed,
// merged, reopened or relabelled: an event that can change what a
// pull-request generator lists. Other actions (assigned, reviewed,
// commented...) are ignored.
type PullRequestEvent struct {
	// Action is the provider's action or event name as sent: GitHub's and
	// Gitea's action, GitLab's object_attributes.action, Bitbucket's
	// X-Event-Key, Azure DevOps' eventType (git.pullrequest.created...).
	Action string
	// Number is the pull request's number: GitLab's iid, Bitbucket's id,
	// Azure DevOps' pullRequestId.
	Number int64
	// Host is the forge's host name (lower case, port kept) from the
	// repository's web URL (Azure DevOps: its remoteUrl, without the user
	// name); for GitHub from the repository's API URL (payload
	// repository.url: api.github.com, or ghe.example.com for GitHub
	// Enterprise Server), empty when the payload has none.
	Host string
	// Owner and Repo name the repository the pull request targets: GitHub
	// and Gitea owner login and repository name; Bitbucket Cloud workspace
	// slug and repository slug (from full_name); Bitbucket Server project
	// key and repository slug; GitLab the project's namespace path and
	// project path (path_with_namespace split at the last slash); Azure
	// DevOps the names of the project and of the repository.
	Owner, Repo string
	// ProjectID is GitLab's target project id
	// (object_attributes.target_project_id); 0 elsewhere.
	ProjectID int64
	// Branch and HeadSHA are the source branch and its head commit, when
	// the payload has them.
	Branch, HeadSHA string
}

// Parse reads a webhook request, verifies it against secrets and returns the
// push or pull-request event it describes. The body is bounded by
// DefaultMaxBodyBytes. Errors wrap ErrUnauthorized, ErrIgnored,
// ErrMalformed, ErrTooLarge or ErrUnknownProvider.
func Parse(r *http.Request, secrets Secrets) (Push, error) {
	return parse(r, secrets, DefaultMaxBodyBytes)
}

func parse(r *http.Request, secrets Secrets, limit int64) (Push, error) {
	h := r.Header
	switch {
	// Gitea and Gogs also send X-GitHub-Event, with an incompatible
	// signature: they are recognised first, as in Argo CD.
	case h.Get("X-Gitea-Event") != "":
		return parseGitea(r, ProviderGitea, h.Get("X-Gitea-Event"), "X-Gitea-Signature", secrets.Gitea, limit)
	case h.Get("X-Gogs-Event") != "":
		return parseGitea(r, ProviderGogs, h.Get("X-Gogs-Event"), "X-Gogs-Signature", secrets.Gitea, limit)
	case h.Get("X-GitHub-Event") != "":
		return parseGitHub(r, secrets.GitHub, limit)
	case h.Get("X-Gitlab-Event") != "":
		return parseGitLab(r, secrets.GitLab, limit)
	// Bitbucket Cloud sends X-Hook-UUID and X-Event-Key; Bitbucket Server
	// only X-Event-Key, and never repo:push nor pullrequest:*.
	case h.Get("X-Hook-UUID") != "" || isBitbucketCloudEvent(h.Get("X-Event-Key")):
		return parseBitbucket(r, secrets.BitbucketUUID, limit)
	case h.Get("X-Event-Key") != "":
		return parseBitbucketServer(r, secrets.BitbucketServer, limit)
	}
	// Azure DevOps names no event in its headers: a request is its only
	// when it carries none of the other providers' headers, not even empty
	// ones, and either X-Vss-ActivityId (what Argo CD checks) or, failing
	// that, a service hook event as its body.
	for _, name := range eventHeaders {
		if _, ok := h[http.CanonicalHeaderKey(name)]; ok {
			return Push{}, fmt.Errorf("parse webhook: %w: empty %s header", ErrUnknownProvider, name)
		}
	}
	if h.Get(azureDevOpsActivityHeader) != "" {
		return parseAzureDevOps(r, secrets, limit)
	}
	body, err := readBody(r, "unidentified", limit)
	if err != nil {
		return Push{}, err
	}
	if isAzureDevOpsBody(body) {
		return decodeAzureDevOps(r, secrets, body)
	}
	return Push{}, fmt.Errorf("parse webhook: %w: no X-GitHub-Event, X-Gitlab-Event, X-Gitea-Event, X-Gogs-Event, X-Event-Key or X-Vss-ActivityId header, and the body is no Azure DevOps service hook event", ErrUnknownProvider)
}

// eventHeaders are the headers that name the provider of a request, but
// for Azure DevOps.
var eventHeaders = []string{"X-Gitea-Event", "X-Gogs-Event", "X-GitHub-Event", "X-Gitlab-Event", "X-Hook-UUID", "X-Event-Key"}

// isBitbucketCloudEvent reports an event key only Bitbucket Cloud sends.
func isBitbucketCloudEvent(key string) bool {
	return key == "repo:push" || strings.HasPrefix(key, "pullrequest:")
}

// readBody reads at most limit bytes of the body.
func readBody(r *http.Request, provider string, limit int64) ([]byte, error) {
	if limit <= 0 {
		limit = DefaultMaxBodyBytes
	}
	if r.Body == nil {
		return nil, nil
	}
	data, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return nil, fmt.Errorf("read %s webhook: %w: over %d bytes", provider, ErrTooLarge, tooLarge.Limit)
		}
		return nil, fmt.Errorf("read %s webhook: %w", provider, err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("read %s webhook: %w: over %d bytes", provider, ErrTooLarge, limit)
	}
	return data, nil
}

// formPayload returns the JSON of an event: the body, or its payload field
// when the sender posts it form-encoded (a GitHub and Gitea option).
func formPayload(r *http.Request, body []byte) ([]byte, error) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "application/x-www-form-urlencoded" {
		return body, nil
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, err
	}
	return []byte(form.Get("payload")), nil
}

// validMAC reports whether sig, after stripping prefix, is the hex HMAC of
// body under secret.
func validMAC(newHash func() hash.Hash, secret string, body []byte, sig, prefix string) bool {
	sig, ok := strings.CutPrefix(strings.TrimSpace(sig), prefix)
	if !ok {
		return false
	}
	got, err := hex.DecodeString(sig)
	if err != nil {
		return false
	}
	mac := hmac.New(newHash, []byte(secret))
	mac.Write(body)
	return hmac.Equal(got, mac.Sum(nil))
}

// verifyMAC checks, when secret is set, that header carries the hex HMAC
// of body under secret, after prefix.
func verifyMAC(r *http.Request, provider, header string, newHash func() hash.Hash, prefix, secret string, body []byte) error {
	if secret == "" {
		return nil
	}
	sig := r.Header.Get(header)
	if sig == "" {
		return unauthorized(provider, "no %s header", header)
	}
	if !validMAC(newHash, secret, body, sig, prefix) {
		return unauthorized(provider, "%s does not match", header)
	}
	return nil
}

// verifyToken checks, when secret is set, that header carries it.
func verifyToken(r *http.Request, provider, header, secret string) error {
	if secret == "" {
		return nil
	}
	token := r.Header.Get(header)
	if token == "" {
		return unauthorized(provider, "no %s header", header)
	}
	if !equalSecret(token, secret) {
		return unauthorized(provider, "%s does not match", header)
	}
	return nil
}

// equalSecret compares in constant time, the length included.
func equalSecret(got, want string) bool {
	g, w := sha256.Sum256([]byte(got)), sha256.Sum256([]byte(want))
	return subtle.ConstantTimeCompare(g[:], w[:]) == 1
}

// parseRef splits a git ref into the revision Argo CD compares and whether
// it is a tag.
func parseRef(ref string) (revision string, tag bool) {
	if rev, ok := strings.CutPrefix(ref, "refs/tags/"); ok {
		return rev, true
	}
	if rev, ok := strings.CutPrefix(ref, "refs/heads/"); ok {
		return rev, false
	}
	return ref, false
}

// isZeroSHA reports an all-zero SHA, the "after" of a deleted ref.
func isZeroSHA(s string) bool {
	return strings.Trim(s, "0") == ""
}

// commitList puts head first, skips empty and zero SHAs and duplicates.
func commitList(head string, others ...string) []string {
	var out []string
	seen := map[string]bool{}
	for _, s := range append([]string{head}, others...) {
		if isZeroSHA(s) || seen[s] {
			continue
		}
		seen[s] = true
		out = append(out, s)
	}
	return out
}

// uniq drops empty strings and duplicates, keeping the order.
func uniq(in ...string) []string {
	var out []string
	seen := map[string]bool{}
	for _, s := range in {
		if s == "" || seen[s] {
			continue
		}
		seen[s] = true
		out = append(out, s)
	}
	return out
}

// fileChanges is a commit of a GitHub, GitLab or Gitea push payload.
type fileChanges struct {
	ID       string   `json:"id"`
	Added    []string `json:"added"`
	Removed  []string `json:"removed"`
	Modified []string `json:"modified"`
}

// changedFiles collects the files of commits, without duplicates.
func changedFiles(commits []fileChanges) []string {
	var all []string
	for _, c := range commits {
		all = append(all, c.Added...)
		all = append(all, c.Modified...)
		all = append(all, c.Removed...)
	}
	return uniq(all...)
}

func commitIDs(commits []fileChanges) []string {
	ids := make([]string, 0, len(commits))
	for _, c := range commits {
		ids = append(ids, c.ID)
	}
	return ids
}
