package directory

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"path/filepath"
	"strings"

	"github.com/google/go-jsonnet"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"flotilla.dev/flotilla/internal/object"
)

// Jsonnet mirrors an Application's `source.directory.jsonnet`.
type Jsonnet struct {
	ExtVars []Var
	TLAs    []Var
	// Libs are extra import paths, relative to the repository root (a
	// leading slash also means the repository root).
	Libs []string
}

// Var is an external variable or top-level argument: a string, or jsonnet
// code when Code is set.
type Var struct {
	Name, Value string
	Code        bool
}

// jsonnetEval evaluates the `.jsonnet` files of one render.
type jsonnetEval struct {
	root   string   // absolute, symlinks resolved
	jpaths []string // repository-relative; the app path first
	opts   Jsonnet
}

// jsonnetFor prepares jsonnet evaluation with paths relative to the
// repository (which also keeps the checkout location out of std.thisFile
// and error messages).
func jsonnetFor(repoRoot, appPath string, opts Jsonnet) (*jsonnetEval, error) {
	root, err := filepath.EvalSymlinks(repoRoot)
	if err != nil {
		return nil, fmt.Errorf("repository root: %w", err)
	}
	if root, err = filepath.Abs(root); err != nil {
		return nil, fmt.Errorf("repository root: %w", err)
	}
	app, err := filepath.EvalSymlinks(appPath)
	if err != nil {
		return nil, fmt.Errorf("app path: %w", err)
	}
	if app, err = filepath.Abs(app); err != nil {
		return nil, fmt.Errorf("app path: %w", err)
	}
	appRel, err := filepath.Rel(root, app)
	if err != nil {
		return nil, fmt.Errorf("app path: %w", err)
	}
	return newJsonnetEval(root, filepath.ToSlash(appRel), opts)
}

// newJsonnetEval resolves the import search path: the app path, then the
// libraries, each of which must lie inside the repository.
func newJsonnetEval(root, appRel string, opts Jsonnet) (*jsonnetEval, error) {
	jpaths := []string{appRel}
	for _, lib := range opts.Libs {
		rel := path.Clean(filepath.ToSlash(lib))
		if path.IsAbs(rel) {
			// Argo CD joins an absolute library path to the repository root.
			rel = path.Clean("." + rel)
		}
		if escapes(rel) {
			return nil, fmt.Errorf("jsonnet library %s resolves outside the repository", lib)
		}
		real, err := filepath.EvalSymlinks(filepath.Join(root, filepath.FromSlash(rel)))
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("jsonnet library %s: %w", lib, withoutPath(err))
		}
		if err == nil && !inside(root, real) {
			return nil, fmt.Errorf("jsonnet library %s resolves outside the repository", lib)
		}
		jpaths = append(jpaths, rel)
	}
	return &jsonnetEval{root: root, jpaths: jpaths, opts: opts}, nil
}

// evaluateHere runs one file (repository-relative) in a fresh VM of this
// process, as Argo CD does, and returns its JSON output. Only the child
// process calls it (see evaluateAll).
func (e *jsonnetEval) evaluateHere(file string) (string, error) {
	vm := jsonnet.MakeVM()
	for _, v := range e.opts.TLAs {
		if v.Code {
			vm.TLACode(v.Name, v.Value)
		} else {
			vm.TLAVar(v.Name, v.Value)
		}
	}
	for _, v := range e.opts.ExtVars {
		if v.Code {
			vm.ExtCode(v.Name, v.Value)
		} else {
			vm.ExtVar(v.Name, v.Value)
		}
	}
	vm.Importer(newRepoImporter(e.root, e.jpaths))
	return vm.EvaluateFile(file)
}

// objects decodes the output of the file at rel (relative to the app
// path): an object, an array of objects or a List.
func (b *jsonnetBatch) objects(rel string) ([]*unstructured.Unstructured, error) {
	file, out, err := b.result(rel)
	if err != nil {
		return nil, err
	}
	objs, err := decodeJsonnetOutput(out)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return objs, nil
}

func decodeJsonnetOutput(out string) ([]*unstructured.Unstructured, error) {
	trimmed := strings.TrimSpace(out)
	switch {
	case trimmed == "null":
		return nil, nil
	case strings.HasPrefix(trimmed, "["):
		var items []json.RawMessage
		if err := json.Unmarshal([]byte(trimmed), &items); err != nil {
			return nil, fmt.Errorf("jsonnet output: %w", err)
		}
		var objs []*unstructured.Unstructured
		for i, item := range items {
			if string(item) == "null" {
				continue
			}
			if !strings.HasPrefix(strings.TrimSpace(string(item)), "{") {
				return nil, fmt.Errorf("jsonnet output item %d is not an object", i)
			}
			decoded, err := object.Decode(item)
			if err != nil {
				return nil, fmt.Errorf("jsonnet output item %d: %w", i, err)
			}
			objs = append(objs, decoded...)
		}
		return objs, nil
	case strings.HasPrefix(trimmed, "{"):
		objs, err := object.Decode([]byte(trimmed))
		if err != nil {
			return nil, fmt.Errorf("jsonnet output: %w", err)
		}
		return objs, nil
	default:
		return nil, errors.New("jsonnet output is neither an object nor an array")
	}
}
