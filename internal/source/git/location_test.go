package git

import (
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
)

func TestParseLocation(t *testing.T) {
	tests := []struct {
		raw                   string
		endpoint, key, scheme string
		user, password        string
	}{
		{raw: "https://github.com/org/repo.git", endpoint: "https://github.com/org/repo.git",
			key: "https://github.com/org/repo", scheme: "https"},
		{raw: " https://GitHub.com/org/repo/ ", endpoint: "https://github.com/org/repo/",
			key: "https://github.com/org/repo", scheme: "https"},
		{raw: "https://bot:t0ken@github.com/org/repo.git", endpoint: "https://github.com/org/repo.git",
			key: "https://github.com/org/repo", scheme: "https", user: "bot", password: "t0ken"},
		{raw: "HTTP://host:8080/a/b.git?x=1#frag", endpoint: "http://host:8080/a/b.git",
			key: "http://host:8080/a/b", scheme: "http"},
		{raw: "ssh://git@github.com/org/repo.git", endpoint: "ssh://git@github.com/org/repo.git",
			key: "ssh://github.com/org/repo", scheme: "ssh", user: "git"},
		{raw: "ssh://git:pw@github.com:2222/org/repo", endpoint: "ssh://git@github.com:2222/org/repo",
			key: "ssh://github.com:2222/org/repo", scheme: "ssh", user: "git", password: "pw"},
		{raw: "git@GitHub.com:org/repo.git", endpoint: "git@github.com:org/repo.git",
			key: "ssh://github.com/org/repo", scheme: "ssh", user: "git"},
		{raw: "file:///srv/git/repo.git", endpoint: "file:///srv/git/repo.git",
			key: "file:///srv/git/repo", scheme: "file"},
		{raw: "/srv/git/repo.git/", endpoint: "/srv/git/repo.git",
			key: "file:///srv/git/repo", scheme: "file"},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			got, err := parseLocation(tt.raw)
			if err != nil {
				t.Fatal(err)
			}
			if got.endpoint != tt.endpoint || got.key != tt.key || got.scheme != tt.scheme ||
				got.user != tt.user || got.password != tt.password {
				t.Errorf("parseLocation(%q) = %+v, want endpoint %q key %q scheme %q user %q password %q",
					tt.raw, got, tt.endpoint, tt.key, tt.scheme, tt.user, tt.password)
			}
			if tt.password != "" && strings.Contains(got.display, tt.password) {
				t.Errorf("display %q holds the password", got.display)
			}
		})
	}

	// Spellings of one repository share a cache entry.
	same := []string{
		"https://github.com/org/repo", "https://github.com/org/repo.git",
		"https://GITHUB.com/org/repo/", "https://u:p@github.com/org/repo.git",
	}
	first, _ := parseLocation(same[0])
	for _, raw := range same[1:] {
		if l, _ := parseLocation(raw); l.hash() != first.hash() {
			t.Errorf("%q and %q have different cache entries", raw, same[0])
		}
	}
	if a, b := mustParse(t, "https://github.com/org/a"), mustParse(t, "https://github.com/org/b"); a.hash() == b.hash() {
		t.Error("different repositories share a cache entry")
	}
}

func mustParse(t *testing.T, raw string) location {
	t.Helper()
	l, err := parseLocation(raw)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestParseLocationErrors(t *testing.T) {
	tests := []struct {
		raw, want string
	}{
		{raw: "", want: "repository URL is empty"},
		{raw: "ftp://u:hunter2@host/repo", want: `repository URL ftp://u:***@host/repo: unsupported scheme "ftp"`},
		{raw: "https://u:hunter2@host/%zz", want: `repository URL "https://u:***@host/%zz" is not valid`},
	}
	for _, tt := range tests {
		_, err := parseLocation(tt.raw)
		if err == nil || err.Error() != tt.want {
			t.Errorf("parseLocation(%q) error = %v, want %q", tt.raw, err, tt.want)
		}
	}
}

func TestRedact(t *testing.T) {
	tests := []struct {
		in      string
		secrets []string
		want    string
	}{
		{in: `Get "https://user:pa55@host/repo.git/info/refs": EOF`,
			want: `Get "https://user:***@host/repo.git/info/refs": EOF`},
		{in: "https://user:p@ss@host/repo", want: "https://user:***@host/repo"},
		{in: "https://:token@host/repo", want: "https://:***@host/repo"},
		{in: "ssh://git@host:22/repo", want: "ssh://git@host:22/repo"},
		{in: "https://host:8443/a@b", want: "https://host:8443/a@b"},
		{in: "server said: bad credentials hunter2", secrets: []string{"hunter2", ""},
			want: "server said: bad credentials ***"},
	}
	for _, tt := range tests {
		if got := redact(tt.in, tt.secrets...); got != tt.want {
			t.Errorf("redact(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestAdvertisedMatch(t *testing.T) {
	const (
		main    = "1111111111111111111111111111111111111111"
		tagObj  = "2222222222222222222222222222222222222222"
		tagPeel = "3333333333333333333333333333333333333333"
		light   = "4444444444444444444444444444444444444444"
		both    = "5555555555555555555555555555555555555555"
	)
	adv := newAdvertised([]*plumbing.Reference{
		plumbing.NewSymbolicReference(plumbing.HEAD, "refs/heads/main"),
		plumbing.NewReferenceFromStrings("refs/heads/main", main),
		plumbing.NewReferenceFromStrings("refs/tags/v1", tagObj),
		plumbing.NewReferenceFromStrings("refs/tags/v1^{}", tagPeel),
		plumbing.NewReferenceFromStrings("refs/tags/light", light),
		// A branch and a tag of one name: the branch wins, as in Argo CD.
		plumbing.NewReferenceFromStrings("refs/heads/same", both),
		plumbing.NewReferenceFromStrings("refs/tags/same", light),
		plumbing.NewReferenceFromStrings("refs/pull/7/head", light),
		plumbing.NewSymbolicReference("refs/heads/loop", "refs/heads/loop"),
	})
	tests := []struct {
		revision string
		name     plumbing.ReferenceName
		hash     string
		ok       bool
	}{
		{revision: "", name: plumbing.HEAD, hash: main, ok: true},
		{revision: "HEAD", name: plumbing.HEAD, hash: main, ok: true},
		{revision: "main", name: "refs/heads/main", hash: main, ok: true},
		{revision: "v1", name: "refs/tags/v1", hash: tagPeel, ok: true},
		{revision: "light", name: "refs/tags/light", hash: light, ok: true},
		{revision: "same", name: "refs/heads/same", hash: both, ok: true},
		{revision: "refs/tags/same", name: "refs/tags/same", hash: light, ok: true},
		{revision: "refs/pull/7/head", name: "refs/pull/7/head", hash: light, ok: true},
		{revision: "pull/7/head"},
		{revision: "loop"},
		{revision: "missing"},
		{revision: main},
	}
	for _, tt := range tests {
		got, ok := adv.match(tt.revision)
		if ok != tt.ok || (ok && (got.name != tt.name || got.hash.String() != tt.hash)) {
			t.Errorf("match(%q) = %v %s, %t; want %v %s, %t", tt.revision, got.name, got.hash, ok, tt.name, tt.hash, tt.ok)
		}
	}
}

func TestCheckTreePath(t *testing.T) {
	symlinks := map[string]bool{"link": true, "a/inner": true}
	tests := []struct {
		name string
		ok   bool
	}{
		{name: "a/b.yaml", ok: true},
		{name: "link", ok: true}, // the symlink itself is checked before it is recorded
		{name: "a/inner-file", ok: true},
		{name: "link/x"},
		{name: "a/inner/x/y"},
		{name: "../x"},
		{name: "a/../../x"},
		{name: "/etc/passwd"},
		{name: "a//b"},
		{name: ".git/config"},
		{name: "sub/.GIT/hooks"},
		{name: `a\b`},
		{name: ""},
	}
	for _, tt := range tests {
		if err := checkTreePath(tt.name, symlinks); (err == nil) != tt.ok {
			t.Errorf("checkTreePath(%q) = %v, want ok %t", tt.name, err, tt.ok)
		}
	}
}
