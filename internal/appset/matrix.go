package appset

import (
	"fmt"
	"maps"

	"flotilla.dev/flotilla/api/v1alpha1"
)

// matrixParams is the product of two children's parameter sets: the second
// child runs once per parameter set of the first, interpolated with it.
func (g *generation) matrixParams(m *v1alpha1.MatrixGenerator) ([]map[string]any, error) {
	if len(m.Generators) != 2 {
		return nil, fmt.Errorf("matrix needs exactly two generators, found %d", len(m.Generators))
	}
	first, err := g.childParams(0, m.Generators[0], nil)
	if err != nil {
		return nil, err
	}
	res := []map[string]any{}
	for _, a := range first {
		second, err := g.childParams(1, m.Generators[1], a)
		if err != nil {
			return nil, err
		}
		for _, b := range second {
			p, err := g.combine(a, b)
			if err != nil {
				return nil, err
			}
			res = append(res, p)
		}
	}
	return res, nil
}

// combine joins a parameter set of a matrix's first child with one of its
// second: with Go templates a deep merge where the first child wins; with
// fasttemplate a union whose shared keys must agree.
func (g *generation) combine(a, b map[string]any) (map[string]any, error) {
	if g.goTemplate {
		return mergeOverride(mergeOverride(map[string]any{}, b), a), nil
	}
	res := map[string]any{}
	for k, v := range a {
		res[k] = fmt.Sprintf("%v", v)
	}
	for k, v := range b {
		s := fmt.Sprintf("%v", v)
		if cur, ok := res[k]; ok && cur != s {
			return nil, fmt.Errorf("both matrix generators set %q, to %q and %q", k, cur, s)
		}
		res[k] = s
	}
	return res, nil
}

// childParams runs child i of a matrix or merge, interpolated with
// genParams when there are any, and filtered by its selector.
func (g *generation) childParams(i int, child v1alpha1.ApplicationSetNestedGenerator, genParams map[string]any) ([]map[string]any, error) {
	gen, err := fromNested(child)
	if err != nil {
		return nil, fmt.Errorf("child %d: %w", i, err)
	}
	kind, err := kindOf(gen)
	if err != nil {
		return nil, fmt.Errorf("child %d: %w", i, err)
	}
	params, err := g.paramSets(gen, kind, genParams)
	if err != nil {
		return nil, fmt.Errorf("child %d (%s): %w", i, kind, err)
	}
	return params, nil
}

// fromNested turns a matrix's or merge's child into a generator, decoding
// a nested matrix or merge (whose own children cannot nest further).
// Children's template overrides are ignored, as in Argo CD.
func fromNested(n v1alpha1.ApplicationSetNestedGenerator) (*v1alpha1.ApplicationSetGenerator, error) {
	gen := &v1alpha1.ApplicationSetGenerator{
		List:                    n.List,
		Clusters:                n.Clusters,
		Git:                     n.Git,
		SCMProvider:             n.SCMProvider,
		ClusterDecisionResource: n.ClusterDecisionResource,
		PullRequest:             n.PullRequest,
		Plugin:                  n.Plugin,
		Selector:                n.Selector,
	}
	matrix, err := v1alpha1.ToNestedMatrixGenerator(n.Matrix)
	if err != nil {
		return nil, err
	}
	if matrix != nil {
		gen.Matrix = matrix.ToMatrixGenerator()
	}
	merge, err := v1alpha1.ToNestedMergeGenerator(n.Merge)
	if err != nil {
		return nil, err
	}
	if merge != nil {
		gen.Merge = merge.ToMergeGenerator()
	}
	return gen, nil
}

// mergeOverride merges src into dst as mergo.Merge with WithOverride does
// for Argo CD's parameter maps, and returns dst: a key of src replaces
// dst's, except that two maps merge key by key and an empty map of src
// leaves a non-empty map of dst alone. Lists are replaced, not merged.
// Nested maps of dst are copied before they change.
func mergeOverride(dst, src map[string]any) map[string]any {
	for k, sv := range src {
		sm, sIsMap := asMap(sv)
		dm, dIsMap := asMap(dst[k])
		if sIsMap && dIsMap && len(dm) > 0 {
			dst[k] = mergeOverride(maps.Clone(dm), sm)
			continue
		}
		dst[k] = sv
	}
	return dst
}

// asMap returns v as a map[string]any when it is a map with string keys.
func asMap(v any) (map[string]any, bool) {
	switch m := v.(type) {
	case map[string]any:
		return m, true
	case map[string]string:
		res := make(map[string]any, len(m))
		for k, s := range m {
			res[k] = s
		}
		return res, true
	}
	return nil, false
}
