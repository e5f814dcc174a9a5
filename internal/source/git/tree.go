package git

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"

	gogit "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// writeTree writes the tree of commit h to dir. It writes into a temporary
// sibling directory and renames it into place, so dir either holds the whole
// tree or does not exist. Regular files are made read-only, symlinks are
// written as symlinks (not followed or checked: their targets are data), and
// submodules are skipped.
func writeTree(ctx context.Context, repo *gogit.Repository, h plumbing.Hash, dir string) error {
	commit, err := repo.CommitObject(h)
	if err != nil {
		return err
	}
	tree, err := commit.Tree()
	if err != nil {
		return err
	}
	parent := filepath.Dir(dir)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return err
	}
	// Leftovers of a crashed earlier attempt; the caller holds the
	// repository's lock, so no one else is writing this tree.
	tmpPrefix := ".tmp-" + filepath.Base(dir) + "-"
	stale, _ := filepath.Glob(filepath.Join(parent, tmpPrefix+"*"))
	for _, d := range stale {
		_ = os.RemoveAll(d)
	}
	tmp, err := os.MkdirTemp(parent, tmpPrefix)
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp) // a no-op once renamed

	walker := object.NewTreeWalker(tree, true, nil)
	defer walker.Close()
	symlinks := map[string]bool{}
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		name, entry, err := walker.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		if err := checkTreePath(name, symlinks); err != nil {
			return err
		}
		target := filepath.Join(tmp, filepath.FromSlash(name))
		switch entry.Mode {
		case filemode.Dir:
			err = os.MkdirAll(target, 0o755)
		case filemode.Submodule:
			continue
		case filemode.Symlink:
			symlinks[name] = true
			err = writeSymlink(repo, entry.Hash, target)
		case filemode.Regular, filemode.Deprecated:
			err = writeBlob(repo, entry.Hash, target, 0o444)
		case filemode.Executable:
			err = writeBlob(repo, entry.Hash, target, 0o555)
		default:
			err = fmt.Errorf("unsupported file mode %s", entry.Mode)
		}
		if err != nil {
			return fmt.Errorf("write %s: %w", name, err)
		}
	}
	if err := os.Rename(tmp, dir); err != nil && !isDir(dir) {
		return err
	}
	// Either renamed, or another process wrote the same tree first.
	return nil
}

// checkTreePath refuses names that would escape the tree or write through a
// symlink written earlier. Git itself never creates such trees; a hostile
// server could.
func checkTreePath(name string, symlinks map[string]bool) error {
	if name == "" || strings.HasPrefix(name, "/") || strings.Contains(name, "\\") {
		return fmt.Errorf("tree holds unsafe path %q", name)
	}
	for _, part := range strings.Split(name, "/") {
		if part == "" || part == "." || part == ".." || strings.EqualFold(part, ".git") {
			return fmt.Errorf("tree holds unsafe path %q", name)
		}
	}
	for dir := path.Dir(name); dir != "."; dir = path.Dir(dir) {
		if symlinks[dir] {
			return fmt.Errorf("tree path %q lies under symlink %q", name, dir)
		}
	}
	return nil
}

// writeBlob writes a blob to a new file; it never follows or replaces an
// existing path.
func writeBlob(repo *gogit.Repository, h plumbing.Hash, target string, perm os.FileMode) error {
	blob, err := repo.BlobObject(h)
	if err != nil {
		return err
	}
	r, err := blob.Reader()
	if err != nil {
		return err
	}
	defer r.Close()
	if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
		return err
	}
	f, err := os.OpenFile(target, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// writeSymlink writes a symlink whose target is the blob's content.
func writeSymlink(repo *gogit.Repository, h plumbing.Hash, target string) error {
	blob, err := repo.BlobObject(h)
	if err != nil {
		return err
	}
	r, err := blob.Reader()
	if err != nil {
		return err
	}
	defer r.Close()
	link, err := io.ReadAll(io.LimitReader(r, 4097))
	if err != nil {
		return err
	}
	if len(link) > 4096 || len(link) == 0 {
		return fmt.Errorf("symlink target has %d bytes", len(link))
	}
	if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
		return err
	}
	return os.Symlink(string(link), target)
}
