package git

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/go-git/go-billy/v5/osfs"
	gogit "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/cache"
	"github.com/go-git/go-git/v5/storage/filesystem"
)

// remoteName is the name of the one remote of every cached repository.
const remoteName = "origin"

// Fetcher fetches repositories into a cache directory and resolves revisions.
// It is safe for concurrent use.
type Fetcher struct {
	cacheDir string

	mu         sync.Mutex
	repos      map[string]*cachedRepo // by location hash
	treeHashes map[string]string      // by location hash, commit and path
}

// cachedRepo is one cached repository and the lock that serialises work on it.
type cachedRepo struct {
	sem  chan struct{} // holds one token while the repository is in use
	repo *gogit.Repository
}

// NewFetcher returns a Fetcher that keeps its cache under cacheDir. The
// directory is created on first use.
func NewFetcher(cacheDir string) *Fetcher {
	return &Fetcher{cacheDir: cacheDir, repos: map[string]*cachedRepo{}}
}

// CacheDir is the directory the Fetcher keeps its cache in.
func (f *Fetcher) CacheDir() string { return f.cacheDir }

// Resolve turns a target revision ("" or "HEAD", a branch, a tag, a full or
// short commit SHA, or a literal "refs/..." name) into a full commit SHA,
// fetching what is missing from the cache.
func (f *Fetcher) Resolve(ctx context.Context, repoURL, revision string, auth *Auth) (string, error) {
	loc, err := parseLocation(repoURL)
	if err != nil {
		return "", err
	}
	cr, unlock, err := f.lock(ctx, loc)
	if err != nil {
		return "", err
	}
	defer unlock()
	return f.resolveLocked(ctx, cr, loc, revision, auth)
}

// Checkout returns a directory holding the repository's tree at the commit
// revision resolves to, and that commit's SHA. The directory is written once
// per commit and shared by all callers: treat it as read-only. Passing a full
// commit SHA that was checked out before costs no lock and no network.
func (f *Fetcher) Checkout(ctx context.Context, repoURL, revision string, auth *Auth) (dir string, sha string, err error) {
	loc, err := parseLocation(repoURL)
	if err != nil {
		return "", "", err
	}
	if rev := strings.ToLower(strings.TrimSpace(revision)); isFullSHA(rev) {
		if dir := f.treeDir(loc, rev); isDir(dir) {
			return dir, rev, nil
		}
	}
	cr, unlock, err := f.lock(ctx, loc)
	if err != nil {
		return "", "", err
	}
	defer unlock()
	sha, err = f.resolveLocked(ctx, cr, loc, revision, auth)
	if err != nil {
		return "", "", err
	}
	dir = f.treeDir(loc, sha)
	if isDir(dir) {
		return dir, sha, nil
	}
	if err := writeTree(ctx, cr.repo, plumbing.NewHash(sha), dir); err != nil {
		return "", "", localError("check out "+sha+" of", loc, auth, err)
	}
	return dir, sha, nil
}

// treeDir is where the tree of commit sha is written.
func (f *Fetcher) treeDir(loc location, sha string) string {
	return filepath.Join(f.cacheDir, "trees", loc.hash(), sha)
}

// lock takes the lock of the repository at loc, waiting no longer than ctx
// allows, and opens (or creates) its cache entry.
func (f *Fetcher) lock(ctx context.Context, loc location) (*cachedRepo, func(), error) {
	f.mu.Lock()
	cr, ok := f.repos[loc.hash()]
	if !ok {
		cr = &cachedRepo{sem: make(chan struct{}, 1)}
		f.repos[loc.hash()] = cr
	}
	f.mu.Unlock()

	if err := ctx.Err(); err != nil {
		return nil, nil, fmt.Errorf("wait for repository %s: %w", loc.display, err)
	}
	select {
	case cr.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, nil, fmt.Errorf("wait for repository %s: %w", loc.display, ctx.Err())
	}
	unlock := func() { <-cr.sem }
	if cr.repo == nil {
		repo, err := f.openCache(loc)
		if err != nil {
			unlock()
			return nil, nil, localError("open cache of", loc, nil, err)
		}
		cr.repo = repo
	}
	return cr, unlock, nil
}

// openCache opens the bare repository caching loc, creating it when missing
// or unreadable. A new repository is initialised in a temporary directory and
// renamed into place, so a crash never leaves half of one.
func (f *Fetcher) openCache(loc location) (*gogit.Repository, error) {
	reposDir := filepath.Join(f.cacheDir, "repos")
	dir := filepath.Join(reposDir, loc.hash())
	repo, err := openBare(dir)
	if err == nil {
		return repo, nil
	}
	// Missing, or unreadable after a crash: a cache is disposable, start
	// again rather than fail for ever.
	if err := os.RemoveAll(dir); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(reposDir, 0o755); err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp(reposDir, ".init-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	init, err := gogit.PlainInit(tmp, true)
	if err != nil {
		return nil, err
	}
	if _, err := init.CreateRemote(&config.RemoteConfig{Name: remoteName, URLs: []string{loc.endpoint}}); err != nil {
		return nil, err
	}
	if err := os.Rename(tmp, dir); err != nil && !isDir(dir) {
		return nil, err
	}
	return openBare(dir)
}

// objectCacheSize bounds the decoded objects each open repository keeps in
// memory (go-git's default is 96 MiB per repository).
const objectCacheSize = 4 * cache.MiByte

// openBare opens the bare repository in dir.
func openBare(dir string) (*gogit.Repository, error) {
	if !isDir(dir) {
		return nil, gogit.ErrRepositoryNotExists
	}
	storage := filesystem.NewStorage(osfs.New(dir), cache.NewObjectLRU(objectCacheSize))
	return gogit.Open(storage, nil)
}

func isDir(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.IsDir()
}
