package commitstatus

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"flotilla.dev/flotilla/internal/scm"
)

// Forge Secrets carry this label and value.
const (
	SecretTypeLabel = "flotilla.dev/secret-type"
	SecretTypeForge = "forge"
)

// Providers that take commit statuses.
const (
	ProviderGitHub          = "github"
	ProviderGitLab          = "gitlab"
	ProviderGitea           = "gitea"
	ProviderBitbucket       = "bitbucket"
	ProviderBitbucketServer = "bitbucketServer"
)

// Forge is one forge Secret: the repositories under URL are posted to
// through API with Token (or User and Token as a password, Bitbucket).
type Forge struct {
	// Name is the Secret's, for messages.
	Name string
	// URL is a prefix of the repository URLs this forge holds, e.g.
	// https://gitea.example.com/ or https://github.com/my-org/.
	URL string
	// Provider is github, gitlab, gitea, bitbucket or bitbucketServer.
	Provider string
	// API is the API root; empty means the provider's public one
	// (GitHub, GitLab, Bitbucket) or the URL's origin (Gitea, Bitbucket
	// Server, and GitLab or GitHub on other hosts).
	API         string
	User, Token string
}

// ParseForge reads a forge Secret's data: url, provider, token, and
// optionally api and username.
func ParseForge(name string, data map[string][]byte) (Forge, error) {
	f := Forge{Name: name, URL: string(data["url"]), Provider: string(data["provider"]),
		API: string(data["api"]), User: string(data["username"]), Token: string(data["token"])}
	var errs []error
	if _, _, ok := hostPath(f.URL); !ok {
		errs = append(errs, fmt.Errorf("url %q is not a repository URL prefix (https://host/ or https://host/org/)", f.URL))
	}
	if !slices.Contains([]string{ProviderGitHub, ProviderGitLab, ProviderGitea, ProviderBitbucket, ProviderBitbucketServer}, f.Provider) {
		errs = append(errs, fmt.Errorf("provider %q is not github, gitlab, gitea, bitbucket or bitbucketServer", f.Provider))
	}
	if f.Token == "" {
		errs = append(errs, errors.New("no token"))
	}
	if err := errors.Join(errs...); err != nil {
		return Forge{}, fmt.Errorf("forge secret %s: %w", name, err)
	}
	return f, nil
}

// Match finds the forge whose URL is the longest prefix of repoURL, and
// the repository's path on it (owner/name; GitLab's full path; Bitbucket
// Server's PROJECT/repo).
func Match(forges []Forge, repoURL string) (Forge, string, bool) {
	host, path, ok := hostPath(repoURL)
	if !ok {
		return Forge{}, "", false
	}
	best, bestLen := -1, -1
	for i, f := range forges {
		fh, fp, _ := hostPath(f.URL)
		if fh == host && (fp == "" || path == fp || strings.HasPrefix(path, fp+"/")) && len(fp) > bestLen {
			best, bestLen = i, len(fp)
		}
	}
	if best < 0 {
		return Forge{}, "", false
	}
	f := forges[best]
	repo := strings.TrimSuffix(path, ".git")
	if f.Provider == ProviderBitbucketServer {
		repo = strings.TrimPrefix(repo, "scm/")
	}
	return f, repo, repo != ""
}

// scpLike is git's user@host:path form.
var scpLike = regexp.MustCompile(`^[A-Za-z0-9._-]+@([^:/]+):(.*)$`)

// hostPath splits a repository URL (https, http, ssh, git or scp-like)
// into its lower-cased host (with its port: two servers on one host are
// two forges) and its path without slashes at either end.
func hostPath(raw string) (string, string, bool) {
	if m := scpLike.FindStringSubmatch(raw); m != nil {
		return strings.ToLower(m[1]), strings.Trim(m[2], "/"), true
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "", "", false
	}
	return strings.ToLower(u.Host), strings.Trim(u.Path, "/"), true
}

// Service builds the forge's status API client.
func (f Forge) Service(hc *http.Client) (scm.StatusService, error) {
	api := f.api()
	switch f.Provider {
	case ProviderGitHub:
		return scm.NewGitHub(scm.GitHubOptions{API: api, Token: f.Token, HTTPClient: hc})
	case ProviderGitLab:
		return scm.NewGitLab(scm.GitLabOptions{API: api, Token: f.Token, HTTPClient: hc})
	case ProviderGitea:
		return scm.NewGitea(scm.GiteaOptions{API: api, Token: f.Token, HTTPClient: hc})
	case ProviderBitbucket:
		return scm.NewBitbucketCloud(scm.BitbucketCloudOptions{API: api, User: f.User, Password: f.Token, Token: bearerIfNoUser(f), HTTPClient: hc})
	case ProviderBitbucketServer:
		return scm.NewBitbucketServer(scm.BitbucketServerOptions{API: api, User: f.User, Password: f.Token, Token: bearerIfNoUser(f), HTTPClient: hc})
	}
	return nil, fmt.Errorf("forge secret %s: provider %q takes no commit statuses", f.Name, f.Provider)
}

// bearerIfNoUser is the token as a bearer token when no username is set.
func bearerIfNoUser(f Forge) string {
	if f.User == "" {
		return f.Token
	}
	return ""
}

// api is the API root: the given one, the public one of github.com,
// gitlab.com and bitbucket.org, else the URL's origin.
func (f Forge) api() string {
	if f.API != "" {
		return f.API
	}
	host, _, _ := hostPath(f.URL)
	switch {
	case f.Provider == ProviderGitHub && host == "github.com":
		return "" // the provider's default, https://api.github.com
	case f.Provider == ProviderGitLab && host == "gitlab.com":
		return ""
	case f.Provider == ProviderBitbucket:
		return ""
	case f.Provider == ProviderGitHub:
		return "https://" + host + "/api/v3"
	}
	u, _ := url.Parse(f.URL)
	if u == nil || u.Scheme == "" {
		return "https://" + host
	}
	return u.Scheme + "://" + u.Host
}
