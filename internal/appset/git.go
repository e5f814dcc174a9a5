package appset

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"sigs.k8s.io/yaml"

	"flotilla.dev/flotilla/api/v1alpha1"
)

// gitParams runs a git generator: its directories when it lists any,
// otherwise its files.
func (g *generation) gitParams(gen *v1alpha1.GitGenerator) ([]map[string]any, error) {
	switch {
	case len(gen.Directories) != 0:
		return g.gitDirectoryParams(gen)
	case len(gen.Files) != 0:
		return g.gitFileParams(gen)
	}
	return nil, errors.New("git generator lists neither directories nor files")
}

// checkout checks out repoURL at revision once per pass and returns the
// checkout's real path.
func (g *generation) checkout(repoURL, revision string) (string, error) {
	if g.env.Git == nil {
		return "", errors.New("no git client")
	}
	key := repoURL + "\x00" + revision
	if dir, ok := g.checkouts[key]; ok {
		return dir, nil
	}
	dir, _, err := g.env.Git.Checkout(g.ctx, repoURL, revision, g.env.Refresh)
	if err != nil {
		return "", fmt.Errorf("check out %s at %q: %w", repoURL, revision, err)
	}
	root, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return "", fmt.Errorf("check out %s at %q: %w", repoURL, revision, err)
	}
	g.checkouts[key] = root
	return root, nil
}

// gitDirectoryParams is one parameter set per directory of the checkout
// that matches an include pattern and no exclude pattern.
func (g *generation) gitDirectoryParams(gen *v1alpha1.GitGenerator) ([]map[string]any, error) {
	root, err := g.checkout(gen.RepoURL, gen.Revision)
	if err != nil {
		return nil, err
	}
	all, err := listDirectories(root)
	if err != nil {
		return nil, fmt.Errorf("list directories of %s: %w", gen.RepoURL, err)
	}
	dirs, err := filterDirectories(gen.Directories, all)
	if err != nil {
		return nil, err
	}
	res := make([]map[string]any, 0, len(dirs))
	for _, dir := range dirs {
		p := map[string]any{}
		addPathParams(p, dir, "", gen.PathParamPrefix, g.goTemplate)
		if err := g.appendValues(p, gen.Values); err != nil {
			return nil, fmt.Errorf("directory %s: %w", dir, err)
		}
		res = append(res, p)
	}
	return res, nil
}

// listDirectories lists the directories under root, depth first in
// lexical order, as slash-separated relative paths. Hidden directories
// (.git among them) and their subtrees are skipped; symbolic links are
// not followed.
func listDirectories(root string) ([]string, error) {
	var dirs []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() || p == root {
			return nil
		}
		if strings.HasPrefix(d.Name(), ".") {
			return filepath.SkipDir
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		dirs = append(dirs, filepath.ToSlash(rel))
		return nil
	})
	return dirs, err
}

// filterDirectories keeps the directories some include pattern matches
// and no exclude pattern does, whatever the patterns' order.
func filterDirectories(items []v1alpha1.GitDirectoryGeneratorItem, all []string) ([]string, error) {
	for _, item := range items {
		if _, err := path.Match(item.Path, ""); err != nil {
			return nil, fmt.Errorf("directory pattern %q: %w", item.Path, err)
		}
	}
	var res []string
	for _, dir := range all {
		include, exclude := false, false
		for _, item := range items {
			if ok, _ := path.Match(item.Path, dir); ok {
				include = include || !item.Exclude
				exclude = exclude || item.Exclude
			}
		}
		if include && !exclude {
			res = append(res, dir)
		}
	}
	return res, nil
}

// gitFileParams is the parameter sets of every file an include pattern
// matches and no exclude pattern does, in path order.
func (g *generation) gitFileParams(gen *v1alpha1.GitGenerator) ([]map[string]any, error) {
	root, err := g.checkout(gen.RepoURL, gen.Revision)
	if err != nil {
		return nil, err
	}
	all, err := listFiles(root)
	if err != nil {
		return nil, fmt.Errorf("list files of %s: %w", gen.RepoURL, err)
	}
	var res []map[string]any
	for _, file := range selectFiles(gen.Files, all) {
		sets, err := g.fileParamSets(root, file, gen)
		if err != nil {
			return nil, fmt.Errorf("file %s of %s: %w", file, gen.RepoURL, err)
		}
		res = append(res, sets...)
	}
	return res, nil
}

// listFiles lists the files (and symbolic links) under root as sorted
// slash-separated relative paths, leaving out .git.
func listFiles(root string) ([]string, error) {
	var files []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if d.Name() == ".git" && p != root {
				return filepath.SkipDir
			}
			return nil
		}
		if d.Name() == ".git" {
			return nil
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		files = append(files, filepath.ToSlash(rel))
		return nil
	})
	slices.Sort(files)
	return files, err
}

// selectFiles is the union of the files the include patterns match, less
// those an exclude pattern matches, sorted.
func selectFiles(items []v1alpha1.GitFileGeneratorItem, all []string) []string {
	selected := map[string]bool{}
	for _, item := range items {
		if item.Exclude {
			continue
		}
		spec := newPathspec(item.Path)
		for _, f := range all {
			if spec.match(f) {
				selected[f] = true
			}
		}
	}
	for _, item := range items {
		if !item.Exclude {
			continue
		}
		spec := newPathspec(item.Path)
		for f := range selected {
			if spec.match(f) {
				delete(selected, f)
			}
		}
	}
	return slices.Sorted(maps.Keys(selected))
}

// fileParamSets parses a YAML or JSON file holding one object or a list
// of objects into one parameter set per object.
func (g *generation) fileParamSets(root, file string, gen *v1alpha1.GitGenerator) ([]map[string]any, error) {
	data, err := readInside(root, file)
	if err != nil {
		return nil, err
	}
	objects, err := parseObjects(data)
	if err != nil {
		return nil, err
	}
	res := make([]map[string]any, 0, len(objects))
	for _, obj := range objects {
		p := map[string]any{}
		if g.goTemplate {
			maps.Copy(p, obj)
		} else {
			for k, v := range FlattenParams(obj) {
				p[k] = v
			}
		}
		addPathParams(p, path.Dir(file), path.Base(file), gen.PathParamPrefix, g.goTemplate)
		if err := g.appendValues(p, gen.Values); err != nil {
			return nil, err
		}
		res = append(res, p)
	}
	return res, nil
}

// readInside reads root/file, refusing a symbolic link that leads out of
// root.
func readInside(root, file string) ([]byte, error) {
	full := filepath.Join(root, filepath.FromSlash(file))
	resolved, err := filepath.EvalSymlinks(full)
	if err != nil {
		return nil, err
	}
	rel, err := filepath.Rel(root, resolved)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return nil, errors.New("links outside the repository")
	}
	return os.ReadFile(resolved)
}

// parseObjects reads one object, or a list of objects, from YAML or JSON.
// An empty file is one empty object.
func parseObjects(data []byte) ([]map[string]any, error) {
	var obj map[string]any
	if err := yaml.Unmarshal(data, &obj); err == nil {
		return []map[string]any{obj}, nil
	}
	var list []map[string]any
	if err := yaml.Unmarshal(data, &list); err != nil {
		return nil, fmt.Errorf("parse: want an object or a list of objects: %w", err)
	}
	return list, nil
}

// addPathParams adds the path parameters of directory dir, and of file
// (its base name) when not empty: path, path.basename,
// path.basenameNormalized, path.filename, path.filenameNormalized and the
// segments, as path[n] with fasttemplate and path.segments with Go
// templates, all under prefix when set.
func addPathParams(p map[string]any, dir, file, prefix string, goTemplate bool) {
	base := path.Base(dir)
	fields := map[string]string{
		"path":               dir,
		"basename":           base,
		"basenameNormalized": SanitizeName(base),
	}
	if file != "" {
		fields["filename"] = file
		fields["filenameNormalized"] = SanitizeName(file)
	}
	segments := strings.Split(dir, "/")
	if goTemplate {
		nested := map[string]any{"segments": segments}
		for k, v := range fields {
			nested[k] = v
		}
		if prefix != "" {
			p[prefix] = map[string]any{"path": nested}
		} else {
			p["path"] = nested
		}
		return
	}
	name := "path"
	if prefix != "" {
		name = prefix + ".path"
	}
	for k, v := range fields {
		if k == "path" {
			p[name] = v
		} else {
			p[name+"."+k] = v
		}
	}
	for i, s := range segments {
		if s != "" {
			p[name+"["+strconv.Itoa(i)+"]"] = s
		}
	}
}

// pathspec matches repository paths as `git ls-files -- <pattern>` does,
// which is how Argo CD lists a git files generator's files: a pattern
// without wildcards names a file or a directory (all files under it); a
// pattern with wildcards matches whole paths, `*` and `?` crossing `/`.
type pathspec struct {
	all     bool
	literal string
	glob    *regexp.Regexp
}

// newPathspec compiles a files generator's path pattern.
func newPathspec(pattern string) pathspec {
	for strings.HasPrefix(pattern, "./") {
		pattern = pattern[2:]
	}
	if pattern == "" || pattern == "." {
		return pathspec{all: true}
	}
	ps := pathspec{literal: pattern}
	if strings.ContainsAny(pattern, `*?[\`) {
		ps.glob, _ = globRegexp(pattern) // a malformed pattern matches nothing, as in git
	}
	return ps
}

// match reports whether the file at slash-separated path name matches.
func (ps pathspec) match(name string) bool {
	switch {
	case ps.all || name == ps.literal:
		return true
	case strings.HasPrefix(name, ps.literal) &&
		(strings.HasSuffix(ps.literal, "/") || name[len(ps.literal)] == '/'):
		return true
	}
	return ps.glob != nil && ps.glob.MatchString(name)
}

// globRegexp translates a git wildmatch pattern, matched without
// WM_PATHNAME, into a regular expression.
func globRegexp(glob string) (*regexp.Regexp, error) {
	var b strings.Builder
	b.WriteString(`^(?s:`)
	for i := 0; i < len(glob); i++ {
		switch c := glob[i]; c {
		case '*':
			b.WriteString(`.*`)
		case '?':
			b.WriteString(`.`)
		case '\\':
			if i+1 == len(glob) {
				return nil, errors.New("trailing backslash")
			}
			i++
			b.WriteString(regexp.QuoteMeta(glob[i : i+1]))
		case '[':
			end := classEnd(glob, i)
			if end < 0 {
				return nil, errors.New("unterminated character class")
			}
			b.WriteString(classRegexp(glob[i+1 : end]))
			i = end
		default:
			b.WriteString(regexp.QuoteMeta(glob[i : i+1]))
		}
	}
	b.WriteString(`)$`)
	return regexp.Compile(b.String())
}

// classEnd is the index of the `]` closing the class opened at glob[open],
// or -1.
func classEnd(glob string, open int) int {
	i := open + 1
	if i < len(glob) && (glob[i] == '!' || glob[i] == '^') {
		i++
	}
	if i < len(glob) && glob[i] == ']' {
		i++
	}
	for i < len(glob) {
		switch {
		case glob[i] == '\\':
			i += 2
			continue
		case strings.HasPrefix(glob[i:], "[:"):
			if k := strings.Index(glob[i+2:], ":]"); k >= 0 {
				i += k + 4
				continue
			}
		case glob[i] == ']':
			return i
		}
		i++
	}
	return -1
}

// classRegexp translates the inside of a wildmatch character class.
func classRegexp(body string) string {
	var b strings.Builder
	b.WriteByte('[')
	if body != "" && (body[0] == '!' || body[0] == '^') {
		b.WriteByte('^')
		body = body[1:]
	}
	for i := 0; i < len(body); i++ {
		c := body[i]
		switch {
		case c == '\\' && i+1 < len(body):
			i++
			b.WriteString(classChar(body[i]))
		case strings.HasPrefix(body[i:], "[:") && strings.Contains(body[i+2:], ":]"):
			k := strings.Index(body[i+2:], ":]")
			b.WriteString(body[i : i+k+4])
			i += k + 3
		case c == '-' && i > 0 && i+1 < len(body):
			b.WriteByte('-')
		default:
			b.WriteString(classChar(c))
		}
	}
	b.WriteByte(']')
	return b.String()
}

// classChar is one literal character inside a regexp character class.
func classChar(c byte) string {
	if strings.IndexByte(`\]-[^`, c) >= 0 {
		return `\` + string(c)
	}
	return string(c)
}
