package webhook

import (
	"cmp"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// bitbucketRef is the old or new state of a ref in a Bitbucket Cloud push.
type bitbucketRef struct {
	Type   string `json:"type"` // branch, tag, ...
	Name   string `json:"name"`
	Target struct {
		Hash string `json:"hash"`
	} `json:"target"`
}

// bitbucketRepository is a repository of a Bitbucket Cloud payload.
type bitbucketRepository struct {
	// FullName is workspace/repository, as slugs.
	FullName string `json:"full_name"`
	Links    struct {
		HTML struct {
			Href string `json:"href"`
		} `json:"html"`
	} `json:"links"`
}

// bitbucketPush holds the fields of Bitbucket Cloud's repo:push payload.
// See https://support.atlassian.com/bitbucket-cloud/docs/event-payloads/#Push.
type bitbucketPush struct {
	Push *struct {
		Changes []struct {
			New     *bitbucketRef `json:"new"`
			Old     *bitbucketRef `json:"old"`
			Commits []struct {
				Hash string `json:"hash"`
			} `json:"commits"`
		} `json:"changes"`
	} `json:"push"`
	Repository bitbucketRepository `json:"repository"`
}

// bitbucketPullRequest holds the fields of Bitbucket Cloud's pullrequest:*
// payloads.
// See https://support.atlassian.com/bitbucket-cloud/docs/event-payloads/#Pull-request-events.
type bitbucketPullRequest struct {
	PullRequest *struct {
		ID     int64 `json:"id"`
		Source struct {
			Branch struct {
				Name string `json:"name"`
			} `json:"branch"`
			Commit struct {
				Hash string `json:"hash"`
			} `json:"commit"`
		} `json:"source"`
		Destination struct {
			Repository bitbucketRepository `json:"repository"`
		} `json:"destination"`
	} `json:"pullrequest"`
	// Repository is the repository the pull request targets.
	Repository bitbucketRepository `json:"repository"`
}

// parseBitbucket handles Bitbucket Cloud (X-Hook-UUID, X-Event-Key:
// repo:push, or pullrequest:* of bitbucketPullRequestEvents). With a UUID
// configured, X-Hook-UUID must equal it.
func parseBitbucket(r *http.Request, uuid string, limit int64) (Push, error) {
	const provider = ProviderBitbucket
	body, err := readBody(r, provider, limit)
	if err != nil {
		return Push{}, err
	}
	if err := verifyToken(r, provider, "X-Hook-UUID", uuid); err != nil {
		return Push{}, err
	}
	event := r.Header.Get("X-Event-Key")
	switch {
	case event == "repo:push":
		return decodeBitbucketPush(body)
	case slices.Contains(bitbucketPullRequestEvents, event):
		return decodeBitbucketPullRequest(event, body)
	default:
		return Push{}, ignored("%s event %s", provider, event)
	}
}

// decodeBitbucketPush parses a repo:push. As in Argo CD, only the first
// change of the push is reported; the payload lists no files and not the
// default branch.
func decodeBitbucketPush(body []byte) (Push, error) {
	const provider = ProviderBitbucket
	var pl bitbucketPush
	if err := json.Unmarshal(body, &pl); err != nil {
		return Push{}, malformed(provider, err)
	}
	if pl.Push == nil || len(pl.Push.Changes) == 0 {
		return Push{}, malformed(provider, errors.New("no push changes"))
	}
	html := pl.Repository.Links.HTML.Href
	if html == "" {
		return Push{}, malformed(provider, errors.New("no repository links.html.href"))
	}
	change := pl.Push.Changes[0]
	ref := change.New
	if ref == nil { // the ref was deleted
		ref = change.Old
	}
	if ref == nil || ref.Name == "" {
		return Push{}, malformed(provider, errors.New("push change names no ref"))
	}
	var head string
	if change.New != nil {
		head = change.New.Target.Hash
	}
	others := make([]string, 0, len(change.Commits))
	for _, c := range change.Commits {
		others = append(others, c.Hash)
	}
	return Push{
		Provider: provider,
		RepoURLs: bitbucketRepoURLs(html),
		Revision: ref.Name,
		Commits:  commitList(head, others...),
		Tag:      ref.Type == "tag",
	}, nil
}

// decodeBitbucketPullRequest parses a pullrequest:* event. The target
// repository is the payload's repository, else the pull request's
// destination.
func decodeBitbucketPullRequest(event string, body []byte) (Push, error) {
	const provider = ProviderBitbucket
	var pl bitbucketPullRequest
	if err := json.Unmarshal(body, &pl); err != nil {
		return Push{}, malformedPullRequest(provider, err)
	}
	pr := pl.PullRequest
	if pr == nil {
		return Push{}, malformedPullRequest(provider, errors.New("no pullrequest"))
	}
	dest := pr.Destination.Repository
	html := cmp.Or(pl.Repository.Links.HTML.Href, dest.Links.HTML.Href)
	ev := PullRequestEvent{
		Action:  event,
		Number:  pr.ID,
		Host:    webHost(html),
		Branch:  pr.Source.Branch.Name,
		HeadSHA: pr.Source.Commit.Hash,
	}
	ev.Owner, ev.Repo = splitFullName(cmp.Or(dest.FullName, pl.Repository.FullName))
	var urls []string
	if html != "" {
		urls = bitbucketRepoURLs(html)
	}
	return pullRequestPush(provider, urls, ev)
}

// bitbucketRepoURLs are the web URL of a Bitbucket Cloud repository and the
// clone URLs derived from it.
func bitbucketRepoURLs(html string) []string {
	return uniq(append([]string{html}, bitbucketCloneURLs(html)...)...)
}

// bitbucketCloneURLs derives the HTTPS and SSH clone URLs of a Bitbucket
// Cloud repository from its web URL: https://bitbucket.org/ws/repo gives
// https://bitbucket.org/ws/repo.git and git@bitbucket.org:ws/repo.git.
func bitbucketCloneURLs(html string) []string {
	u, err := url.Parse(html)
	if err != nil || u.Host == "" {
		return nil
	}
	path := strings.Trim(u.Path, "/")
	if path == "" {
		return nil
	}
	return []string{
		u.Scheme + "://" + u.Host + "/" + path + ".git",
		"git@" + u.Hostname() + ":" + path + ".git",
	}
}

// bitbucketServerRepository is a repository of a Bitbucket Server payload.
type bitbucketServerRepository struct {
	Slug    string `json:"slug"`
	Project struct {
		Key string `json:"key"`
	} `json:"project"`
	Links struct {
		Clone []struct {
			Href string `json:"href"`
			Name string `json:"name"`
		} `json:"clone"`
		Self []struct {
			Href string `json:"href"`
		} `json:"self"`
	} `json:"links"`
}

// cloneURLs are the http and ssh clone links, as in Argo CD.
func (repo *bitbucketServerRepository) cloneURLs() []string {
	var urls []string
	for _, l := range repo.Links.Clone {
		if l.Name == "http" || l.Name == "ssh" {
			urls = append(urls, l.Href)
		}
	}
	return uniq(urls...)
}

// host is that of the repository's web (self) link, else of its http
// clone link.
func (repo *bitbucketServerRepository) host() string {
	var urls []string
	for _, l := range repo.Links.Self {
		urls = append(urls, l.Href)
	}
	for _, l := range repo.Links.Clone {
		if l.Name == "http" {
			urls = append(urls, l.Href)
		}
	}
	return webHost(urls...)
}

// bitbucketServerPush holds the fields of Bitbucket Server's (Data Center's)
// repo:refs_changed payload.
// See https://confluence.atlassian.com/bitbucketserver/event-payload-938025882.html.
type bitbucketServerPush struct {
	Repository bitbucketServerRepository `json:"repository"`
	Changes    []struct {
		Ref struct {
			ID        string `json:"id"`
			DisplayID string `json:"displayId"`
			Type      string `json:"type"` // BRANCH or TAG
		} `json:"ref"`
		RefID    string `json:"refId"`
		FromHash string `json:"fromHash"`
		ToHash   string `json:"toHash"`
		Type     string `json:"type"` // ADD, UPDATE or DELETE
	} `json:"changes"`
}

// bitbucketServerPullRequest holds the fields of Bitbucket Server's pr:*
// payloads.
// See https://confluence.atlassian.com/bitbucketserver/event-payload-938025882.html.
type bitbucketServerPullRequest struct {
	PullRequest *struct {
		ID      int64 `json:"id"`
		FromRef struct {
			ID           string `json:"id"`
			DisplayID    string `json:"displayId"`
			LatestCommit string `json:"latestCommit"`
		} `json:"fromRef"`
		ToRef struct {
			Repository *bitbucketServerRepository `json:"repository"`
		} `json:"toRef"`
	} `json:"pullRequest"`
}

// parseBitbucketServer handles Bitbucket Server (X-Event-Key without
// X-Hook-UUID): repo:refs_changed, and pr:* of
// bitbucketServerPullRequestEvents. With a secret, X-Hub-Signature must be
// sha256=<hex HMAC>. diagnostics:ping ("Test connection") is ignored before
// verification, as in Argo CD.
func parseBitbucketServer(r *http.Request, secret string, limit int64) (Push, error) {
	const provider = ProviderBitbucketServer
	event := r.Header.Get("X-Event-Key")
	if event == "diagnostics:ping" {
		return Push{}, ignored("%s event %s", provider, event)
	}
	body, err := readBody(r, provider, limit)
	if err != nil {
		return Push{}, err
	}
	if err := verifyMAC(r, provider, "X-Hub-Signature", sha256.New, "sha256=", secret, body); err != nil {
		return Push{}, err
	}
	switch {
	case event == "repo:refs_changed":
		return decodeBitbucketServerPush(body)
	case slices.Contains(bitbucketServerPullRequestEvents, event):
		return decodeBitbucketServerPullRequest(event, body)
	default:
		return Push{}, ignored("%s event %s", provider, event)
	}
}

// decodeBitbucketServerPush parses a repo:refs_changed. As in Argo CD, the
// repository URLs are the http and ssh clone links and only the first
// change is reported.
func decodeBitbucketServerPush(body []byte) (Push, error) {
	const provider = ProviderBitbucketServer
	var pl bitbucketServerPush
	if err := json.Unmarshal(body, &pl); err != nil {
		return Push{}, malformed(provider, err)
	}
	urls := pl.Repository.cloneURLs()
	if len(urls) == 0 {
		return Push{}, malformed(provider, errors.New("no repository clone links"))
	}
	if len(pl.Changes) == 0 {
		return Push{}, malformed(provider, errors.New("no changes"))
	}
	change := pl.Changes[0]
	id := change.Ref.ID
	if id == "" {
		id = change.RefID
	}
	if id == "" {
		return Push{}, malformed(provider, errors.New("change names no ref"))
	}
	rev, tag := parseRef(id)
	return Push{
		Provider: provider,
		RepoURLs: urls,
		Revision: rev,
		Commits:  commitList(change.ToHash),
		Tag:      tag || change.Ref.Type == "TAG",
	}, nil
}

// decodeBitbucketServerPullRequest parses a pr:* event. The owner is the
// target repository's project key, the URLs its clone links as for pushes.
func decodeBitbucketServerPullRequest(event string, body []byte) (Push, error) {
	const provider = ProviderBitbucketServer
	var pl bitbucketServerPullRequest
	if err := json.Unmarshal(body, &pl); err != nil {
		return Push{}, malformedPullRequest(provider, err)
	}
	pr := pl.PullRequest
	if pr == nil || pr.ToRef.Repository == nil {
		return Push{}, malformedPullRequest(provider, errors.New("no pullRequest.toRef.repository"))
	}
	repo := pr.ToRef.Repository
	branch, _ := parseRef(pr.FromRef.ID)
	ev := PullRequestEvent{
		Action:  event,
		Number:  pr.ID,
		Host:    repo.host(),
		Owner:   repo.Project.Key,
		Repo:    repo.Slug,
		Branch:  cmp.Or(pr.FromRef.DisplayID, branch),
		HeadSHA: pr.FromRef.LatestCommit,
	}
	return pullRequestPush(provider, repo.cloneURLs(), ev)
}
