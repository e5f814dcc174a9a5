package diff

import (
	"cmp"
	"slices"
)

// A concrete path is a list of string map keys and int list indices.

// getPath returns the value at path in root.
func getPath(root any, path []any) (any, bool) {
	cur := root
	for _, k := range path {
		switch k := k.(type) {
		case string:
			m, ok := cur.(map[string]any)
			if !ok {
				return nil, false
			}
			v, ok := m[k]
			if !ok {
				return nil, false
			}
			cur = v
		case int:
			l, ok := cur.([]any)
			if !ok || k < 0 || k >= len(l) {
				return nil, false
			}
			cur = l[k]
		default:
			return nil, false
		}
	}
	return cur, true
}

// deleteIn removes the value at path from v, returning the (possibly new)
// v and whether anything was removed. Maps are changed in place; a list
// that loses an element is replaced by a new slice.
func deleteIn(v any, path []any) (any, bool) {
	if len(path) == 0 {
		return v, false
	}
	switch k := path[0].(type) {
	case string:
		m, ok := v.(map[string]any)
		if !ok {
			return v, false
		}
		child, ok := m[k]
		if !ok {
			return v, false
		}
		if len(path) == 1 {
			delete(m, k)
			return m, true
		}
		nc, ok := deleteIn(child, path[1:])
		if ok {
			m[k] = nc
		}
		return m, ok
	case int:
		l, ok := v.([]any)
		if !ok || k < 0 || k >= len(l) {
			return v, false
		}
		if len(path) == 1 {
			nl := make([]any, 0, len(l)-1)
			nl = append(nl, l[:k]...)
			return append(nl, l[k+1:]...), true
		}
		nc, ok := deleteIn(l[k], path[1:])
		if ok {
			l[k] = nc
		}
		return l, ok
	default:
		return v, false
	}
}

// deletePaths removes all paths from root at once: they are resolved
// against the same state, so they are deleted deepest and last first, and
// duplicates once, keeping list indices valid (jq's delpaths does the same).
func deletePaths(root map[string]any, paths [][]any) {
	sorted := slices.Clone(paths)
	slices.SortFunc(sorted, func(a, b []any) int { return comparePaths(b, a) })
	sorted = slices.CompactFunc(sorted, func(a, b []any) bool { return comparePaths(a, b) == 0 })
	for _, p := range sorted {
		deleteIn(root, p)
	}
}

// comparePaths orders paths element by element (ints before strings), a
// prefix before its extensions.
func comparePaths(a, b []any) int {
	for i := range min(len(a), len(b)) {
		if c := compareElement(a[i], b[i]); c != 0 {
			return c
		}
	}
	return cmp.Compare(len(a), len(b))
}

func compareElement(a, b any) int {
	ai, aInt := a.(int)
	bi, bInt := b.(int)
	switch {
	case aInt && bInt:
		return cmp.Compare(ai, bi)
	case aInt:
		return -1
	case bInt:
		return 1
	}
	as, _ := a.(string)
	bs, _ := b.(string)
	return cmp.Compare(as, bs)
}
