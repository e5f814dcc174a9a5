package git

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
)

// location is a repository address split into what is dialled, what is shown
// and what identifies its cache entry.
type location struct {
	// endpoint is what go-git dials: the URL without password (and, for
	// http(s), without any userinfo), or an absolute local path.
	endpoint string
	// display is safe to print: it never holds a password.
	display string
	// key is the normalised URL; equal keys share one cache entry.
	key string
	// scheme is "http", "https", "ssh", "file" or "git".
	scheme string
	// user and password come from the URL's userinfo, if any.
	user, password string
}

// hash names the cache entry of the location.
func (l location) hash() string {
	sum := sha256.Sum256([]byte(l.key))
	return hex.EncodeToString(sum[:16])
}

// scpLike matches the scp-like ssh syntax user@host:path.
var scpLike = regexp.MustCompile(`^(?:([^@/]+)@)?([^@/:]+):(.+)$`)

// parseLocation normalises a repository URL or local path.
func parseLocation(raw string) (location, error) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return location{}, fmt.Errorf("repository URL is empty")
	}
	if strings.Contains(s, "://") {
		return parseURLLocation(s)
	}
	if m := scpLike.FindStringSubmatch(s); m != nil && !strings.HasPrefix(s, "/") && !strings.HasPrefix(s, ".") && len(m[2]) > 1 {
		user, host, path := m[1], strings.ToLower(m[2]), m[3]
		endpoint := host + ":" + path
		if user != "" {
			endpoint = user + "@" + endpoint
		}
		return location{
			endpoint: endpoint,
			display:  endpoint,
			key:      "ssh://" + host + "/" + trimRepoPath(strings.TrimPrefix(path, "/")),
			scheme:   "ssh",
			user:     user,
		}, nil
	}
	abs, err := filepath.Abs(s)
	if err != nil {
		return location{}, fmt.Errorf("repository path %q: %w", s, err)
	}
	return location{
		endpoint: abs,
		display:  abs,
		key:      "file://" + trimRepoPath(filepath.ToSlash(abs)),
		scheme:   "file",
	}, nil
}

func parseURLLocation(s string) (location, error) {
	u, err := url.Parse(s)
	if err != nil {
		// url.Parse errors quote the input, which may hold a password.
		return location{}, fmt.Errorf("repository URL %q is not valid", redact(s))
	}
	l := location{scheme: strings.ToLower(u.Scheme)}
	if u.User != nil {
		l.user = u.User.Username()
		l.password, _ = u.User.Password()
	}
	switch l.scheme {
	case "http", "https", "ssh", "git", "file":
	default:
		return location{}, fmt.Errorf("repository URL %s: unsupported scheme %q", redact(s), u.Scheme)
	}
	u.Scheme = l.scheme
	u.Host = strings.ToLower(u.Host)
	u.RawQuery, u.Fragment, u.RawFragment = "", "", ""

	if l.scheme == "file" {
		path := filepath.Clean(filepath.FromSlash(u.Path))
		u.User = nil
		u.Path = filepath.ToSlash(path)
		l.endpoint = u.String()
		l.display = l.endpoint
		l.key = "file://" + trimRepoPath(u.Path)
		return l, nil
	}

	// http(s) credentials travel as basic auth, never in the URL; ssh keeps
	// its user name, which selects the account on the server.
	if l.scheme == "ssh" && l.user != "" {
		u.User = url.User(l.user)
	} else {
		u.User = nil
	}
	l.endpoint = u.String()
	l.display = l.endpoint

	keyURL := *u
	keyURL.User = nil
	keyURL.Path = "/" + trimRepoPath(strings.TrimPrefix(u.Path, "/"))
	keyURL.RawPath = ""
	l.key = keyURL.String()
	return l, nil
}

// trimRepoPath drops what does not change which repository a path names.
func trimRepoPath(p string) string {
	p = strings.TrimRight(p, "/")
	p = strings.TrimSuffix(p, ".git")
	return strings.TrimRight(p, "/")
}

// userinfoPassword matches the password part of a URL's userinfo.
var userinfoPassword = regexp.MustCompile(`([A-Za-z][A-Za-z0-9+.\-]*://[^/?#@\s:]*):[^/?#\s]*@`)

// redact masks passwords in URLs found in s and every given secret.
func redact(s string, secrets ...string) string {
	for _, secret := range secrets {
		if secret != "" {
			s = strings.ReplaceAll(s, secret, "***")
		}
	}
	return userinfoPassword.ReplaceAllString(s, "$1:***@")
}
