package directory

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/google/go-jsonnet"
)

// repoImporter resolves jsonnet imports the way go-jsonnet's FileImporter
// does (first relative to the importing file, then the library paths from
// last to first), over repository-relative paths. Every candidate must
// resolve, symlinks followed, inside the repository: one that does not is
// an error, and its file is never read.
type repoImporter struct {
	root   string   // absolute, symlinks resolved
	jpaths []string // repository-relative, slash-separated
	cache  map[string]*importEntry
}

type importEntry struct {
	found    bool
	contents jsonnet.Contents
}

var _ jsonnet.Importer = (*repoImporter)(nil)

func newRepoImporter(root string, jpaths []string) *repoImporter {
	return &repoImporter{root: root, jpaths: jpaths, cache: map[string]*importEntry{}}
}

// Import implements jsonnet.Importer; foundAt is repository-relative.
func (im *repoImporter) Import(importedFrom, importedPath string) (jsonnet.Contents, string, error) {
	dir := ""
	if importedFrom != "" {
		dir = path.Dir(importedFrom)
	}
	found, contents, at, err := im.try(dir, importedPath)
	for i := len(im.jpaths) - 1; err == nil && !found && i >= 0; i-- {
		found, contents, at, err = im.try(im.jpaths[i], importedPath)
	}
	if err != nil {
		return jsonnet.Contents{}, "", err
	}
	if !found {
		return jsonnet.Contents{}, "", fmt.Errorf(
			"couldn't open import %q: no match locally or in the Jsonnet library paths", importedPath)
	}
	return contents, at, nil
}

func (im *repoImporter) try(dir, importedPath string) (bool, jsonnet.Contents, string, error) {
	if path.IsAbs(importedPath) || filepath.IsAbs(importedPath) {
		return false, jsonnet.Contents{}, "", fmt.Errorf("import %q: absolute paths are outside the repository", importedPath)
	}
	rel := path.Join(dir, importedPath)
	if escapes(rel) {
		return false, jsonnet.Contents{}, "", fmt.Errorf("import %q resolves outside the repository", importedPath)
	}
	if e, ok := im.cache[rel]; ok {
		return e.found, e.contents, rel, nil
	}
	e, err := im.read(rel, importedPath)
	if err != nil {
		return false, jsonnet.Contents{}, "", err
	}
	im.cache[rel] = e
	return e.found, e.contents, rel, nil
}

func (im *repoImporter) read(rel, importedPath string) (*importEntry, error) {
	real, err := filepath.EvalSymlinks(filepath.Join(im.root, filepath.FromSlash(rel)))
	if errors.Is(err, fs.ErrNotExist) {
		return &importEntry{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("import %q: %w", importedPath, withoutPath(err))
	}
	if !inside(im.root, real) {
		return nil, fmt.Errorf("import %q resolves outside the repository", importedPath)
	}
	data, err := os.ReadFile(real)
	if err != nil {
		return nil, fmt.Errorf("import %q: read %s: %w", importedPath, rel, withoutPath(err))
	}
	return &importEntry{found: true, contents: jsonnet.MakeContentsRaw(data)}, nil
}

// escapes reports whether a clean slash path climbs above its base.
func escapes(rel string) bool {
	return rel == ".." || strings.HasPrefix(rel, "../")
}

// inside reports whether the absolute path real is root or below it.
func inside(root, real string) bool {
	rel, err := filepath.Rel(root, real)
	return err == nil && !escapes(filepath.ToSlash(rel))
}

// withoutPath drops the host path from a file error; callers name the file
// by its repository path instead.
func withoutPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
