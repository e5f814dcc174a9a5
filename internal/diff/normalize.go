package diff

import (
	"slices"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// lastAppliedAnnotation is kubectl's client-side apply record.
const lastAppliedAnnotation = "kubectl.kubernetes.io/last-applied-configuration"

// volatileMetadata differ between a live object and an apply's prediction
// without meaning a difference in intent.
var volatileMetadata = []string{
	"managedFields", "resourceVersion", "generation", "uid", "creationTimestamp", "selfLink",
}

// Normalize returns a copy of obj without status, volatile metadata
// (managedFields, resourceVersion, generation, uid, creationTimestamp,
// selfLink, the kubectl last-applied annotation) and every field the
// matching rules ignore. managedFieldsManagers are evaluated against
// managedFieldsOf (the live object's metadata.managedFields): the leaf
// fields those managers own are removed. Alone, Normalize cannot tell which
// owned fields differ from the other side, so it removes them all; Equal and
// Diff remove only the differing ones, as Argo CD does.
func Normalize(obj *unstructured.Unstructured, rules []Rule, managedFieldsOf *unstructured.Unstructured) (*unstructured.Unstructured, error) {
	if obj == nil {
		return nil, nil
	}
	rs, err := compileRules(rules)
	if err != nil {
		return nil, err
	}
	matched, err := rs.matching(obj)
	if err != nil {
		return nil, err
	}
	out := stripCopy(obj)
	owned, err := ownedFields(managedFieldsOf, managers(matched))
	if err != nil {
		return nil, err
	}
	deletePaths(out.Object, ownedPaths(owned, out.Object))
	normalizeSecret(out)
	applyRules(out, matched)
	return out, nil
}

// normalizePair normalises predicted and live together: fields owned by the
// trusted managers are removed from both where they differ, then each side
// gets the Secret and rule normalisation, in Argo CD's order. Status and
// volatile metadata are left out from the start. Either may be nil.
func normalizePair(predicted, live *unstructured.Unstructured, rules []Rule) (*unstructured.Unstructured, *unstructured.Unstructured, error) {
	rs, err := compileRules(rules)
	if err != nil {
		return nil, nil, err
	}
	p, l := stripCopy(predicted), stripCopy(live)
	if p != nil && l != nil {
		// Argo CD selects the managers with the target's identity.
		matched, err := rs.matching(predicted)
		if err != nil {
			return nil, nil, err
		}
		owned, err := ownedFields(live, managers(matched))
		if err != nil {
			return nil, nil, err
		}
		lp, pp := ownedConflicts(owned, l.Object, p.Object)
		deletePaths(l.Object, lp)
		deletePaths(p.Object, pp)
	}
	for _, u := range []*unstructured.Unstructured{p, l} {
		if u == nil {
			continue
		}
		normalizeSecret(u)
		matched, err := rs.matching(u)
		if err != nil {
			return nil, nil, err
		}
		applyRules(u, matched)
	}
	return p, l, nil
}

// applyRules removes the fields the matched rules select, each pointer and
// expression applied to the result of the previous one, skipping those that
// do not apply, then drops emptied objects and arrays as Argo CD does.
// u must be a private copy: with jq in play its numbers are converted in
// place to gojq's types and back.
func applyRules(u *unstructured.Unstructured, matched []*compiledRule) {
	if len(matched) == 0 {
		return
	}
	useJQ := slices.ContainsFunc(matched, func(r *compiledRule) bool { return len(r.jq) > 0 })
	obj := u.Object
	if useJQ {
		obj = toJQInPlace(obj).(map[string]any)
	}
	for _, r := range matched {
		for _, tokens := range r.pointers {
			if path, ok := resolvePointer(obj, tokens); ok {
				deleteIn(obj, path)
			}
		}
		for _, x := range r.jq {
			if out, ok := x.removeJQ(obj); ok {
				obj = out
			}
		}
	}
	removeEmpty(obj)
	if useJQ {
		obj = fromJQ(obj).(map[string]any)
	}
	u.Object = obj
}

// removeEmpty recursively drops empty maps and arrays, and empty maps inside
// arrays, mirroring Argo CD's removeEmptyObjects after ignore normalisation.
func removeEmpty(obj map[string]any) {
	for k, v := range obj {
		switch v := v.(type) {
		case map[string]any:
			removeEmpty(v)
			if len(v) == 0 {
				delete(obj, k)
			}
		case []any:
			kept := make([]any, 0, len(v))
			for _, item := range v {
				if m, ok := item.(map[string]any); ok {
					removeEmpty(m)
					if len(m) == 0 {
						continue
					}
				}
				kept = append(kept, item)
			}
			switch {
			case len(kept) == 0:
				delete(obj, k)
			case len(kept) != len(v):
				obj[k] = kept
			}
		}
	}
}

// stripCopy deep-copies u without status and volatile metadata, which are
// dropped from every normalised object anyway (and are the bulk of a live
// object). Rules and managed fields are then applied to the rest.
func stripCopy(u *unstructured.Unstructured) *unstructured.Unstructured {
	if u == nil {
		return nil
	}
	out := make(map[string]any, len(u.Object))
	for k, v := range u.Object {
		switch k {
		case "status":
			continue
		case "metadata":
			if m, ok := v.(map[string]any); ok {
				out[k] = stripMetadata(m)
				continue
			}
		}
		out[k] = copyValue(v)
	}
	return &unstructured.Unstructured{Object: out}
}

func stripMetadata(meta map[string]any) map[string]any {
	out := make(map[string]any, len(meta))
	for k, v := range meta {
		if slices.Contains(volatileMetadata, k) {
			continue
		}
		out[k] = copyValue(v)
	}
	if ann, ok := out["annotations"].(map[string]any); ok {
		delete(ann, lastAppliedAnnotation)
		if len(ann) == 0 {
			delete(out, "annotations")
		}
	}
	return out
}
