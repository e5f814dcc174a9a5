package webhook

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
)

// azureDevOpsActivityHeader is the header Azure DevOps sends with every
// service hook request, by which Argo CD recognises it.
const azureDevOpsActivityHeader = "X-Vss-ActivityId"

// azureDevOpsEvent is the envelope of an Azure DevOps service hook event;
// the resource's shape depends on the event type.
// See https://learn.microsoft.com/en-us/azure/devops/service-hooks/events.
type azureDevOpsEvent struct {
	EventType   string          `json:"eventType"`
	PublisherID string          `json:"publisherId"`
	Resource    json.RawMessage `json:"resource"`
}

// azureDevOpsRepository is the repository of a git.push or
// git.pullrequest.* resource.
type azureDevOpsRepository struct {
	Name    string `json:"name"`
	Project struct {
		Name string `json:"name"`
	} `json:"project"`
	// DefaultBranch is a ref: refs/heads/main.
	DefaultBranch string `json:"defaultBranch"`
	// RemoteURL is the HTTPS clone URL, with the organisation as user on
	// Azure DevOps Services (https://org@dev.azure.com/org/project/_git/repo).
	RemoteURL string `json:"remoteUrl"`
	// SSHURL and WebURL are sent by some versions only.
	SSHURL string `json:"sshUrl"`
	WebURL string `json:"webUrl"`
}

// azureDevOpsPush is the resource of a git.push event.
// See https://learn.microsoft.com/en-us/azure/devops/service-hooks/events#git.push.
type azureDevOpsPush struct {
	RefUpdates []struct {
		Name        string `json:"name"`
		OldObjectID string `json:"oldObjectId"`
		NewObjectID string `json:"newObjectId"`
	} `json:"refUpdates"`
	Commits []struct {
		CommitID string `json:"commitId"`
	} `json:"commits"`
	Repository *azureDevOpsRepository `json:"repository"`
}

// azureDevOpsPullRequest is the resource of a git.pullrequest.* event.
// See https://learn.microsoft.com/en-us/azure/devops/service-hooks/events#git.pullrequest.created.
type azureDevOpsPullRequest struct {
	// Repository is the repository the pull request targets.
	Repository            *azureDevOpsRepository `json:"repository"`
	PullRequestID         int64                  `json:"pullRequestId"`
	SourceRefName         string                 `json:"sourceRefName"`
	LastMergeSourceCommit *struct {
		CommitID string `json:"commitId"`
	} `json:"lastMergeSourceCommit"`
}

// isAzureDevOpsBody reports whether body is an Azure DevOps service hook
// event: a JSON object naming its eventType and publisherId ("tfs" for git
// events). Azure DevOps sends no event header, so a request that carries
// none of the other providers' headers is recognised by its body.
func isAzureDevOpsBody(body []byte) bool {
	var ev struct {
		EventType   string `json:"eventType"`
		PublisherID string `json:"publisherId"`
	}
	if err := json.Unmarshal(body, &ev); err != nil {
		return false
	}
	return ev.EventType != "" && ev.PublisherID != ""
}

// parseAzureDevOps handles a request with the X-Vss-ActivityId header of
// Azure DevOps service hooks.
func parseAzureDevOps(r *http.Request, secrets Secrets, limit int64) (Push, error) {
	body, err := readBody(r, ProviderAzureDevOps, limit)
	if err != nil {
		return Push{}, err
	}
	return decodeAzureDevOps(r, secrets, body)
}

// decodeAzureDevOps verifies and decodes an Azure DevOps service hook
// event: git.push, and the git.pullrequest.* events of
// azureDevOpsPullRequestEvents; other event types are ignored. With a
// username or password configured, the request's basic auth must carry
// both, as in Argo CD (go-playground/webhooks' azuredevops.Options.BasicAuth).
func decodeAzureDevOps(r *http.Request, secrets Secrets, body []byte) (Push, error) {
	const provider = ProviderAzureDevOps
	if err := verifyBasicAuth(r, provider, secrets.AzureDevOpsUsername, secrets.AzureDevOpsPassword); err != nil {
		return Push{}, err
	}
	var ev azureDevOpsEvent
	if err := json.Unmarshal(body, &ev); err != nil {
		return Push{}, malformed(provider, err)
	}
	switch {
	case ev.EventType == "git.push":
		return ev.push()
	case strings.HasPrefix(ev.EventType, "git.pullrequest."):
		return ev.pullRequest()
	default:
		return Push{}, ignored("%s event %s", provider, ev.EventType)
	}
}

// verifyBasicAuth checks, when username or password is set, that the
// request's basic auth carries both; each is compared in constant time.
func verifyBasicAuth(r *http.Request, provider, username, password string) error {
	if username == "" && password == "" {
		return nil
	}
	user, pass, ok := r.BasicAuth()
	if !ok {
		return unauthorized(provider, "no basic auth")
	}
	userOK, passOK := equalSecret(user, username), equalSecret(pass, password)
	if !userOK || !passOK {
		return unauthorized(provider, "basic auth does not match")
	}
	return nil
}

// resource decodes the event's resource into v.
func (ev *azureDevOpsEvent) resource(v any) error {
	if raw := bytes.TrimSpace(ev.Resource); len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return errors.New("no resource")
	}
	return json.Unmarshal(ev.Resource, v)
}

// push parses a git.push. As in Argo CD, only the first ref update is
// reported; the payload lists no files.
func (ev *azureDevOpsEvent) push() (Push, error) {
	const provider = ProviderAzureDevOps
	var res azureDevOpsPush
	if err := ev.resource(&res); err != nil {
		return Push{}, malformed(provider, err)
	}
	if len(res.RefUpdates) == 0 || res.RefUpdates[0].Name == "" {
		return Push{}, malformed(provider, errors.New("no resource.refUpdates"))
	}
	if res.Repository == nil {
		return Push{}, malformed(provider, errors.New("no resource.repository"))
	}
	urls := res.Repository.repoURLs()
	if len(urls) == 0 {
		return Push{}, malformed(provider, errors.New("no resource.repository.remoteUrl"))
	}
	update := res.RefUpdates[0]
	rev, tag := parseRef(update.Name)
	others := make([]string, 0, len(res.Commits))
	for _, c := range res.Commits {
		others = append(others, c.CommitID)
	}
	var defaultBranch string
	if b, isTag := parseRef(res.Repository.DefaultBranch); !isTag {
		defaultBranch = b
	}
	return Push{
		Provider:      provider,
		RepoURLs:      urls,
		Revision:      rev,
		Commits:       commitList(update.NewObjectID, others...),
		Tag:           tag,
		DefaultBranch: defaultBranch,
	}, nil
}

// pullRequest parses a git.pullrequest.* event whose type is allowed. The
// owner is the target repository's project, as the Azure DevOps
// pull-request generator names it.
func (ev *azureDevOpsEvent) pullRequest() (Push, error) {
	const provider = ProviderAzureDevOps
	if err := checkAction(provider, ev.EventType, azureDevOpsPullRequestEvents); err != nil {
		return Push{}, err
	}
	var res azureDevOpsPullRequest
	if err := ev.resource(&res); err != nil {
		return Push{}, malformedPullRequest(provider, err)
	}
	repo := res.Repository
	if repo == nil {
		return Push{}, malformedPullRequest(provider, errors.New("no resource.repository"))
	}
	branch, _ := parseRef(res.SourceRefName)
	pr := PullRequestEvent{
		Action: ev.EventType,
		Number: res.PullRequestID,
		Host:   webHost(repo.RemoteURL, repo.WebURL),
		Owner:  repo.Project.Name,
		Repo:   repo.Name,
		Branch: branch,
	}
	if c := res.LastMergeSourceCommit; c != nil {
		pr.HeadSHA = c.CommitID
	}
	return pullRequestPush(provider, repo.repoURLs(), pr)
}

// repoURLs are the repository's remote (HTTPS clone) URL, web and SSH URLs
// when the payload has them, and the SSH URL derived from the remote URL:
// Azure DevOps Services' SSH URLs do not share the path of its HTTPS ones,
// so an Application on git@ssh.dev.azure.com:v3/org/project/repo would
// otherwise not match https://dev.azure.com/org/project/_git/repo.
func (repo *azureDevOpsRepository) repoURLs() []string {
	return uniq(repo.RemoteURL, repo.WebURL, repo.SSHURL, azureDevOpsSSHURL(repo.RemoteURL))
}

// azureDevOpsSSHURL derives the SSH clone URL of an Azure DevOps Services
// repository from its HTTPS URL:
//
//	https://[org@]dev.azure.com/org/project/_git/repo → git@ssh.dev.azure.com:v3/org/project/repo
//	https://org.visualstudio.com/[DefaultCollection/]project/_git/repo → org@vs-ssh.visualstudio.com:v3/org/project/repo
//
// It returns "" for other URLs, among them Azure DevOps Server's, whose SSH
// URLs keep the path of the HTTPS ones.
func azureDevOpsSSHURL(remote string) string {
	u, err := url.Parse(strings.TrimSpace(remote))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") {
		return ""
	}
	host := strings.ToLower(u.Hostname())
	segs := strings.Split(strings.Trim(u.EscapedPath(), "/"), "/")
	for _, s := range segs {
		if s == "" {
			return ""
		}
	}
	switch {
	case host == "dev.azure.com":
		if len(segs) != 4 || segs[2] != "_git" {
			return ""
		}
		return "git@ssh.dev.azure.com:v3/" + segs[0] + "/" + segs[1] + "/" + segs[3]
	case strings.HasSuffix(host, ".visualstudio.com"):
		org := strings.TrimSuffix(host, ".visualstudio.com")
		if org == "" || strings.Contains(org, ".") {
			return ""
		}
		if len(segs) == 4 && strings.EqualFold(segs[0], "DefaultCollection") {
			segs = segs[1:]
		}
		if len(segs) != 3 || segs[1] != "_git" {
			return ""
		}
		return org + "@vs-ssh.visualstudio.com:v3/" + org + "/" + segs[0] + "/" + segs[2]
	}
	return ""
}
