package git

import (
	"context"
	"fmt"
	"path"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
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
	h, err = treeHash(cr, sha, dir)
	if err != nil {
		return "", fmt.Errorf("tree of %s at %s in %s: %w", dir, sha, loc.display, err)
	}
	f.mu.Lock()
	if f.treeHashes == nil || len(f.treeHashes) >= maxTreeHashes {
		f.treeHashes = map[string]string{}
	}
	f.treeHashes[key] = h
	f.mu.Unlock()
	return h, nil
}

// maxTreeHashes bounds the remembered tree hashes: past it, the Fetcher
// starts again.
const maxTreeHashes = 16384

func treeHash(cr *cachedRepo, sha, dir string) (string, error) {
	commit, err := cr.repo.CommitObject(plumbing.NewHash(sha))
	if err != nil {
		return "", err
	}
	tree, err := commit.Tree()
	if err != nil {
		return "", err
	}
	if dir != "" {
		if tree, err = tree.Tree(dir); err != nil {
			return "", err
		}
	}
	return tree.Hash.String(), nil
}
