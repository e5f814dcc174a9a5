package kustomize

import (
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/kustomize/api/konfig"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/resmap"
	"sigs.k8s.io/kustomize/api/types"
	sigsyaml "sigs.k8s.io/yaml"

	"flotilla.dev/flotilla/internal/object"
)

// Options mirror an Application's `source.kustomize`. Values arrive final:
// Argo CD's environment substitution (`${ARGOCD_APP_NAME}` in images,
// labels, annotations) is the caller's job.
type Options struct {
	NamePrefix, NameSuffix, Namespace string
	// Images are kustomize image overrides as Argo CD passes them to
	// `kustomize edit set image`: "name=newname:tag", "name:tag",
	// "name@digest", "name=newname@digest", "name=newname".
	Images                                      []string
	CommonLabels, CommonAnnotations             map[string]string
	ForceCommonLabels, ForceCommonAnnotations   bool
	LabelWithoutSelector, LabelIncludeTemplates bool
	Replicas                                    []Replica
	// Patches are appended to the kustomization's `patches`.
	Patches []Patch
	// Components are added to the kustomization's `components`; with
	// IgnoreMissingComponents those that do not exist are dropped first.
	Components              []string
	IgnoreMissingComponents bool
	// KubeVersion and APIVersions only reach kustomize when it inflates
	// Helm charts (`--enable-helm`), which flotilla does not enable; they
	// are accepted for parity and otherwise unused.
	KubeVersion string
	APIVersions []string
}

// Replica overrides the replica count of the named resource.
type Replica struct {
	Name  string
	Count int
}

// Patch is one kustomize patch: a file (Path, relative to the
// kustomization) or inline (Patch), strategic merge or JSON 6902.
type Patch struct {
	Path    string          `json:"path,omitempty"`
	Patch   string          `json:"patch,omitempty"`
	Target  *Selector       `json:"target,omitempty"`
	Options map[string]bool `json:"options,omitempty"`
}

// Selector picks the resources a patch applies to.
type Selector struct {
	Group              string `json:"group,omitempty"`
	Version            string `json:"version,omitempty"`
	Kind               string `json:"kind,omitempty"`
	Name               string `json:"name,omitempty"`
	Namespace          string `json:"namespace,omitempty"`
	LabelSelector      string `json:"labelSelector,omitempty"`
	AnnotationSelector string `json:"annotationSelector,omitempty"`
}

// kyaml's OpenAPI schema is process-wide and every build sets it (a
// kustomization's `openapi` field replaces it), so builds run one at a time
// lest one build use another's schema; a small build takes a few ms.
var buildMu sync.Mutex

// Build runs `kustomize build` on appPath, which must lie inside repoRoot,
// after applying opts as Argo CD's `kustomize edit` calls would. Nothing is
// written: the edited kustomization lives in memory. Every file kustomize
// reads must resolve inside repoRoot; remote bases are refused.
func Build(repoRoot, appPath string, opts Options) ([]*unstructured.Unstructured, error) {
	root, err := filepath.EvalSymlinks(repoRoot)
	if err != nil {
		return nil, fmt.Errorf("repository root: %w", err)
	}
	if root, err = filepath.Abs(root); err != nil {
		return nil, fmt.Errorf("repository root: %w", err)
	}
	given, _ := filepath.Abs(repoRoot)
	fsys := newRepoFS(root)
	dir, err := fsys.resolve(appPath)
	if err != nil {
		return nil, fmt.Errorf("app path: %w", redact(err, given, root))
	}
	objs, err := build(fsys, dir, opts)
	if err != nil {
		return nil, redact(err, given, root)
	}
	return objs, nil
}

func build(fsys *repoFS, dir string, opts Options) ([]*unstructured.Unstructured, error) {
	if hasEdits(opts) {
		if err := overlayKustomization(fsys, dir, opts); err != nil {
			return nil, err
		}
	}
	if err := refuseRemote(fsys, dir); err != nil {
		return nil, err
	}
	kopts := krusty.MakeDefaultOptions()
	// `kustomize build` sorts in the legacy order unless the kustomization
	// says otherwise (sortOptions); the library default does not sort.
	kopts.Reorder = krusty.ReorderOptionUnspecified
	buildMu.Lock()
	resMap, err := krusty.MakeKustomizer(kopts).Run(fsys, dir)
	buildMu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("kustomize build %s: %w", fsys.display(dir), err)
	}
	return toObjects(resMap)
}

func hasEdits(o Options) bool {
	return o.NamePrefix != "" || o.NameSuffix != "" || o.Namespace != "" || len(o.Images) > 0 ||
		len(o.CommonLabels) > 0 || len(o.CommonAnnotations) > 0 || len(o.Replicas) > 0 ||
		len(o.Patches) > 0 || len(o.Components) > 0
}

// overlayKustomization reads the kustomization in dir, edits it, and
// places the result in the filesystem's in-memory overlay.
func overlayKustomization(fsys *repoFS, dir string, opts Options) error {
	name, data, err := readKustomization(fsys, dir)
	if err != nil {
		return err
	}
	var k types.Kustomization
	if err := k.Unmarshal(data); err != nil {
		return fmt.Errorf("%s: %w", fsys.display(filepath.Join(dir, name)), err)
	}
	k.FixKustomization()
	if err := editKustomization(&k, opts, dirComponents{fsys: fsys, dir: dir}); err != nil {
		return fmt.Errorf("%s: %w", fsys.display(filepath.Join(dir, name)), err)
	}
	out, err := marshalWithPatches(&k, opts.Patches)
	if err != nil {
		return err
	}
	fsys.overlay[filepath.Join(dir, name)] = out
	return nil
}

func readKustomization(fsys *repoFS, dir string) (string, []byte, error) {
	for _, name := range konfig.RecognizedKustomizationFileNames() {
		data, err := fsys.ReadFile(filepath.Join(dir, name))
		if err == nil {
			return name, data, nil
		}
		var outside *outsideError
		if errors.As(err, &outside) {
			return "", nil, err
		}
	}
	return "", nil, fmt.Errorf("kustomization file not found in %s", fsys.display(dir))
}

// marshalWithPatches appends the Application's patches to the
// kustomization's own, as Argo CD does on the file's generic form.
func marshalWithPatches(k *types.Kustomization, patches []Patch) ([]byte, error) {
	js, err := json.Marshal(k)
	if err != nil {
		return nil, fmt.Errorf("marshal kustomization: %w", err)
	}
	var doc map[string]any
	if err := json.Unmarshal(js, &doc); err != nil {
		return nil, fmt.Errorf("marshal kustomization: %w", err)
	}
	if len(patches) > 0 {
		existing, _ := doc["patches"].([]any)
		for _, p := range patches {
			existing = append(existing, p)
		}
		doc["patches"] = existing
	}
	out, err := sigsyaml.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("marshal kustomization: %w", err)
	}
	return out, nil
}

func toObjects(m resmap.ResMap) ([]*unstructured.Unstructured, error) {
	var out []*unstructured.Unstructured
	for _, r := range m.Resources() {
		data, err := r.AsYAML()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", r.CurId(), err)
		}
		objs, err := object.Decode(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", r.CurId(), err)
		}
		out = append(out, objs...)
	}
	return out, nil
}

// redactedError keeps the cause but shows paths relative to the repository,
// not where the checkout happens to live.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

func redact(err error, roots ...string) error {
	msg := err.Error()
	for _, r := range roots {
		if filepath.IsAbs(r) && r != string(filepath.Separator) {
			msg = strings.ReplaceAll(msg, filepath.Clean(r)+string(filepath.Separator), "")
			msg = strings.ReplaceAll(msg, filepath.Clean(r), ".")
		}
	}
	return &redactedError{msg: msg, err: err}
}
