package helm

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"strings"
)

// location is a repository address: what is dialled, what is shown and
// what identifies its cache entries.
type location struct {
	oci bool
	// base is the chart repository URL without userinfo (http and https).
	base *url.URL
	// registryRepo is host[:port]/path of an OCI location, no scheme.
	registryRepo string
	// display is safe to print.
	display string
	// key identifies the repository; equal keys share cache entries.
	key string
	// user and password come from the URL's userinfo, if any.
	user, password string
}

func (l location) hash(parts ...string) string {
	sum := sha256.Sum256([]byte(strings.Join(append([]string{l.key}, parts...), "\x00")))
	return hex.EncodeToString(sum[:16])
}

// parseLocation reads a repository URL. With oci, a URL without scheme is
// a registry path, as for an Argo CD repository with enableOCI.
func parseLocation(raw string, oci bool) (location, error) {
	s := strings.TrimRight(strings.TrimSpace(raw), "/")
	if s == "" {
		return location{}, fmt.Errorf("repository URL is empty")
	}
	if !strings.Contains(s, "://") {
		if !oci {
			return location{}, fmt.Errorf("repository URL %s has no scheme: use https://, oci://, or enable OCI", redact(s))
		}
		s = "oci://" + s
	}
	u, err := url.Parse(s)
	if err != nil {
		// url.Parse errors quote the input, which may hold a password.
		return location{}, fmt.Errorf("repository URL %s is not valid", redact(s))
	}
	l := location{}
	if u.User != nil {
		l.user = u.User.Username()
		l.password, _ = u.User.Password()
		u.User = nil
	}
	if u.Host == "" {
		return location{}, fmt.Errorf("repository URL %s has no host", redact(s))
	}
	u.Host = strings.ToLower(u.Host)
	u.Fragment, u.RawFragment = "", ""
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
		u.Scheme = strings.ToLower(u.Scheme)
		l.base = u
		l.display = u.String()
		l.key = l.display
	case "oci":
		if u.RawQuery != "" {
			return location{}, fmt.Errorf("repository URL %s: a registry URL takes no query", l.redacted(s))
		}
		l.oci = true
		l.registryRepo = u.Host + strings.TrimRight(u.Path, "/")
		l.display = "oci://" + l.registryRepo
		l.key = l.display
	default:
		return location{}, fmt.Errorf("repository URL %s: unsupported scheme %q", redact(s), u.Scheme)
	}
	return l, nil
}

func (l location) redacted(s string) string { return redact(s, l.password) }

// auth returns the credentials to use: a's, or the URL's userinfo when a
// carries none.
func (l location) auth(a *Auth) *Auth {
	var out Auth
	if a != nil {
		out = *a
	}
	if out.Username == "" && out.Password == "" {
		out.Username, out.Password = l.user, l.password
	}
	return &out
}
