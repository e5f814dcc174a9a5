package treediff

import (
	"errors"
	"fmt"
	"strings"

	"flotilla.dev/flotilla/internal/source"
)

// RevisionFlags are the values of a --base or --head flag: at most one
// bare revision (for the roots' repositories) and URL=REV pairs.
type RevisionFlags struct {
	// Bare applies to the repositories of the root Applications.
	Bare string
	// PerRepo maps source.Normalize(URL) to a revision.
	PerRepo map[string]string
}

// ParseRevisionFlags parses "REV" and "URL=REV" values.
func ParseRevisionFlags(values []string) (RevisionFlags, error) {
	f := RevisionFlags{PerRepo: map[string]string{}}
	for _, v := range values {
		url, rev, ok := strings.Cut(v, "=")
		if ok && isURL(url) {
			if rev == "" {
				return f, fmt.Errorf("%q: no revision after %s=", v, url)
			}
			f.PerRepo[source.Normalize(url)] = rev
			continue
		}
		if v == "" {
			return f, errors.New("empty revision")
		}
		if f.Bare != "" {
			return f, fmt.Errorf("two revisions for the root repository: %q and %q (use URL=REV for other repositories)", f.Bare, v)
		}
		f.Bare = v
	}
	return f, nil
}

func isURL(s string) bool {
	return strings.Contains(s, "://") || strings.HasPrefix(s, "git@")
}

// Revisions turns the flags into per-repository revisions: the bare
// revision pins every git repository a root Application's sources name,
// URL=REV pins that repository (and wins over the bare revision).
func (f RevisionFlags) Revisions(roots []Root) (map[string]string, error) {
	out := map[string]string{}
	if f.Bare != "" {
		n := 0
		for _, r := range roots {
			if r.App == nil {
				continue
			}
			for _, src := range r.App.Spec.GetSources() {
				if src.Chart == "" && src.RepoURL != "" {
					out[source.Normalize(src.RepoURL)] = f.Bare
					n++
				}
			}
		}
		if n == 0 {
			return nil, fmt.Errorf("revision %q: no root Application has a git source to apply it to (use URL=REV)", f.Bare)
		}
	}
	for url, rev := range f.PerRepo {
		out[url] = rev
	}
	return out, nil
}

// Label describes the flags for display: the bare revision, then the
// URL=REV pairs in the order given.
func Label(values []string) string {
	if len(values) == 0 {
		return "targetRevision"
	}
	return strings.Join(values, ", ")
}
