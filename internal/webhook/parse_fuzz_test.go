package webhook

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
)

// fuzzProviders are the header sets that select each provider, with the
// header that carries a request's signature or token and how it is made.
var fuzzProviders = []struct {
	provider string
	// event is the header naming the event.
	event string
	// extra headers the provider sends.
	extra map[string]string
	// secret sets the provider's secret in Secrets.
	secret func(s *Secrets, v string)
	// sign sets the header that proves knowledge of the secret.
	sign func(h http.Header, secret string, body []byte)
}{
	{
		provider: ProviderGitHub, event: "X-GitHub-Event",
		secret: func(s *Secrets, v string) { s.GitHub = v },
		sign: func(h http.Header, secret string, body []byte) {
			h.Set("X-Hub-Signature-256", "sha256="+hmacHex(secret, body))
		},
	},
	{
		provider: ProviderGitLab, event: "X-Gitlab-Event",
		secret: func(s *Secrets, v string) { s.GitLab = v },
		sign:   func(h http.Header, secret string, _ []byte) { h.Set("X-Gitlab-Token", secret) },
	},
	{
		provider: ProviderGitea, event: "X-Gitea-Event",
		secret: func(s *Secrets, v string) { s.Gitea = v },
		sign: func(h http.Header, secret string, body []byte) {
			h.Set("X-Gitea-Signature", hmacHex(secret, body))
		},
	},
	{
		provider: ProviderGogs, event: "X-Gogs-Event",
		secret: func(s *Secrets, v string) { s.Gitea = v },
		sign: func(h http.Header, secret string, body []byte) {
			h.Set("X-Gogs-Signature", hmacHex(secret, body))
		},
	},
	{
		provider: ProviderBitbucket, event: "X-Event-Key",
		extra:  map[string]string{"X-Hook-UUID": "{0}"},
		secret: func(s *Secrets, v string) { s.BitbucketUUID = v },
		sign:   func(h http.Header, secret string, _ []byte) { h.Set("X-Hook-UUID", secret) },
	},
	{
		provider: ProviderBitbucketServer, event: "X-Event-Key",
		secret: func(s *Secrets, v string) { s.BitbucketServer = v },
		sign: func(h http.Header, secret string, body []byte) {
			h.Set("X-Hub-Signature", "sha256="+hmacHex(secret, body))
		},
	},
	{
		// Azure DevOps names no event in its headers: the fuzzed event is
		// the activity id, the event type is the body's.
		provider: ProviderAzureDevOps, event: "X-Vss-ActivityId",
		secret: func(s *Secrets, v string) { s.AzureDevOpsUsername, s.AzureDevOpsPassword = "argocd", v },
		sign: func(h http.Header, secret string, _ []byte) {
			h.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte("argocd:"+secret)))
		},
	},
}

func hmacHex(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// FuzzParse parses arbitrary webhook requests of every provider: the event
// header, the content type and the body come from the fuzzer, and the
// request is sent unsigned, correctly signed and wrongly signed. It checks
// that nothing panics and that:
//
//   - every error wraps one of the documented sentinel errors;
//   - a push names its provider, at least one non-empty repository URL,
//     and commits without empty, all-zero or repeated SHAs;
//   - a pull-request event names its repository's owner and name and has
//     no revision, commits or files;
//   - a correctly signed (or authenticated) request parses exactly as it
//     does with no secret configured, and a request signed with another
//     secret is refused (unless the event is ignored before verification);
//   - the body limit holds.
func FuzzParse(f *testing.F) {
	gh := `{"ref":"refs/heads/main","before":"0000000000000000000000000000000000000000","after":"abc","commits":[{"id":"abc","added":["a/x.yaml"],"modified":["b"],"removed":[]}],"repository":{"html_url":"https://github.com/o/r","clone_url":"https://github.com/o/r.git","default_branch":"main"}}`
	gl := `{"object_kind":"tag_push","ref":"refs/tags/v1","after":"0000000000000000000000000000000000000000","checkout_sha":"def","project":{"web_url":"https://gitlab.com/o/r","git_ssh_url":"git@gitlab.com:o/r.git","default_branch":"main"},"commits":[]}`
	bb := `{"push":{"changes":[{"new":{"type":"branch","name":"main","target":{"hash":"123"}},"old":null,"commits":[{"hash":"123"},{"hash":"456"}]}]},"repository":{"links":{"html":{"href":"https://bitbucket.org/ws/repo"}}}}`
	ado := `{"eventType":"git.push","publisherId":"tfs","resource":{"refUpdates":[{"name":"refs/heads/main","newObjectId":"abc"}],"commits":[{"commitId":"abc"},{"commitId":"def"}],"repository":{"name":"r","project":{"name":"p"},"defaultBranch":"refs/heads/main","remoteUrl":"https://dev.azure.com/o/p/_git/r"}}}`
	bbs := `{"repository":{"links":{"clone":[{"href":"https://bb.example/scm/p/r.git","name":"http"},{"href":"ssh://git@bb.example:7999/p/r.git","name":"ssh"}]}},"changes":[{"ref":{"id":"refs/heads/main","displayId":"main","type":"BRANCH"},"refId":"refs/heads/main","fromHash":"0","toHash":"789","type":"UPDATE"}]}`
	f.Add(uint8(0), "push", "application/json", []byte(gh), "s3cret")
	f.Add(uint8(0), "push", "application/x-www-form-urlencoded", []byte("payload="+url.QueryEscape(gh)), "")
	f.Add(uint8(0), "ping", "application/json", []byte(`{"zen":"hi"}`), "s")
	f.Add(uint8(1), "Tag Push Hook", "application/json", []byte(gl), "token")
	f.Add(uint8(1), "System Hook", "", []byte(`{"event_name":"push","ref":"x","repository":{"homepage":"h"}}`), "")
	f.Add(uint8(2), "push", "application/json", []byte(gh), "k")
	f.Add(uint8(3), "push", "application/x-www-form-urlencoded; charset=utf-8", []byte("payload=%7B"), "k")
	f.Add(uint8(4), "repo:push", "application/json", []byte(bb), "{uuid}")
	f.Add(uint8(4), "repo:push", "", []byte(`{"push":{"changes":[{"new":null,"old":{"type":"tag","name":"v1"}}]},"repository":{"links":{"html":{"href":"::"}}}}`), "")
	f.Add(uint8(5), "repo:refs_changed", "application/json", []byte(bbs), "sec")
	f.Add(uint8(5), "diagnostics:ping", "", []byte(`{}`), "sec")
	f.Add(uint8(5), "repo:refs_changed", "", []byte(`{"changes":[{"refId":"refs/tags/v2","toHash":"0000"}],"repository":{"links":{"clone":[{"name":"ssh","href":""}]}}}`), "")
	f.Add(uint8(6), "d0b1b1a3", "application/json", []byte(ado), "p@ss")
	f.Add(uint8(6), "", "application/json; charset=utf-8", []byte(ado), "p@ss")
	f.Add(uint8(5), "", "application/json", []byte(ado), "")
	f.Add(uint8(6), "a", "", []byte(`{"eventType":"git.pullrequest.updated","publisherId":"tfs","resource":{"pullRequestId":3,"sourceRefName":"refs/heads/x","repository":{"name":"r","project":{"name":"p"},"remoteUrl":"https://o@dev.azure.com/o/p/_git/r"}}}`), "s")
	f.Add(uint8(6), "a", "", []byte(`{"eventType":"build.complete","publisherId":"tfs","resource":null}`), "s")

	f.Fuzz(func(t *testing.T, which uint8, event, contentType string, body []byte, secret string) {
		p := fuzzProviders[int(which)%len(fuzzProviders)]
		request := func(sign func(http.Header)) *http.Request {
			h := http.Header{}
			if event != "" || p.event != "X-Event-Key" {
				h.Set(p.event, event)
			}
			for k, v := range p.extra {
				h.Set(k, v)
			}
			if contentType != "" {
				h.Set("Content-Type", contentType)
			}
			if sign != nil {
				sign(h)
			}
			return &http.Request{Method: http.MethodPost, Header: h, Body: io.NopCloser(bytes.NewReader(body))}
		}

		// Bitbucket Server's headers with an event of Bitbucket Cloud are
		// Bitbucket Cloud's. A request without event header (Bitbucket
		// Server's or Azure DevOps' with an empty event) is Azure DevOps'
		// when anything.
		routed := p.provider
		switch {
		case p.provider == ProviderBitbucketServer && isBitbucketCloudEvent(event):
			routed = ProviderBitbucket
		case p.provider == ProviderBitbucketServer && event == "":
			routed = ProviderAzureDevOps
		}

		// Unverified.
		open, openErr := Parse(request(nil), Secrets{})
		checkResult(t, open, openErr)
		if errors.Is(openErr, ErrUnauthorized) {
			t.Fatalf("refused as unauthorized with no secret: %v", openErr)
		}
		if openErr == nil && open.Provider != routed {
			t.Fatalf("provider %q for the headers of %q", open.Provider, routed)
		}

		// The body limit (a limit of 0 means the default).
		if len(body) > 1 && !errors.Is(openErr, ErrUnknownProvider) {
			_, err := parse(request(nil), Secrets{}, int64(len(body)-1))
			if !errors.Is(err, ErrTooLarge) && !(errors.Is(err, ErrIgnored) && errors.Is(openErr, ErrIgnored)) {
				t.Fatalf("body of %d bytes over a limit of %d: %v", len(body), len(body)-1, err)
			}
		}

		if secret == "" || routed != p.provider {
			return
		}
		var secrets Secrets
		p.secret(&secrets, secret)
		got, err := Parse(request(func(h http.Header) { p.sign(h, secret, body) }), secrets)
		checkResult(t, got, err)
		if !reflect.DeepEqual(got, open) || !sameClass(err, openErr) {
			t.Fatalf("signed request: %+v, %v; unverified: %+v, %v", got, err, open, openErr)
		}

		_, err = Parse(request(func(h http.Header) { p.sign(h, secret+"x", body) }), secrets)
		if !errors.Is(err, ErrUnauthorized) && !errors.Is(err, ErrIgnored) && !errors.Is(err, ErrTooLarge) && !errors.Is(err, ErrUnknownProvider) {
			t.Fatalf("request signed with another secret: %v", err)
		}
		if errors.Is(err, ErrIgnored) && openErr == nil {
			t.Fatalf("wrongly signed push ignored instead of refused: %v", err)
		}
	})
}

var sentinels = []error{ErrUnauthorized, ErrIgnored, ErrMalformed, ErrTooLarge, ErrUnknownProvider}

func sameClass(a, b error) bool {
	if (a == nil) != (b == nil) {
		return false
	}
	for _, s := range sentinels {
		if errors.Is(a, s) != errors.Is(b, s) {
			return false
		}
	}
	return true
}

func checkResult(t *testing.T, p Push, err error) {
	t.Helper()
	if err != nil {
		for _, s := range sentinels {
			if errors.Is(err, s) {
				if !reflect.DeepEqual(p, Push{}) {
					t.Fatalf("error %v returned with a push %+v", err, p)
				}
				return
			}
		}
		t.Fatalf("error wraps none of the sentinel errors: %v", err)
	}
	if p.Provider == "" {
		t.Fatalf("push without a provider: %+v", p)
	}
	if pr := p.PullRequest; pr != nil {
		if pr.Owner == "" || pr.Repo == "" {
			t.Fatalf("pull request without owner or repository: %+v", pr)
		}
		if p.Revision != "" || p.Commits != nil || p.Files != nil || p.Tag || p.DefaultBranch != "" {
			t.Fatalf("pull request with push fields: %+v", p)
		}
		if pr.Host != strings.ToLower(pr.Host) {
			t.Fatalf("pull request host not lower case: %q", pr.Host)
		}
	}
	if len(p.RepoURLs) == 0 {
		t.Fatalf("push without repository URLs: %+v", p)
	}
	seen := map[string]bool{}
	for _, u := range p.RepoURLs {
		if u == "" || seen[u] {
			t.Fatalf("empty or repeated repository URL: %q", p.RepoURLs)
		}
		seen[u] = true
	}
	seen = map[string]bool{}
	for _, c := range p.Commits {
		if isZeroSHA(c) || seen[c] {
			t.Fatalf("empty, zero or repeated commit: %q", p.Commits)
		}
		seen[c] = true
	}
	seen = map[string]bool{}
	for _, f := range p.Files {
		if f == "" || seen[f] {
			t.Fatalf("empty or repeated file: %q", p.Files)
		}
		seen[f] = true
	}
}
