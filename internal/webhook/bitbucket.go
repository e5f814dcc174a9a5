package webhook

import (
	"crypto/sha256"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
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
	Repository struct {
		Links struct {
			HTML struct {
				Href string `json:"href"`
			} `json:"html"`
		} `json:"links"`
	} `json:"repository"`
}

// parseBitbucket handles Bitbucket Cloud (X-Hook-UUID, X-Event-Key:
// repo:push). With a UUID configured, X-Hook-UUID must equal it. As in Argo
// CD, only the first change of the push is reported; the payload lists no
// files and not the default branch.
func parseBitbucket(r *http.Request, uuid string, limit int64) (Push, error) {
	const provider = ProviderBitbucket
	body, err := readBody(r, provider, limit)
	if err != nil {
		return Push{}, err
	}
	if uuid != "" {
		got := r.Header.Get("X-Hook-UUID")
		if got == "" {
			return Push{}, unauthorized(provider, "no X-Hook-UUID header")
		}
		if !equalSecret(got, uuid) {
			return Push{}, unauthorized(provider, "X-Hook-UUID does not match")
		}
	}
	if event := r.Header.Get("X-Event-Key"); event != "repo:push" {
		return Push{}, ignored("%s event %s", provider, event)
	}
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
		RepoURLs: uniq(append([]string{html}, bitbucketCloneURLs(html)...)...),
		Revision: ref.Name,
		Commits:  commitList(head, others...),
		Tag:      ref.Type == "tag",
	}, nil
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

// bitbucketServerPush holds the fields of Bitbucket Server's (Data Center's)
// repo:refs_changed payload.
// See https://confluence.atlassian.com/bitbucketserver/event-payload-938025882.html.
type bitbucketServerPush struct {
	Repository struct {
		Links struct {
			Clone []struct {
				Href string `json:"href"`
				Name string `json:"name"`
			} `json:"clone"`
		} `json:"links"`
	} `json:"repository"`
	Changes []struct {
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

// parseBitbucketServer handles Bitbucket Server (X-Event-Key without
// X-Hook-UUID). With a secret, X-Hub-Signature must be sha256=<hex HMAC>.
// diagnostics:ping ("Test connection") is ignored before verification, as
// in Argo CD. As in Argo CD, the repository URLs are the http and ssh clone
// links and only the first change is reported.
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
	if secret != "" {
		sig := r.Header.Get("X-Hub-Signature")
		if sig == "" {
			return Push{}, unauthorized(provider, "no X-Hub-Signature header")
		}
		if !validMAC(sha256.New, secret, body, sig, "sha256=") {
			return Push{}, unauthorized(provider, "X-Hub-Signature does not match")
		}
	}
	if event != "repo:refs_changed" {
		return Push{}, ignored("%s event %s", provider, event)
	}
	var pl bitbucketServerPush
	if err := json.Unmarshal(body, &pl); err != nil {
		return Push{}, malformed(provider, err)
	}
	var urls []string
	for _, l := range pl.Repository.Links.Clone {
		if l.Name == "http" || l.Name == "ssh" {
			urls = append(urls, l.Href)
		}
	}
	urls = uniq(urls...)
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
