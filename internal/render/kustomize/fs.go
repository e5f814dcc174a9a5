package kustomize

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/filesys"
)

// errReadOnly is returned by every method that would change the repository.
var errReadOnly = errors.New("the repository is read-only")

// repoFS is the filesystem kustomize sees: the real disk, read-only, where
// every path must resolve (symlinks followed) to the repository root or
// below it. Files in overlay (keyed by cleaned absolute path) are served
// from memory instead of disk; that is how Application-level options reach
// kustomize without writing the shared checkout.
type repoFS struct {
	root    string // absolute, symlinks resolved
	disk    filesys.FileSystem
	overlay map[string][]byte
}

var _ filesys.FileSystem = (*repoFS)(nil)

func newRepoFS(root string) *repoFS {
	return &repoFS{root: root, disk: filesys.MakeFsOnDisk(), overlay: map[string][]byte{}}
}

// outsideError names the refused path, never its content.
type outsideError struct{ path string }

func (e *outsideError) Error() string {
	return fmt.Sprintf("%s resolves outside the repository", e.path)
}

// resolve returns the real path of p, refusing any that leaves the root,
// whether by `..` or through a symlink. A missing path inside the root
// yields an error satisfying errors.Is(err, fs.ErrNotExist).
func (f *repoFS) resolve(p string) (string, error) {
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", err
	}
	real, err := filepath.EvalSymlinks(abs)
	if errors.Is(err, fs.ErrNotExist) {
		if !within(f.root, abs) {
			return "", &outsideError{path: f.display(abs)}
		}
		return "", fmt.Errorf("%s: %w", p, fs.ErrNotExist)
	}
	if err != nil {
		return "", err
	}
	if !within(f.root, real) {
		return "", &outsideError{path: f.display(abs)}
	}
	return real, nil
}

// display shows an absolute path relative to the repository root, so that
// errors name neither the checkout location nor other host paths.
func (f *repoFS) display(abs string) string {
	if rel, err := filepath.Rel(f.root, abs); err == nil {
		return filepath.ToSlash(rel)
	}
	return abs
}

// within reports whether path is root or below it (both absolute, clean).
func within(root, path string) bool {
	rel, err := filepath.Rel(root, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) &&
		!filepath.IsAbs(rel)
}

func (f *repoFS) overlaid(p string) ([]byte, bool) {
	abs, err := filepath.Abs(p)
	if err != nil {
		return nil, false
	}
	data, ok := f.overlay[abs]
	return data, ok
}

func (f *repoFS) Create(string) (filesys.File, error) { return nil, errReadOnly }
func (f *repoFS) Mkdir(string) error                  { return errReadOnly }
func (f *repoFS) MkdirAll(string) error               { return errReadOnly }
func (f *repoFS) RemoveAll(string) error              { return errReadOnly }
func (f *repoFS) WriteFile(string, []byte) error      { return errReadOnly }

func (f *repoFS) Open(p string) (filesys.File, error) {
	if data, ok := f.overlaid(p); ok {
		mem := filesys.MakeFsInMemory()
		if err := mem.WriteFile("/overlay", data); err != nil {
			return nil, err
		}
		return mem.Open("/overlay")
	}
	real, err := f.resolve(p)
	if err != nil {
		return nil, err
	}
	return f.disk.Open(real)
}

func (f *repoFS) IsDir(p string) bool {
	if _, ok := f.overlaid(p); ok {
		return false
	}
	real, err := f.resolve(p)
	return err == nil && f.disk.IsDir(real)
}

func (f *repoFS) ReadDir(p string) ([]string, error) {
	real, err := f.resolve(p)
	if err != nil {
		return nil, err
	}
	return f.disk.ReadDir(real)
}

// CleanedAbs splits a path into its real directory and file name, as the
// on-disk filesystem does, after the containment check.
func (f *repoFS) CleanedAbs(p string) (filesys.ConfirmedDir, string, error) {
	if _, ok := f.overlaid(p); ok {
		abs, _ := filepath.Abs(p)
		return filesys.ConfirmedDir(filepath.Dir(abs)), filepath.Base(abs), nil
	}
	real, err := f.resolve(p)
	if err != nil {
		return "", "", err
	}
	if f.disk.IsDir(real) {
		return filesys.ConfirmedDir(real), "", nil
	}
	return filesys.ConfirmedDir(filepath.Dir(real)), filepath.Base(real), nil
}

func (f *repoFS) Exists(p string) bool {
	if _, ok := f.overlaid(p); ok {
		return true
	}
	real, err := f.resolve(p)
	return err == nil && f.disk.Exists(real)
}

// Glob matches on disk and keeps only matches inside the repository.
func (f *repoFS) Glob(pattern string) ([]string, error) {
	matches, err := f.disk.Glob(pattern)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, m := range matches {
		if _, err := f.resolve(m); err == nil {
			out = append(out, m)
		}
	}
	return out, nil
}

func (f *repoFS) ReadFile(p string) ([]byte, error) {
	if data, ok := f.overlaid(p); ok {
		return append([]byte(nil), data...), nil
	}
	real, err := f.resolve(p)
	if err != nil {
		return nil, err
	}
	return f.disk.ReadFile(real)
}

// Walk walks the real directory; it does not follow symlinks, and whatever
// the walk function then reads goes through the checks above.
func (f *repoFS) Walk(p string, fn filepath.WalkFunc) error {
	real, err := f.resolve(p)
	if err != nil {
		return err
	}
	return f.disk.Walk(real, fn)
}
