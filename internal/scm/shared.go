package scm

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
)

// containsAll says whether have holds every label of want.
func containsAll(have, want []string) bool {
	for _, w := range want {
		if !slices.Contains(have, w) {
			return false
		}
	}
	return true
}

// cloneURL picks the repository URL for the protocol: "" and "ssh" the
// ssh URL, "https" the https one.
func cloneURL(provider, protocol, ssh, https string) (string, error) {
	switch protocol {
	case "", "ssh":
		return ssh, nil
	case "https":
		return https, nil
	}
	return "", fmt.Errorf("unknown clone protocol %q for %s (ssh or https)", protocol, provider)
}

// atBranch is a copy of repo at branch and sha.
func atBranch(repo *Repository, branch, sha string) *Repository {
	c := *repo
	c.Branch, c.SHA = branch, sha
	return &c
}

// escapePath escapes each segment of a slash-separated path.
func escapePath(p string) string {
	parts := strings.Split(strings.Trim(p, "/"), "/")
	for i, s := range parts {
		parts[i] = url.PathEscape(s)
	}
	return strings.Join(parts, "/")
}

// pathAnswer reads a contents request's error: none means the path
// exists, a 404 that it does not, anything else is an error.
func pathAnswer(err error) (bool, error) {
	if err == nil {
		return true, nil
	}
	if IsNotFound(notFound(err)) {
		return false, nil
	}
	return false, err
}
