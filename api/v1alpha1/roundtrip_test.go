package v1alpha1

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

// examplesDir is the repository's examples/, seen from this package's
// directory: our users' repository layouts and the demo.
var examplesDir = filepath.Join("..", "..", "examples")

// minExampleObjects is how many Argo CD objects the examples held when this
// test was written. The test fails below it, so a broken walk cannot pass
// by decoding nothing; raise it when examples are added.
const minExampleObjects = 12

// argoDocument is one Argo CD object found in a YAML file.
type argoDocument struct {
	name string // file, document index and kind/name, for test names
	kind string
	yaml []byte
}

// newArgoObject returns an empty object of an Argo CD kind, or nil for
// any other kind.
func newArgoObject(kind string) any {
	switch kind {
	case ApplicationKind:
		return &Application{}
	case AppProjectKind:
		return &AppProject{}
	case ApplicationSetKind:
		return &ApplicationSet{}
	}
	return nil
}

// splitYAMLDocuments splits a multi-document YAML stream.
func splitYAMLDocuments(data []byte) ([][]byte, error) {
	reader := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	var docs [][]byte
	for {
		doc, err := reader.Read()
		if errors.Is(err, io.EOF) {
			return docs, nil
		}
		if err != nil {
			return nil, err
		}
		if len(bytes.TrimSpace(doc)) > 0 {
			docs = append(docs, doc)
		}
	}
}

// findArgoDocuments returns the Argo CD objects of one YAML file, looking
// into the items of a kind: List too. It counts the documents that are
// not YAML at all (Helm templates, mostly) in unparsable.
func findArgoDocuments(path string, data []byte) (found []argoDocument, unparsable int, err error) {
	docs, splitErr := splitYAMLDocuments(data)
	if splitErr != nil {
		// The stream itself is unreadable: count it as one unparsable document.
		return nil, 1, nil
	}
	for i, doc := range docs {
		var generic map[string]any
		if err := yaml.Unmarshal(doc, &generic); err != nil {
			unparsable++
			continue
		}
		objects := []map[string]any{generic}
		if generic["kind"] == "List" {
			items, _ := generic["items"].([]any)
			for _, item := range items {
				if m, ok := item.(map[string]any); ok {
					objects = append(objects, m)
				}
			}
		}
		for j, object := range objects {
			kind, _ := object["kind"].(string)
			if object["apiVersion"] != SchemeGroupVersion.String() || newArgoObject(kind) == nil {
				continue
			}
			raw := doc
			if j > 0 {
				if raw, err = yaml.Marshal(object); err != nil {
					return nil, 0, fmt.Errorf("re-encode list item: %w", err)
				}
			}
			metadata, _ := object["metadata"].(map[string]any)
			name, _ := metadata["name"].(string)
			found = append(found, argoDocument{
				name: fmt.Sprintf("%s#%d.%d/%s/%s", path, i, j, kind, name),
				kind: kind,
				yaml: raw,
			})
		}
	}
	return found, unparsable, nil
}

// decodeStrict decodes YAML into obj and fails on any field obj lacks.
func decodeStrict(data []byte, obj any) error {
	if err := yaml.UnmarshalStrict(data, obj); err != nil {
		return fmt.Errorf("strict decode: %w", err)
	}
	return nil
}

// yamlToMap decodes YAML into the generic form JSON gives it.
func yamlToMap(t *testing.T, data []byte) map[string]any {
	t.Helper()
	jsonData, err := yaml.YAMLToJSON(data)
	if err != nil {
		t.Fatalf("yaml to json: %v", err)
	}
	var m map[string]any
	if err := json.Unmarshal(jsonData, &m); err != nil {
		t.Fatalf("decode json: %v", err)
	}
	return m
}

// objectToMap encodes obj as JSON and decodes that into the generic form.
func objectToMap(t *testing.T, obj any) map[string]any {
	t.Helper()
	data, err := json.Marshal(obj)
	if err != nil {
		t.Fatalf("encode: %v", err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatalf("decode encoded object: %v", err)
	}
	return m
}

// dropZeroValues removes null, "", false, 0 and [] from a generic value,
// recursively: the values Argo CD's own types drop on a round trip too
// (omitempty). Empty objects stay, since {} can mean something (automated: {}).
func dropZeroValues(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, child := range v {
			child = dropZeroValues(child)
			if isZeroValue(child) {
				continue
			}
			out[k] = child
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, child := range v {
			out[i] = dropZeroValues(child)
		}
		return out
	}
	return v
}

func isZeroValue(v any) bool {
	switch v := v.(type) {
	case nil:
		return true
	case string:
		return v == ""
	case bool:
		return !v
	case float64:
		return v == 0
	case []any:
		return len(v) == 0
	}
	return false
}

// diffPaths lists the paths where two generic values differ, for messages.
func diffPaths(path string, want, got any) []string {
	wantMap, wantIsMap := want.(map[string]any)
	gotMap, gotIsMap := got.(map[string]any)
	if wantIsMap && gotIsMap {
		var diffs []string
		keys := map[string]bool{}
		for k := range wantMap {
			keys[k] = true
		}
		for k := range gotMap {
			keys[k] = true
		}
		for k := range keys {
			w, wok := wantMap[k]
			g, gok := gotMap[k]
			switch {
			case !gok:
				diffs = append(diffs, fmt.Sprintf("%s.%s: lost (was %v)", path, k, w))
			case !wok:
				diffs = append(diffs, fmt.Sprintf("%s.%s: added (%v)", path, k, g))
			default:
				diffs = append(diffs, diffPaths(path+"."+k, w, g)...)
			}
		}
		sort.Strings(diffs)
		return diffs
	}
	wantList, wantIsList := want.([]any)
	gotList, gotIsList := got.([]any)
	if wantIsList && gotIsList && len(wantList) == len(gotList) {
		var diffs []string
		for i := range wantList {
			diffs = append(diffs, diffPaths(fmt.Sprintf("%s[%d]", path, i), wantList[i], gotList[i])...)
		}
		return diffs
	}
	if !reflect.DeepEqual(want, got) {
		return []string{fmt.Sprintf("%s: want %v, got %v", path, want, got)}
	}
	return nil
}

// collectExampleObjects walks every YAML file under the examples directory.
func collectExampleObjects(t *testing.T) (objects []argoDocument, unparsable int) {
	t.Helper()
	info, err := os.Stat(examplesDir)
	if err != nil || !info.IsDir() {
		t.Fatalf("examples directory %s is missing: %v", examplesDir, err)
	}
	err = filepath.WalkDir(examplesDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !(strings.HasSuffix(path, ".yaml") || strings.HasSuffix(path, ".yml")) {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(examplesDir, path)
		found, bad, err := findArgoDocuments(rel, data)
		if err != nil {
			return fmt.Errorf("%s: %w", rel, err)
		}
		objects = append(objects, found...)
		unparsable += bad
		return nil
	})
	if err != nil {
		t.Fatalf("walk %s: %v", examplesDir, err)
	}
	return objects, unparsable
}

// TestExamplesDecodeStrictlyAndRoundTrip decodes every Argo CD object of the
// shared examples strictly (a field our types lack fails) and checks that
// encoding it again loses nothing.
func TestExamplesDecodeStrictlyAndRoundTrip(t *testing.T) {
	objects, unparsable := collectExampleObjects(t)
	t.Logf("%d Argo CD objects in %s, %d documents skipped as not YAML", len(objects), examplesDir, unparsable)
	if len(objects) < minExampleObjects {
		t.Fatalf("found %d Argo CD objects in %s, want at least %d", len(objects), examplesDir, minExampleObjects)
	}
	for _, doc := range objects {
		t.Run(doc.name, func(t *testing.T) {
			obj := newArgoObject(doc.kind)
			if err := decodeStrict(doc.yaml, obj); err != nil {
				t.Fatal(err)
			}
			want := dropZeroValues(yamlToMap(t, doc.yaml))
			got := dropZeroValues(objectToMap(t, obj))
			if diffs := diffPaths("", want, got); len(diffs) > 0 {
				t.Errorf("round trip changed the object:\n%s", strings.Join(diffs, "\n"))
			}
		})
	}
}

// TestTestdataRoundTripExactly decodes the hand-written objects in testdata,
// which set every field family, and checks that encoding them gives back
// exactly the same JSON.
func TestTestdataRoundTripExactly(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 4 {
		t.Fatalf("found %d testdata files, want at least 4", len(files))
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			docs, unparsable, err := findArgoDocuments(file, data)
			if err != nil || unparsable > 0 || len(docs) != 1 {
				t.Fatalf("want one Argo CD object, got %d (unparsable %d, err %v)", len(docs), unparsable, err)
			}
			obj := newArgoObject(docs[0].kind)
			if err := decodeStrict(docs[0].yaml, obj); err != nil {
				t.Fatal(err)
			}
			want := yamlToMap(t, docs[0].yaml)
			got := objectToMap(t, obj)
			if diffs := diffPaths("", want, got); len(diffs) > 0 {
				t.Errorf("round trip changed the object:\n%s", strings.Join(diffs, "\n"))
			}
		})
	}
}

// readTestdata returns the content of one testdata file.
func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// loadTestdata decodes one testdata file strictly into obj.
func loadTestdata(t *testing.T, name string, obj any) {
	t.Helper()
	if err := decodeStrict(readTestdata(t, name), obj); err != nil {
		t.Fatal(err)
	}
}

func TestStrictDecodeRejectsUnknownFields(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		obj  any
	}{
		{
			name: "misspelled spec field",
			yaml: "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: a}\nspec: {project: default, destination: {}, sourcez: {}}\n",
			obj:  &Application{},
		},
		{
			name: "unknown helm option",
			yaml: "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: a}\nspec: {project: default, destination: {}, source: {repoURL: x, helm: {valuez: a}}}\n",
			obj:  &Application{},
		},
		{
			name: "unknown project field",
			yaml: "apiVersion: argoproj.io/v1alpha1\nkind: AppProject\nmetadata: {name: p}\nspec: {sourceRepo: [x]}\n",
			obj:  &AppProject{},
		},
		{
			name: "unknown generator",
			yaml: "apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata: {name: s}\nspec: {generators: [{lists: {}}], template: {metadata: {}, spec: {project: p, destination: {}}}}\n",
			obj:  &ApplicationSet{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := decodeStrict([]byte(tt.yaml), tt.obj); err == nil {
				t.Fatal("strict decode accepted an unknown field")
			}
		})
	}
}
