package directory

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"

	"flotilla.dev/flotilla/internal/object"
	"flotilla.dev/flotilla/internal/safeglob"
)

// Options mirror an Application's `source.directory`.
type Options struct {
	Recurse bool
	Include string
	Exclude string
	// MaxTotalBytes bounds the combined size of all manifest files; 0 means
	// the default of 64 MiB. As in Argo CD, `.jsonnet` files do not count.
	MaxTotalBytes int64
	// Jsonnet configures the evaluation of `.jsonnet` files.
	Jsonnet Jsonnet
}

// skipMarker in a file excludes it from rendering, as in Argo CD.
const skipMarker = "+argocd:skip-file-rendering"

const defaultMaxTotalBytes = 64 << 20

var manifestFile = regexp.MustCompile(`^.*\.(yaml|yml|json|jsonnet)$`)

// Render reads the manifests below appPath, which must lie inside repoRoot.
// Objects come back in file order (lexical path order), then document order.
func Render(repoRoot, appPath string, opts Options) ([]*unstructured.Unstructured, error) {
	return RenderContext(context.Background(), repoRoot, appPath, opts)
}

// RenderContext is Render; ctx bounds the evaluation of jsonnet.
func RenderContext(ctx context.Context, repoRoot, appPath string, opts Options) ([]*unstructured.Unstructured, error) {
	matchers, err := compileGlobs(opts)
	if err != nil {
		return nil, err
	}
	if err := checkInside(repoRoot, appPath); err != nil {
		return nil, err
	}
	files, err := findFiles(repoRoot, appPath, opts.Recurse, matchers)
	if err != nil {
		return nil, err
	}
	limit := opts.MaxTotalBytes
	if limit == 0 {
		limit = defaultMaxTotalBytes
	}
	if err := checkSize(files, limit); err != nil {
		return nil, err
	}
	jsonnetFiles, err := jsonnetToEvaluate(files)
	if err != nil {
		return nil, err
	}
	var objs []*unstructured.Unstructured
	var evaluated *jsonnetBatch
	for _, f := range files {
		if isJsonnet(f.rel) {
			if !slices.Contains(jsonnetFiles, f.rel) {
				continue
			}
			if evaluated == nil {
				js, err := jsonnetFor(repoRoot, appPath, opts.Jsonnet)
				if err != nil {
					return nil, err
				}
				evaluated = js.evaluateAll(ctx, jsonnetFiles)
			}
			fileObjs, err := evaluated.objects(f.rel)
			if err != nil {
				return nil, err
			}
			objs = append(objs, fileObjs...)
			continue
		}
		data, err := os.ReadFile(f.real)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", f.rel, err)
		}
		fileObjs, err := decodeFile(f.rel, data)
		if err != nil {
			return nil, err
		}
		objs = append(objs, fileObjs...)
	}
	return objs, nil
}

// checkSize fails when the manifest files other than `.jsonnet` ones are
// larger than limit together, naming the file that crosses it, before any
// is read.
func checkSize(files []manifest, limit int64) error {
	var total int64
	for _, f := range files {
		if isJsonnet(f.rel) {
			continue
		}
		info, err := os.Stat(f.real)
		if err != nil {
			return fmt.Errorf("read %s: %w", f.rel, withoutPath(err))
		}
		if total += info.Size(); total > limit {
			return fmt.Errorf("manifests exceed the size limit of %d bytes at %s", limit, f.rel)
		}
	}
	return nil
}

// jsonnetToEvaluate lists the `.jsonnet` files without the skip marker, in
// order, to evaluate them in one child process.
func jsonnetToEvaluate(files []manifest) ([]string, error) {
	var out []string
	for _, f := range files {
		if !isJsonnet(f.rel) {
			continue
		}
		data, err := os.ReadFile(f.real)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", f.rel, err)
		}
		if !bytes.Contains(data, []byte(skipMarker)) {
			out = append(out, f.rel)
		}
	}
	return out, nil
}

func isJsonnet(name string) bool { return strings.HasSuffix(name, ".jsonnet") }

type matchers struct {
	include, exclude *safeglob.Glob
	opts             Options // for errors
}

func compileGlobs(opts Options) (matchers, error) {
	m := matchers{opts: opts}
	if opts.Include != "" {
		g, err := safeglob.Compile(opts.Include)
		if err != nil {
			return m, fmt.Errorf("directory include %q: %w", opts.Include, err)
		}
		m.include = &g
	}
	if opts.Exclude != "" {
		g, err := safeglob.Compile(opts.Exclude)
		if err != nil {
			return m, fmt.Errorf("directory exclude %q: %w", opts.Exclude, err)
		}
		m.exclude = &g
	}
	return m, nil
}

func (m matchers) selects(rel string) (bool, error) {
	if m.exclude != nil {
		excluded, err := m.exclude.Match(rel)
		if err != nil {
			return false, fmt.Errorf("directory exclude %q: %w", m.opts.Exclude, err)
		}
		if excluded {
			return false, nil
		}
	}
	if m.include == nil {
		return true, nil
	}
	included, err := m.include.Match(rel)
	if err != nil {
		return false, fmt.Errorf("directory include %q: %w", m.opts.Include, err)
	}
	return included, nil
}

type manifest struct {
	rel  string // path relative to the app path, with forward slashes
	real string // path to read (symlinks resolved)
}

func findFiles(repoRoot, appPath string, recurse bool, m matchers) ([]manifest, error) {
	var out []manifest
	err := filepath.WalkDir(appPath, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != appPath && (!recurse || d.Name() == ".git") {
				return filepath.SkipDir
			}
			return nil
		}
		rel, err := filepath.Rel(appPath, path)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if !manifestFile.MatchString(d.Name()) {
			return nil
		}
		if selected, err := m.selects(rel); err != nil || !selected {
			return err
		}
		real, ok, err := resolveFile(repoRoot, path, rel, d)
		if err != nil || !ok {
			return err
		}
		out = append(out, manifest{rel: rel, real: real})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("walk %s: %w", filepath.Base(appPath), err)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].rel < out[j].rel })
	return out, nil
}

// resolveFile follows a symlink and refuses one that leaves the repository.
// ok is false for files to skip silently (dangling links, non-regular files).
func resolveFile(repoRoot, path, rel string, d fs.DirEntry) (string, bool, error) {
	if d.Type()&fs.ModeSymlink == 0 {
		return path, d.Type().IsRegular(), nil
	}
	real, err := filepath.EvalSymlinks(path)
	if errors.Is(err, fs.ErrNotExist) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("symlink %s: %w", rel, err)
	}
	if err := checkInside(repoRoot, real); err != nil {
		return "", false, fmt.Errorf("symlink %s: %w", rel, err)
	}
	info, err := os.Stat(real)
	if err != nil {
		return "", false, fmt.Errorf("symlink %s: %w", rel, err)
	}
	return real, info.Mode().IsRegular(), nil
}

// checkInside fails when path (after resolving symlinks) is not repoRoot or
// below it.
func checkInside(repoRoot, path string) error {
	root, err := filepath.EvalSymlinks(repoRoot)
	if err != nil {
		return fmt.Errorf("repository root: %w", err)
	}
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		return fmt.Errorf("path %s: %w", filepath.Base(path), err)
	}
	rel, err := filepath.Rel(root, real)
	if err != nil || rel == ".." || strings.HasPrefix(rel, "../") {
		return errors.New("resolves outside the repository")
	}
	return nil
}

func decodeFile(rel string, data []byte) ([]*unstructured.Unstructured, error) {
	if bytes.Contains(data, []byte(skipMarker)) {
		return nil, nil
	}
	if strings.HasSuffix(rel, ".json") {
		return decodeJSON(rel, data)
	}
	objs, err := object.DecodeStrict(data)
	if err == nil {
		return objs, nil
	}
	// Like Argo CD: a YAML file that is not a manifest at all (a values
	// file, a CI config) is ignored; one that looks like a manifest is an
	// error naming the file.
	if looksLikeManifest(data) {
		return nil, fmt.Errorf("%s: %w", rel, err)
	}
	return nil, nil
}

// looksLikeManifest is Argo CD's test (the words apiVersion, kind and
// metadata all appear) or, beyond it, a document whose top level has
// metadata and an apiVersion or a kind: a manifest that lost its kind or
// apiVersion, which Argo CD skips silently, so that the objects it held
// are pruned.
func looksLikeManifest(data []byte) bool {
	hasAPIVersion, hasKind := bytes.Contains(data, []byte("apiVersion")), bytes.Contains(data, []byte("kind"))
	if !bytes.Contains(data, []byte("metadata")) || !hasAPIVersion && !hasKind {
		return false
	}
	return hasAPIVersion && hasKind || hasManifestDocument(data)
}

// hasManifestDocument reports whether a YAML document of data is a mapping
// with a mapping under metadata and an apiVersion or a kind.
func hasManifestDocument(data []byte) bool {
	if len(data) > object.DefaultLimits.MaxBytes {
		return false
	}
	reader := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	for {
		doc, err := reader.Read()
		if err != nil {
			return false
		}
		var top map[string]any
		if yaml.Unmarshal(doc, &top) != nil {
			continue
		}
		_, isMap := top["metadata"].(map[string]any)
		_, hasAPIVersion := top["apiVersion"]
		_, hasKind := top["kind"]
		if isMap && (hasAPIVersion || hasKind) {
			return true
		}
	}
}

// decodeJSON accepts exactly one JSON value per file, as Argo CD does.
func decodeJSON(rel string, data []byte) ([]*unstructured.Unstructured, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	var first json.RawMessage
	if err := dec.Decode(&first); err != nil {
		return nil, fmt.Errorf("%s: parse: %w", rel, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%s: found more than one object; a JSON file holds one", rel)
	}
	objs, err := object.DecodeStrict(first)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", rel, err)
	}
	return objs, nil
}
