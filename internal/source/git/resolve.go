package git

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	gogit "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// Refspecs every fetch uses: all branches and tags, mirrored as they are on
// the remote, and the remote's HEAD.
const (
	branchesRefSpec = "+refs/heads/*:refs/heads/*"
	tagsRefSpec     = "+refs/tags/*:refs/tags/*"
	headRefSpec     = "+HEAD:refs/remotes/" + remoteName + "/HEAD"
)

// resolveLocked resolves revision with the repository's lock held.
func (f *Fetcher) resolveLocked(ctx context.Context, cr *cachedRepo, loc location, revision string, auth *Auth) (string, error) {
	rev := strings.TrimSpace(revision)
	lower := strings.ToLower(rev)
	repo := cr.repo

	// A commit never changes: a cached one needs no network.
	if isFullSHA(lower) {
		if commit, err := peelToCommit(repo, plumbing.NewHash(lower)); err == nil {
			return commit.String(), nil
		}
	}

	opts, err := f.transportOptions(loc, auth)
	if err != nil {
		return "", err
	}
	adv, err := listRemote(ctx, repo, loc, opts)
	if err != nil {
		return "", remoteError(ctx, "list references of", loc, auth, err)
	}

	if ref, ok := adv.match(rev); ok {
		if !hasObject(repo, ref.hash) {
			if err := fetch(ctx, repo, loc, auth, opts, adv, ref.name); err != nil {
				return "", err
			}
		}
		commit, err := peelToCommit(repo, ref.hash)
		if err != nil {
			return "", localError(fmt.Sprintf("resolve %q (%s) in", rev, ref.name), loc, auth, err)
		}
		return commit.String(), nil
	}

	switch {
	case isFullSHA(lower):
		h := plumbing.NewHash(lower)
		if err := fetch(ctx, repo, loc, auth, opts, adv); err != nil {
			return "", err
		}
		if !hasObject(repo, h) {
			// Not reachable from any branch or tag: ask for the commit itself,
			// which servers allowing reachable/tip SHA-1 wants grant.
			if err := fetchCommit(ctx, repo, loc, opts, h); err != nil && contextError(err) != nil {
				return "", remoteError(ctx, "fetch", loc, auth, err)
			}
		}
		commit, err := peelToCommit(repo, h)
		if errors.Is(err, plumbing.ErrObjectNotFound) {
			return "", revisionNotFound(rev, loc)
		}
		if err != nil {
			return "", localError(fmt.Sprintf("resolve %q in", rev), loc, auth, err)
		}
		return commit.String(), nil

	case isShortSHA(lower):
		if adv.missingFrom(repo) {
			if err := fetch(ctx, repo, loc, auth, opts, adv); err != nil {
				return "", err
			}
		}
		commits, err := commitsWithPrefix(repo, lower)
		if err != nil {
			return "", localError(fmt.Sprintf("resolve %q in", rev), loc, auth, err)
		}
		switch len(commits) {
		case 0:
			return "", revisionNotFound(rev, loc)
		case 1:
			return commits[0].String(), nil
		default:
			return "", &sourceError{
				msg:   fmt.Sprintf("short commit SHA %q is ambiguous in %s: it matches %d commits", rev, loc.display, len(commits)),
				kinds: []error{ErrRevisionNotFound},
			}
		}
	}
	return "", revisionNotFound(rev, loc)
}

// advertised holds a remote's references as `git ls-remote` lists them.
type advertised struct {
	refs   map[plumbing.ReferenceName]*plumbing.Reference
	peeled map[plumbing.ReferenceName]plumbing.Hash // annotated tag -> commit
}

// remoteRef is the reference a revision names on the remote.
type remoteRef struct {
	name plumbing.ReferenceName
	hash plumbing.Hash // peeled, when the remote says what a tag points to
}

// listRemote lists the remote's references without fetching anything.
func listRemote(ctx context.Context, repo *gogit.Repository, loc location, opts transportOptions) (advertised, error) {
	remote := gogit.NewRemote(repo.Storer, &config.RemoteConfig{Name: remoteName, URLs: []string{loc.endpoint}})
	list, err := remote.ListContext(ctx, &gogit.ListOptions{
		Auth:            opts.auth,
		InsecureSkipTLS: opts.insecure,
		ClientCert:      opts.clientCert,
		ClientKey:       opts.clientKey,
		CABundle:        opts.caBundle,
		PeelingOption:   gogit.AppendPeeled,
	})
	if err != nil {
		return advertised{}, err
	}
	return newAdvertised(list), nil
}

func newAdvertised(list []*plumbing.Reference) advertised {
	a := advertised{
		refs:   map[plumbing.ReferenceName]*plumbing.Reference{},
		peeled: map[plumbing.ReferenceName]plumbing.Hash{},
	}
	for _, ref := range list {
		name := ref.Name().String()
		if base, ok := strings.CutSuffix(name, "^{}"); ok {
			a.peeled[plumbing.ReferenceName(base)] = ref.Hash()
			continue
		}
		a.refs[ref.Name()] = ref
	}
	return a
}

// hashOf returns what name points to, following symbolic references and
// preferring the peeled commit of an annotated tag.
func (a advertised) hashOf(name plumbing.ReferenceName) (plumbing.Hash, bool) {
	for range 10 { // bounded: symbolic references may form a loop
		ref, ok := a.refs[name]
		if !ok {
			return plumbing.ZeroHash, false
		}
		if ref.Type() == plumbing.SymbolicReference {
			name = ref.Target()
			continue
		}
		if h, ok := a.peeled[name]; ok {
			return h, true
		}
		return ref.Hash(), true
	}
	return plumbing.ZeroHash, false
}

// match finds the reference revision names, in Argo CD's order: HEAD, a
// literal refs/ name, a branch, a tag. Commit SHAs are not references and are
// left to the caller.
func (a advertised) match(revision string) (remoteRef, bool) {
	var candidates []plumbing.ReferenceName
	switch {
	case revision == "" || revision == "HEAD":
		candidates = []plumbing.ReferenceName{plumbing.HEAD}
	case strings.HasPrefix(revision, "refs/"):
		candidates = []plumbing.ReferenceName{plumbing.ReferenceName(revision)}
	default:
		candidates = []plumbing.ReferenceName{
			plumbing.NewBranchReferenceName(revision),
			plumbing.NewTagReferenceName(revision),
		}
	}
	for _, name := range candidates {
		if h, ok := a.hashOf(name); ok {
			return remoteRef{name: name, hash: h}, true
		}
	}
	return remoteRef{}, false
}

// missingFrom reports whether the repository lacks an object the remote's
// references point to, that is whether a fetch would bring news.
func (a advertised) missingFrom(repo *gogit.Repository) bool {
	for _, ref := range a.refs {
		if ref.Type() == plumbing.HashReference && !hasObject(repo, ref.Hash()) {
			return true
		}
	}
	return false
}

// fetch updates the cache with all branches, tags and HEAD, plus any other
// references named in extra (such as refs/pull/1/head).
func fetch(ctx context.Context, repo *gogit.Repository, loc location, auth *Auth, opts transportOptions, adv advertised, extra ...plumbing.ReferenceName) error {
	specs := []config.RefSpec{branchesRefSpec, tagsRefSpec}
	if _, ok := adv.hashOf(plumbing.HEAD); ok {
		specs = append(specs, headRefSpec)
	}
	for _, name := range extra {
		if name == plumbing.HEAD || name.IsBranch() || name.IsTag() {
			continue
		}
		specs = append(specs, config.RefSpec("+"+name.String()+":"+name.String()))
	}
	err := repo.FetchContext(ctx, &gogit.FetchOptions{
		RemoteName:      remoteName,
		RemoteURL:       loc.endpoint,
		RefSpecs:        specs,
		Auth:            opts.auth,
		Tags:            gogit.NoTags,
		Force:           true,
		Prune:           true,
		InsecureSkipTLS: opts.insecure,
		ClientCert:      opts.clientCert,
		ClientKey:       opts.clientKey,
		CABundle:        opts.caBundle,
	})
	if err != nil && !errors.Is(err, gogit.NoErrAlreadyUpToDate) {
		return remoteError(ctx, "fetch", loc, auth, err)
	}
	return nil
}

// fetchCommit fetches one commit by its SHA into refs/flotilla/commits/.
func fetchCommit(ctx context.Context, repo *gogit.Repository, loc location, opts transportOptions, h plumbing.Hash) error {
	err := repo.FetchContext(ctx, &gogit.FetchOptions{
		RemoteName:      remoteName,
		RemoteURL:       loc.endpoint,
		RefSpecs:        []config.RefSpec{config.RefSpec(h.String() + ":refs/flotilla/commits/" + h.String())},
		Auth:            opts.auth,
		Tags:            gogit.NoTags,
		InsecureSkipTLS: opts.insecure,
		ClientCert:      opts.clientCert,
		ClientKey:       opts.clientKey,
		CABundle:        opts.caBundle,
	})
	if err != nil && !errors.Is(err, gogit.NoErrAlreadyUpToDate) {
		return err
	}
	return nil
}

func hasObject(repo *gogit.Repository, h plumbing.Hash) bool {
	return repo.Storer.HasEncodedObject(h) == nil
}

// peelToCommit follows annotated tags from h down to a commit.
func peelToCommit(repo *gogit.Repository, h plumbing.Hash) (plumbing.Hash, error) {
	for range 10 { // tags of tags, bounded
		obj, err := repo.Storer.EncodedObject(plumbing.AnyObject, h)
		if err != nil {
			return plumbing.ZeroHash, err
		}
		switch obj.Type() {
		case plumbing.CommitObject:
			return h, nil
		case plumbing.TagObject:
			tag, err := object.DecodeTag(repo.Storer, obj)
			if err != nil {
				return plumbing.ZeroHash, err
			}
			h = tag.Target
		default:
			return plumbing.ZeroHash, fmt.Errorf("%s is a %s, not a commit", h, obj.Type())
		}
	}
	return plumbing.ZeroHash, fmt.Errorf("tag chain at %s is too long", h)
}

// commitsWithPrefix lists the cached commits whose SHA starts with prefix
// (lowercase hex).
func commitsWithPrefix(repo *gogit.Repository, prefix string) ([]plumbing.Hash, error) {
	type prefixSearcher interface {
		HashesWithPrefix(prefix []byte) ([]plumbing.Hash, error)
	}
	searcher, ok := repo.Storer.(prefixSearcher)
	if !ok {
		return nil, fmt.Errorf("object storage cannot search by prefix")
	}
	whole, err := hex.DecodeString(prefix[:len(prefix)&^1])
	if err != nil {
		return nil, err
	}
	hashes, err := searcher.HashesWithPrefix(whole)
	if err != nil {
		return nil, err
	}
	var commits []plumbing.Hash
	for _, h := range hashes {
		if !strings.HasPrefix(h.String(), prefix) {
			continue
		}
		if _, err := repo.Storer.EncodedObject(plumbing.CommitObject, h); err == nil {
			commits = append(commits, h)
		}
	}
	return commits, nil
}

func isHex(s string) bool {
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// isFullSHA reports whether s (lowercase) is a full SHA-1 commit name.
func isFullSHA(s string) bool { return len(s) == 40 && isHex(s) }

// isShortSHA reports whether s (lowercase) may abbreviate a commit SHA.
func isShortSHA(s string) bool { return len(s) >= 4 && len(s) < 40 && isHex(s) }
