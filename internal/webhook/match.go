package webhook

import (
	"strings"

	"github.com/Masterminds/semver/v3"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/source"
)

// Matches reports whether push p affects app: whether one of the app's git
// sources (spec.source or spec.sources, and the dry source of a source
// hydrator; chart sources are skipped) names the pushed repository and a
// targetRevision the push moves. It follows Argo CD's sourceUsesURL and
// sourceRevisionHasChanged:
//
//   - repository URLs are equal after normalisation: case, scheme, user,
//     port, a trailing slash or ".git", and the ssh://git@host/x,
//     git@host:x and https://host/x forms of a repository are ignored;
//   - an empty or HEAD targetRevision is affected by a push to the default
//     branch: the one the payload names, else defaultBranch(source repoURL).
//     When neither tells it (defaultBranch nil or returning ""), any branch
//     push affects it, as Argo CD assumes when it cannot tell. A tag push
//     never does;
//   - refs/heads/x is affected by a push to branch x, refs/tags/x by a push
//     of tag x, and x by a push to either named x;
//   - a semver constraint (">=1.2.0", "1.*") is affected by the push of a
//     tag that satisfies it, as in Argo CD's compareRevisions; unlike Argo
//     CD, only by tags, the only refs a constraint resolves against;
//   - a commit SHA, or any other revision, is not affected.
//
// A pull-request event affects no Application: a merge arrives as a push.
func Matches(app *v1alpha1.Application, p Push, defaultBranch func(repoURL string) string) bool {
	if app == nil || len(p.RepoURLs) == 0 || p.PullRequest != nil {
		return false
	}
	pushed := make(map[string]bool, len(p.RepoURLs))
	for _, u := range p.RepoURLs {
		pushed[repoKey(u)] = true
	}
	for _, src := range watchedSources(app) {
		if src.IsHelm() || src.RepoURL == "" || !pushed[repoKey(src.RepoURL)] {
			continue
		}
		if revisionAffected(src.RepoURL, src.TargetRevision, p, defaultBranch) {
			return true
		}
	}
	return false
}

// watchedSources are the sources a push can affect: those the app syncs
// from and, with a source hydrator, the dry source it hydrates.
func watchedSources(app *v1alpha1.Application) []v1alpha1.ApplicationSource {
	srcs := append([]v1alpha1.ApplicationSource(nil), app.Spec.GetSources()...)
	if h := app.Spec.SourceHydrator; h != nil {
		srcs = append(srcs, v1alpha1.ApplicationSource{
			RepoURL:        h.DrySource.RepoURL,
			Path:           h.DrySource.Path,
			TargetRevision: h.DrySource.TargetRevision,
		})
	}
	return srcs
}

func revisionAffected(repoURL, target string, p Push, defaultBranch func(string) string) bool {
	target = strings.TrimSpace(target)
	if target == "" || target == "HEAD" {
		if p.Tag {
			return false
		}
		head := p.DefaultBranch
		if head == "" && defaultBranch != nil {
			head = defaultBranch(repoURL)
		}
		return head == "" || head == p.Revision
	}
	if branch, ok := strings.CutPrefix(target, "refs/heads/"); ok {
		return !p.Tag && branch == p.Revision
	}
	if tag, ok := strings.CutPrefix(target, "refs/tags/"); ok {
		return p.Tag && revisionMatches(tag, p.Revision)
	}
	if target == p.Revision {
		return true
	}
	return p.Tag && revisionMatches(target, p.Revision)
}

// revisionMatches is Argo CD's compareRevisions: equality, or a semver
// constraint the pushed version satisfies.
func revisionMatches(target, revision string) bool {
	if target == revision {
		return true
	}
	constraint, err := semver.NewConstraint(target)
	if err != nil {
		return false
	}
	version, err := semver.NewVersion(revision)
	if err != nil {
		return false
	}
	return constraint.Check(version)
}

// repoKey reduces a repository URL to host/path so that the URLs of one
// repository compare equal: https://github.com/org/repo,
// https://user@github.com:443/org/repo.git, git@github.com:org/repo.git,
// ssh://git@ssh.github.com/org/repo and git://github.com/org/repo all give
// github.com/org/repo. Like Argo CD's webhook URL regexp it ignores the
// scheme, the user, the port and an ssh. or altssh. host prefix. URLs it
// cannot split are returned normalised.
func repoKey(raw string) string {
	s := source.Normalize(raw)
	var host, path string
	if i := strings.Index(s, "://"); i >= 0 {
		rest := s[i+3:]
		j := strings.IndexByte(rest, '/')
		if j < 0 {
			return s
		}
		host, path = rest[:j], rest[j+1:]
		if at := strings.LastIndexByte(host, '@'); at >= 0 {
			host = host[at+1:]
		}
		if c := strings.LastIndexByte(host, ':'); c >= 0 && !strings.HasSuffix(host, "]") {
			host = host[:c]
		}
	} else {
		// scp-like user@host:path, or a bare host/path.
		colon, slash := strings.IndexByte(s, ':'), strings.IndexByte(s, '/')
		switch {
		case colon >= 0 && (slash < 0 || colon < slash):
			host, path = s[:colon], s[colon+1:]
		case slash >= 0:
			host, path = s[:slash], s[slash+1:]
		default:
			return s
		}
		if at := strings.LastIndexByte(host, '@'); at >= 0 {
			host = host[at+1:]
		}
	}
	for _, prefix := range []string{"ssh.", "altssh."} {
		if h, ok := strings.CutPrefix(host, prefix); ok && strings.Contains(h, ".") {
			host = h
			break
		}
	}
	path = strings.Trim(path, "/")
	path = strings.TrimSuffix(path, ".git")
	if host == "" || path == "" {
		return s
	}
	return host + "/" + path
}
