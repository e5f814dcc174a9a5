package diff

import (
	"slices"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// RespectIgnored returns a copy of desired in which every field ignored by
// the rules takes the live object's value (or is removed if live lacks it) —
// what Argo CD's RespectIgnoreDifferences=true sync option applies. Only the
// ignored fields change: fields owned by trusted managers that differ take
// live's value; each JSON pointer is set to live's value at the same
// position, or removed from desired where live lacks it; each jq expression's
// fields are removed from desired and live's are copied in, list items
// matched by their "name" when they have one (as the strategic merge Argo CD
// uses does for containers, volumes, env and the like) and by index
// otherwise. Live's status and managedFields are never copied. With live nil
// the desired object is returned unchanged.
func RespectIgnored(desired, live *unstructured.Unstructured, rules []Rule) (*unstructured.Unstructured, error) {
	rs, err := compileRules(rules)
	if err != nil {
		return nil, err
	}
	if desired == nil {
		return nil, nil
	}
	out := desired.DeepCopy()
	if live == nil {
		return out, nil
	}
	matched, err := rs.matching(desired)
	if err != nil {
		return nil, err
	}
	owned, err := ownedFields(live, managers(matched))
	if err != nil {
		return nil, err
	}
	livePaths, outPaths := ownedConflicts(owned, live.Object, out.Object)
	for i, lp := range livePaths {
		if !transplantable(lp) {
			continue
		}
		v, _ := getPath(live.Object, lp)
		replaceAt(out.Object, outPaths[i], copyValue(v))
	}
	for _, r := range matched {
		for _, tokens := range r.pointers {
			if path, ok := resolvePointer(live.Object, tokens); ok {
				if transplantable(path) {
					transplant(out.Object, live.Object, path, samePosition)
				}
			} else if path, ok := resolvePointer(out.Object, tokens); ok {
				deleteIn(out.Object, path)
			}
		}
		for _, x := range r.jq {
			if o, ok := x.remove(out.Object); ok {
				out.Object = o
			}
			paths, ok := x.locate(live.Object)
			if !ok {
				continue
			}
			for _, path := range paths {
				if transplantable(path) {
					transplant(out.Object, live.Object, path, sameItem)
				}
			}
		}
	}
	return out, nil
}

// transplantable reports whether live's value at path may be copied into
// an object to apply: never status (Argo CD excludes it, or the sync would
// co-own it) nor managedFields.
func transplantable(path []any) bool {
	if len(path) > 0 && path[0] == "status" {
		return false
	}
	return !(len(path) > 1 && path[0] == "metadata" && path[1] == "managedFields")
}

// replaceAt sets the existing location path in root to v.
func replaceAt(root map[string]any, path []any, v any) {
	if len(path) == 0 {
		return
	}
	parent, ok := getPath(root, path[:len(path)-1])
	if !ok {
		return
	}
	switch k := path[len(path)-1].(type) {
	case string:
		if m, ok := parent.(map[string]any); ok {
			m[k] = v
		}
	case int:
		if l, ok := parent.([]any); ok && k >= 0 && k < len(l) {
			l[k] = v
		}
	}
}

// placement says how a list item of live finds its place in desired.
type placement int

const (
	// samePosition puts it at the same index (JSON pointers address
	// positions in each object alike).
	samePosition placement = iota
	// sameItem finds the item with the same "name"; an unnamed item copied
	// whole is inserted at its index (desired's own were just deleted by
	// the same expression), and paths into unnamed items go by index.
	sameItem
)

// transplant copies the value at path in src into dst at the corresponding
// location, creating missing maps on the way. It reports whether it did.
func transplant(dst, src map[string]any, path []any, how placement) bool {
	_, ok := transplantIn(dst, src, path, how)
	return ok
}

func transplantIn(dst, src any, path []any, how placement) (any, bool) {
	if len(path) == 0 {
		return copyValue(src), true
	}
	switch k := path[0].(type) {
	case string:
		sm, ok := src.(map[string]any)
		if !ok {
			return dst, false
		}
		sv, ok := sm[k]
		if !ok {
			return dst, false
		}
		dm, ok := dst.(map[string]any)
		if !ok {
			if dst != nil {
				return dst, false
			}
			dm = map[string]any{}
		}
		nv, ok := transplantIn(dm[k], sv, path[1:], how)
		if !ok {
			return dst, false
		}
		dm[k] = nv
		return dm, true
	case int:
		sl, ok := src.([]any)
		if !ok || k < 0 || k >= len(sl) {
			return dst, false
		}
		dl, ok := dst.([]any)
		if !ok {
			return dst, false
		}
		whole := len(path) == 1
		j, insert := slot(dl, sl[k], k, how, whole)
		switch {
		case insert:
			j = min(j, len(dl))
			return slices.Insert(dl, j, copyValue(sl[k])), true
		case j < 0:
			return dst, false
		}
		nv, ok := transplantIn(dl[j], sl[k], path[1:], how)
		if !ok {
			return dst, false
		}
		dl[j] = nv
		return dl, true
	default:
		return dst, false
	}
}

// slot finds where item (at index i of live's list) goes in dst: the index
// of its counterpart, or -1, or an index to insert it at.
func slot(dst []any, item any, i int, how placement, whole bool) (j int, insert bool) {
	if how == sameItem {
		if name, ok := itemName(item); ok {
			for j, d := range dst {
				if n, ok := itemName(d); ok && n == name {
					return j, false
				}
			}
			if whole {
				return len(dst), true
			}
			return -1, false
		}
		if whole {
			return i, true
		}
	}
	switch {
	case i < len(dst):
		return i, false
	case whole:
		return len(dst), true
	}
	return -1, false
}

func itemName(v any) (string, bool) {
	m, ok := v.(map[string]any)
	if !ok {
		return "", false
	}
	name, ok := m["name"].(string)
	return name, ok
}
