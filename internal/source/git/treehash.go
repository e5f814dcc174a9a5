package git

import (
	"context"
	"fmt"
	"path"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
)

// TreeHash returns the git tree hash of dir ("" or "." for the root) in
// commit sha of the cached repository: equal hashes mean equal content, so
// a directory unchanged between two commits has the same hash. sha must be
// a full commit SHA that Resolve or Checkout fetched. Answers are
// remembered (a commit's trees never change).
func (f *Fetcher) TreeHash(ctx context.Context, repoURL, sha, dir string) (string, error) {
	loc, err := parseLocation(repoURL)
	if err != nil {
		return "", err
	}
	dir = strings.Trim(path.Clean("/"+dir), "/")
	key := loc.hash() + " " + sha + " " + dir
	f.mu.Lock()
	h, ok := f.treeHashes[key]
	f.mu.Unlock()
	if ok {
		return h, nil
	}
	cr, unlock, err := f.lock(ctx, loc)
	if err != nil {
		return "", err
	}
	defer unlock()
	found, err := treeHashes(cr, sha, dir)
	if err != nil {
		return "", fmt.Errorf("tree of %s at %s in %s: %w", dir, sha, loc.display, err)
	}
	f.mu.Lock()
	if f.treeHashes == nil || len(f.treeHashes)+len(found) >= maxTreeHashes {
		f.treeHashes = map[string]string{}
	}
	for d, h := range found {
		f.treeHashes[loc.hash()+" "+sha+" "+d] = h
	}
	f.mu.Unlock()
	return found[dir], nil
}

// maxTreeHashes bounds the remembered tree hashes: past it, the Fetcher
// starts again.
const maxTreeHashes = 16384

// treeHashes returns the hash of dir in commit sha and of every directory
// beside it and beside each of its parents: the apps of a monorepo live
// side by side, so one decode of their parent answers all of them (and a
// thousand apps cost one decode of it, not a thousand).
func treeHashes(cr *cachedRepo, sha, dir string) (map[string]string, error) {
	commit, err := cr.repo.CommitObject(plumbing.NewHash(sha))
	if err != nil {
		return nil, err
	}
	tree, err := commit.Tree()
	if err != nil {
		return nil, err
	}
	found := map[string]string{"": tree.Hash.String()}
	prefix := ""
	for _, name := range strings.Split(dir, "/") {
		if name == "" {
			break
		}
		for _, e := range tree.Entries {
			if e.Mode == filemode.Dir {
				found[prefix+e.Name] = e.Hash.String()
			}
		}
		if tree, err = tree.Tree(name); err != nil {
			return nil, err
		}
		prefix += name + "/"
	}
	if _, ok := found[dir]; !ok {
		found[dir] = tree.Hash.String()
	}
	return found, nil
}
