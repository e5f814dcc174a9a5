package object

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utiljson "k8s.io/apimachinery/pkg/util/json"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

// Limits bound what Decode accepts, so that hostile input is refused instead
// of being parsed forever.
type Limits struct {
	// MaxBytes is the largest input accepted.
	MaxBytes int
	// MaxDepth is the deepest nesting of maps and lists accepted.
	MaxDepth int
}

// DefaultLimits are generous for real manifests: 16 MiB and 100 levels.
var DefaultLimits = Limits{MaxBytes: 16 << 20, MaxDepth: 100}

// Decode parses one or more YAML or JSON documents into objects. Empty
// documents are skipped; `kind: List` (and any *List with items) is
// flattened. Every returned object has apiVersion, kind and name.
func Decode(data []byte) ([]*unstructured.Unstructured, error) {
	return DecodeWithLimits(data, DefaultLimits)
}

// DecodeStrict is Decode, except that a mapping giving a key twice is an
// error, as kubectl and kustomize have it, instead of keeping the last
// value: for manifests written by hand, where either value may be the one
// meant.
func DecodeStrict(data []byte) ([]*unstructured.Unstructured, error) {
	return decode(data, DefaultLimits, true)
}

// DecodeWithLimits is Decode with explicit limits.
func DecodeWithLimits(data []byte, lim Limits) ([]*unstructured.Unstructured, error) {
	return decode(data, lim, false)
}

func decode(data []byte, lim Limits, strict bool) ([]*unstructured.Unstructured, error) {
	if lim.MaxBytes > 0 && len(data) > lim.MaxBytes {
		return nil, fmt.Errorf("input is %d bytes, larger than the limit of %d", len(data), lim.MaxBytes)
	}
	reader := utilyaml.NewYAMLReader(bufio.NewReaderSize(bytes.NewReader(data), 4096))
	var out []*unstructured.Unstructured
	for doc := 1; ; doc++ {
		raw, err := reader.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("document %d: %w", doc, err)
		}
		objs, err := decodeDocument(raw, lim, strict)
		if err != nil {
			return nil, fmt.Errorf("document %d: %w", doc, err)
		}
		out = append(out, objs...)
	}
}

func decodeDocument(raw []byte, lim Limits, strict bool) ([]*unstructured.Unstructured, error) {
	if isBlank(raw) {
		return nil, nil
	}
	content, err := parseMap(raw, strict)
	if err != nil {
		return nil, fmt.Errorf("parse: %w", err)
	}
	if content == nil {
		return nil, nil
	}
	if lim.MaxDepth > 0 && depth(content, 0, lim.MaxDepth) > lim.MaxDepth {
		return nil, fmt.Errorf("nesting deeper than %d levels", lim.MaxDepth)
	}
	u := &unstructured.Unstructured{Object: content}
	if u.IsList() {
		return flatten(u)
	}
	if err := validate(u); err != nil {
		return nil, err
	}
	return []*unstructured.Unstructured{u}, nil
}

// parseMap parses YAML or JSON into a map whose whole numbers are int64, as
// the API machinery's own decoders produce them. With strict a key given
// twice is an error.
func parseMap(raw []byte, strict bool) (map[string]any, error) {
	toJSON := yaml.YAMLToJSON
	if strict {
		toJSON = yaml.YAMLToJSONStrict
	}
	js, err := toJSON(raw)
	if err != nil {
		return nil, err
	}
	var content map[string]any
	if err := utiljson.Unmarshal(js, &content); err != nil {
		return nil, err
	}
	return content, nil
}

func flatten(list *unstructured.Unstructured) ([]*unstructured.Unstructured, error) {
	items, _, err := unstructured.NestedSlice(list.Object, "items")
	if err != nil {
		return nil, fmt.Errorf("list items: %w", err)
	}
	out := make([]*unstructured.Unstructured, 0, len(items))
	for i, item := range items {
		m, ok := item.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("list item %d is not an object", i)
		}
		u := &unstructured.Unstructured{Object: m}
		if u.IsList() {
			nested, err := flatten(u)
			if err != nil {
				return nil, fmt.Errorf("list item %d: %w", i, err)
			}
			out = append(out, nested...)
			continue
		}
		if err := validate(u); err != nil {
			return nil, fmt.Errorf("list item %d: %w", i, err)
		}
		out = append(out, u)
	}
	return out, nil
}

func validate(u *unstructured.Unstructured) error {
	switch {
	case u.GetAPIVersion() == "":
		return errors.New("object has no apiVersion")
	case u.GetKind() == "":
		return errors.New("object has no kind")
	case u.GetName() == "" && u.GetGenerateName() == "":
		return fmt.Errorf("%s has no metadata.name", u.GetKind())
	}
	return nil
}

func isBlank(raw []byte) bool {
	for _, line := range strings.Split(string(raw), "\n") {
		t := strings.TrimSpace(line)
		if t != "" && !strings.HasPrefix(t, "#") && t != "---" {
			return false
		}
	}
	return true
}

// depth returns the nesting depth of v, stopping early past max.
func depth(v any, d, limit int) int {
	if d > limit {
		return d
	}
	deepest := d
	switch t := v.(type) {
	case map[string]any:
		for _, c := range t {
			deepest = max(deepest, depth(c, d+1, limit))
		}
	case []any:
		for _, c := range t {
			deepest = max(deepest, depth(c, d+1, limit))
		}
	}
	return deepest
}
