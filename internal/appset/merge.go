package appset

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"

	"flotilla.dev/flotilla/api/v1alpha1"
)

// mergeParams merges the parameter sets of a merge's children: the first
// child's sets are the base, and a later child's set with the same values
// for the mergeKeys overrides the base set's parameters (deeply with Go
// templates). Later sets that match no base set are dropped; the base order
// is kept.
func (g *generation) mergeParams(m *v1alpha1.MergeGenerator) ([]map[string]any, error) {
	if len(m.Generators) < 2 {
		return nil, fmt.Errorf("merge needs at least two generators, found %d", len(m.Generators))
	}
	if len(m.MergeKeys) == 0 {
		return nil, errors.New("merge needs at least one merge key")
	}
	base, err := g.childParams(0, m.Generators[0], nil)
	if err != nil {
		return nil, err
	}
	baseKeys, err := mergeKeyIndex(m.MergeKeys, base)
	if err != nil {
		return nil, fmt.Errorf("child 0: %w", err)
	}
	for i := 1; i < len(m.Generators); i++ {
		sets, err := g.childParams(i, m.Generators[i], nil)
		if err != nil {
			return nil, err
		}
		if err := g.overrideBase(base, baseKeys, m.MergeKeys, sets); err != nil {
			return nil, fmt.Errorf("child %d: %w", i, err)
		}
	}
	return base, nil
}

// overrideBase merges each base set with the set of sets that has the
// same merge key, if any.
func (g *generation) overrideBase(base []map[string]any, baseKeys []string, mergeKeys []string, sets []map[string]any) error {
	keys, err := mergeKeyIndex(mergeKeys, sets)
	if err != nil {
		return err
	}
	byKey := make(map[string]map[string]any, len(sets))
	for j, k := range keys {
		byKey[k] = sets[j]
	}
	for j, k := range baseKeys {
		override, ok := byKey[k]
		if !ok {
			continue
		}
		if base[j] == nil {
			base[j] = map[string]any{}
		}
		if g.goTemplate {
			base[j] = mergeOverride(base[j], override)
		} else {
			maps.Copy(base[j], override)
		}
	}
	return nil
}

// mergeKeyIndex computes each parameter set's merge key, the JSON of its
// mergeKeys' values, and fails when two sets share one.
func mergeKeyIndex(mergeKeys []string, sets []map[string]any) ([]string, error) {
	keys := make([]string, len(sets))
	seen := make(map[string]bool, len(sets))
	for i, set := range sets {
		values := make(map[string]any, len(mergeKeys))
		for _, k := range mergeKeys {
			values[k] = set[k]
		}
		data, err := json.Marshal(values)
		if err != nil {
			return nil, fmt.Errorf("merge key of parameter set %d: %w", i, err)
		}
		key := string(data)
		if seen[key] {
			return nil, fmt.Errorf("parameter sets are not unique by mergeKeys: %s appears twice", key)
		}
		seen[key] = true
		keys[i] = key
	}
	return keys, nil
}
