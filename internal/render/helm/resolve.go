package helm

import (
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/bmatcuk/doublestar/v4"
)

// ResolveValueFiles resolves spec.source.helm.valueFiles with Argo CD's
// rules and no build environment; see Resolver.
func ResolveValueFiles(repoRoot, appPath string, files []string, refs map[string]string, ignoreMissing bool) ([]string, error) {
	r := Resolver{RepoRoot: repoRoot, AppPath: appPath, Refs: refs, IgnoreMissing: ignoreMissing}
	return r.ValueFiles(files)
}

// Resolver turns valueFiles and fileParameters paths into absolute paths
// the way Argo CD's repo server does:
//
//   - a relative path is relative to AppPath, an absolute one to RepoRoot;
//   - "$name/path" is relative to the root of the ref source name (Refs
//     maps ref names, with or without the "$", to directories); a "$name"
//     that is no ref source is an ordinary path after environment
//     substitution, as in Argo CD;
//   - build environment variables ($VAR, ${VAR}) are substituted, unknown
//     ones with "";
//   - a path with *, ? or [ is a glob (** crosses directories), expanded in
//     lexical order; a file that is also listed explicitly keeps its
//     explicit position instead, and every file is used once;
//   - http(s) URLs are refused for now, other URL schemes always;
//   - whatever resolves — through "..", an absolute path or a symlink —
//     outside its repository is refused and never read;
//   - a missing file is an error unless IgnoreMissing, which skips it (and
//     globs matching nothing).
type Resolver struct {
	RepoRoot      string
	AppPath       string
	Refs          map[string]string
	Env           map[string]string
	IgnoreMissing bool
}

// resolved is one entry after ref, environment and path resolution.
type resolved struct {
	path string // absolute, cleaned; symlinks not yet followed
	root string // the repository it must stay in
	glob bool
}

// ValueFiles resolves valueFiles entries to existing files, in order.
func (r Resolver) ValueFiles(files []string) ([]string, error) {
	explicit := map[string]bool{}
	entries := make([]resolved, len(files))
	for i, raw := range files {
		e, err := r.resolveRaw("value file", raw)
		if err != nil {
			return nil, err
		}
		entries[i] = e
		if !e.glob {
			if real, ok, err := realPathInside(e.root, e.path); err == nil && ok {
				explicit[real] = true
			}
		}
	}

	var out []string
	seen := map[string]bool{}
	add := func(p string) {
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	for i, raw := range files {
		e := entries[i]
		if e.glob {
			matches, err := r.expandGlob(raw, e)
			if err != nil {
				return nil, err
			}
			for _, m := range matches {
				if !explicit[m] {
					add(m)
				}
			}
			continue
		}
		real, ok, err := realPathInside(e.root, e.path)
		if err != nil {
			return nil, pathError("value file", raw, err)
		}
		if !ok {
			if r.IgnoreMissing {
				continue
			}
			return nil, fmt.Errorf("value file %q not found", raw)
		}
		add(real)
	}
	return out, nil
}

// File resolves a fileParameters path. Like Argo CD it expands no glob and
// does not require the file to exist (reading it fails later), but it never
// returns a path outside the repository.
func (r Resolver) File(raw string) (string, error) {
	e, err := r.resolveRaw("file parameter", raw)
	if err != nil {
		return "", err
	}
	real, ok, err := realPathInside(e.root, e.path)
	if err != nil {
		return "", pathError("file parameter", raw, err)
	}
	if !ok {
		return e.path, nil
	}
	return real, nil
}

// resolveRaw applies ref, environment and URL rules and joins the path to
// its base, checking that it stays inside its repository lexically.
func (r Resolver) resolveRaw(what, raw string) (resolved, error) {
	if refName, refPath, ok := r.refOf(raw); ok {
		root := r.refRoot(refName)
		if root == "" {
			return resolved{}, fmt.Errorf("%s %q: ref source %q has no checkout", what, raw, refName)
		}
		if strings.Trim(refPath, "/") == "" {
			return resolved{}, fmt.Errorf("%s %q: no file path after the ref name", what, raw)
		}
		// The leading slash keeps the rest a path, never a URL, and makes
		// it relative to the ref source's root.
		return join(what, raw, root, root, envsubst("/"+refPath, r.Env))
	}
	p := envsubst(raw, r.Env)
	if u, err := url.Parse(p); err == nil && u.Scheme != "" {
		switch strings.ToLower(u.Scheme) {
		case "http", "https":
			return resolved{}, fmt.Errorf("%s %q: remote files (http, https) are not supported yet", what, raw)
		default:
			return resolved{}, fmt.Errorf("%s %q: URL scheme %q is not allowed", what, raw, u.Scheme)
		}
	}
	return join(what, raw, r.RepoRoot, r.AppPath, p)
}

// refOf splits "$name/rest" when name is a ref source.
func (r Resolver) refOf(raw string) (name, rest string, ok bool) {
	if !strings.HasPrefix(raw, "$") {
		return "", "", false
	}
	first, rest, _ := strings.Cut(raw, "/")
	name = strings.TrimPrefix(first, "$")
	if _, ok := r.Refs[name]; ok {
		return name, rest, true
	}
	if _, ok := r.Refs[first]; ok {
		return name, rest, true
	}
	return "", "", false
}

func (r Resolver) refRoot(name string) string {
	if root, ok := r.Refs[name]; ok {
		return root
	}
	return r.Refs["$"+name]
}

// join makes p absolute (relative to base, or to root when absolute) and
// refuses a result that leaves root lexically.
func join(what, raw, root, base, p string) (resolved, error) {
	absRoot, err := filepath.Abs(root)
	if err != nil {
		return resolved{}, fmt.Errorf("%s %q: repository root: %w", what, raw, err)
	}
	var full string
	if filepath.IsAbs(p) {
		full = filepath.Join(absRoot, p)
	} else {
		absBase, err := filepath.Abs(base)
		if err != nil {
			return resolved{}, fmt.Errorf("%s %q: app path: %w", what, raw, err)
		}
		full = filepath.Join(absBase, p)
	}
	if !within(absRoot, full) {
		return resolved{}, pathError(what, raw, errOutside)
	}
	return resolved{path: full, root: absRoot, glob: strings.ContainsAny(full, "*?[")}, nil
}

// expandGlob expands a glob entry; every match must stay inside the
// repository after following symlinks.
func (r Resolver) expandGlob(raw string, e resolved) ([]string, error) {
	matches, err := doublestar.FilepathGlob(e.path)
	if err != nil {
		return nil, fmt.Errorf("value file glob %q: %w", raw, err)
	}
	if len(matches) == 0 {
		if r.IgnoreMissing {
			return nil, nil
		}
		return nil, fmt.Errorf("value file glob %q matched no files", raw)
	}
	out := make([]string, 0, len(matches))
	for _, m := range matches {
		real, ok, err := realPathInside(e.root, m)
		if err != nil {
			return nil, pathError("value file glob", raw, err)
		}
		if ok {
			out = append(out, real)
		}
	}
	return out, nil
}

// errOutside completes messages such as `value file "x" resolves outside
// the repository`.
var errOutside = errors.New("resolves outside the repository")

// pathError names the entry an error is about without any resolved path.
func pathError(what, raw string, err error) error {
	if errors.Is(err, errOutside) {
		return fmt.Errorf("%s %q %w", what, raw, err)
	}
	return fmt.Errorf("%s %q: %w", what, raw, err)
}

// realPathInside follows symlinks in path and reports the real path and
// whether it exists. It fails with errOutside when the real path — or, for
// a missing file, its nearest existing ancestor or a dangling link's
// target — lies outside root. Nothing outside root is ever opened.
func realPathInside(root, path string) (string, bool, error) {
	realRoot, err := realAbs(root)
	if err != nil {
		return "", false, fmt.Errorf("repository root: %w", err)
	}
	if path, err = filepath.Abs(path); err != nil {
		return "", false, err
	}
	real, err := filepath.EvalSymlinks(path)
	if err == nil {
		if !within(realRoot, real) {
			return "", false, errOutside
		}
		return real, true, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return "", false, err
	}
	// Missing: make sure what does exist of it does not point outside.
	if target, ok := danglingTarget(path); ok {
		absRoot, _ := filepath.Abs(root)
		if !within(realRoot, target) && !within(absRoot, target) {
			return "", false, errOutside
		}
		return "", false, nil
	}
	for dir := filepath.Dir(path); ; dir = filepath.Dir(dir) {
		realDir, err := filepath.EvalSymlinks(dir)
		if err == nil {
			if !within(realRoot, realDir) {
				return "", false, errOutside
			}
			return "", false, nil
		}
		if !errors.Is(err, fs.ErrNotExist) || dir == filepath.Dir(dir) {
			return "", false, err
		}
	}
}

// danglingTarget returns where a dangling symlink at path points, following
// at most 10 links lexically.
func danglingTarget(path string) (string, bool) {
	cur := path
	for range 10 {
		fi, err := os.Lstat(cur)
		if err != nil || fi.Mode()&fs.ModeSymlink == 0 {
			return cur, cur != path
		}
		target, err := os.Readlink(cur)
		if err != nil {
			return "", false
		}
		if !filepath.IsAbs(target) {
			target = filepath.Join(filepath.Dir(cur), target)
		}
		cur = filepath.Clean(target)
	}
	return cur, true
}

// realAbs returns the absolute path of p with symlinks followed.
func realAbs(p string) (string, error) {
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", err
	}
	return filepath.EvalSymlinks(abs)
}

// within reports whether path is root or below it (both clean and absolute).
func within(root, path string) bool {
	rel, err := filepath.Rel(root, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}
