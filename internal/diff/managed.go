package diff

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"
)

// ownedFields returns the union of the fields the given managers own in
// obj's metadata.managedFields (fieldsV1), or nil when none. It reads the
// entries straight from the unstructured content: converting them to typed
// ManagedFieldsEntry values costs more than the rest of a comparison.
func ownedFields(obj *unstructured.Unstructured, managers []string) (*fieldpath.Set, error) {
	if obj == nil || len(managers) == 0 {
		return nil, nil
	}
	raw, _, _ := unstructured.NestedFieldNoCopy(obj.Object, "metadata", "managedFields")
	entries, _ := raw.([]any)
	var owned *fieldpath.Set
	for _, e := range entries {
		entry, _ := e.(map[string]any)
		manager, _ := entry["manager"].(string)
		fields, ok := entry["fieldsV1"]
		if !ok || !slices.Contains(managers, manager) {
			continue
		}
		raw, err := json.Marshal(fields)
		if err != nil {
			return nil, fmt.Errorf("managed fields of manager %q: %w", manager, err)
		}
		s := &fieldpath.Set{}
		if err := s.FromJSON(bytes.NewReader(raw)); err != nil {
			return nil, fmt.Errorf("parse managed fields of manager %q: %w", manager, err)
		}
		if owned == nil {
			owned = s
		} else {
			owned = owned.Union(s)
		}
	}
	return owned, nil
}

// ownedConflicts finds the owned leaf fields present in both live and config
// with different values — the intersection of the managers' fields with
// structured-merge-diff's Comparison.Modified that Argo CD removes — and
// returns where each lies in live and in config.
func ownedConflicts(owned *fieldpath.Set, live, config map[string]any) (livePaths, configPaths [][]any) {
	if owned == nil {
		return nil, nil
	}
	owned.Leaves().Iterate(func(p fieldpath.Path) {
		lp, ok := resolveFieldPath(live, p)
		if !ok {
			return
		}
		cp, ok := resolveFieldPath(config, p)
		if !ok {
			return
		}
		lv, _ := getPath(live, lp)
		cv, _ := getPath(config, cp)
		if !modified(lv, cv) {
			return
		}
		livePaths = append(livePaths, lp)
		configPaths = append(configPaths, cp)
	})
	return livePaths, configPaths
}

// ownedPaths returns where each owned leaf field lies in obj, for removing
// them from a single object.
func ownedPaths(owned *fieldpath.Set, obj map[string]any) [][]any {
	if owned == nil {
		return nil
	}
	var out [][]any
	owned.Leaves().Iterate(func(p fieldpath.Path) {
		path, ok := resolveFieldPath(obj, p)
		if !ok {
			return
		}
		if v, _ := getPath(obj, path); isMap(v) {
			return // granular map: its content belongs to its children's owners
		}
		out = append(out, path)
	})
	return out
}

// modified reports whether a leaf differs the way a structured-merge-diff
// comparison reports it: maps are granular (never modified themselves, only
// their leaves), lists atomic, scalars by value.
func modified(live, config any) bool {
	if isMap(live) && isMap(config) {
		return false
	}
	return !valuesEqual(live, config)
}

func isMap(v any) bool {
	_, ok := v.(map[string]any)
	return ok
}

// resolveFieldPath turns a structured-merge-diff path into a concrete path
// through root: field names are map keys, and k:{...}, v: and i: select the
// list item whose key fields, value or index match.
func resolveFieldPath(root any, p fieldpath.Path) ([]any, bool) {
	path := make([]any, 0, len(p))
	cur := root
	for _, pe := range p {
		if pe.FieldName != nil {
			m, ok := cur.(map[string]any)
			if !ok {
				return nil, false
			}
			v, ok := m[*pe.FieldName]
			if !ok {
				return nil, false
			}
			path = append(path, *pe.FieldName)
			cur = v
			continue
		}
		l, ok := cur.([]any)
		if !ok {
			return nil, false
		}
		i := findItem(l, pe)
		if i < 0 {
			return nil, false
		}
		path = append(path, i)
		cur = l[i]
	}
	return path, true
}

// findItem returns the index of the list item pe selects, or -1.
func findItem(l []any, pe fieldpath.PathElement) int {
	switch {
	case pe.Index != nil:
		if *pe.Index >= 0 && *pe.Index < len(l) {
			return *pe.Index
		}
	case pe.Value != nil:
		want := (*pe.Value).Unstructured()
		for i, item := range l {
			if valuesEqual(item, want) {
				return i
			}
		}
	case pe.Key != nil:
		for i, item := range l {
			if keyMatches(item, pe) {
				return i
			}
		}
	}
	return -1
}

func keyMatches(item any, pe fieldpath.PathElement) bool {
	m, ok := item.(map[string]any)
	if !ok {
		return false
	}
	for _, f := range *pe.Key {
		v, ok := m[f.Name]
		if !ok || !valuesEqual(v, f.Value.Unstructured()) {
			return false
		}
	}
	return true
}
