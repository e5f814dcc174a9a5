package diff

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// maskBase is the shortest mask; each further distinct value of one key gets
// four more '+', so equal values share a mask and different ones do not
// (gitops-engine's HideSecretData).
const maskBase = "++++++++"

func isSecret(u *unstructured.Unstructured) bool {
	if u == nil {
		return false
	}
	gvk := u.GroupVersionKind()
	return gvk.Group == "" && gvk.Kind == "Secret"
}

// normalizeSecret folds stringData into data (base64, as the API server
// stores it) and turns null data values into "", as gitops-engine's
// NormalizeSecret does. Objects that are not Secrets are left alone.
func normalizeSecret(u *unstructured.Unstructured) {
	if !isSecret(u) {
		return
	}
	if sd, ok := u.Object["stringData"].(map[string]any); ok {
		data, _ := u.Object["data"].(map[string]any)
		if data == nil {
			data = make(map[string]any, len(sd))
		}
		for k, v := range sd {
			if s, ok := v.(string); ok {
				data[k] = base64.StdEncoding.EncodeToString([]byte(s))
			} else {
				data[k] = v
			}
		}
		u.Object["data"] = data
		delete(u.Object, "stringData")
	}
	if data, ok := u.Object["data"].(map[string]any); ok {
		for k, v := range data {
			if v == nil {
				data[k] = ""
			}
		}
	}
}

// MaskSecrets replaces Secret data/stringData values with "++++++++" (equal
// values in both get equal masks, different ones different masks — as
// gitops-engine does: '+' runs of differing length), so diffs show that a
// value changed but never the value. The live object's kubectl
// last-applied annotation is masked the same way. Objects that are not
// Secrets are copied unchanged. Inputs are never mutated; either may be nil.
func MaskSecrets(predicted, live *unstructured.Unstructured) (*unstructured.Unstructured, *unstructured.Unstructured) {
	var p, l *unstructured.Unstructured
	if predicted != nil {
		p = predicted.DeepCopy()
	}
	if live != nil {
		l = live.DeepCopy()
	}
	var applied *unstructured.Unstructured
	if isSecret(l) {
		var ok bool
		if applied, ok = lastApplied(l); !ok {
			// Unreadable, so it cannot be masked value by value: hide it all.
			ann := l.GetAnnotations()
			ann[lastAppliedAnnotation] = maskBase
			l.SetAnnotations(ann)
		}
	}
	var secrets []*unstructured.Unstructured
	for _, u := range []*unstructured.Unstructured{p, l, applied} {
		if isSecret(u) {
			normalizeSecret(u)
			secrets = append(secrets, u)
		}
	}
	if len(secrets) == 0 {
		return p, l
	}
	keys := map[string]bool{}
	for _, u := range secrets {
		if data, ok := u.Object["data"].(map[string]any); ok {
			for k := range data {
				keys[k] = true
			}
		}
	}
	for _, k := range slices.Sorted(maps.Keys(keys)) {
		next := maskBase
		masks := map[string]string{}
		for _, u := range secrets {
			data, ok := u.Object["data"].(map[string]any)
			if !ok {
				continue
			}
			v, ok := data[k]
			if !ok {
				continue
			}
			s := valueString(v)
			mask, seen := masks[s]
			if !seen {
				mask = next
				next += "++++"
				masks[s] = mask
			}
			data[k] = mask
		}
	}
	if applied != nil {
		ann := l.GetAnnotations()
		ann[lastAppliedAnnotation] = maskBase
		if raw, err := json.Marshal(applied.Object); err == nil {
			ann[lastAppliedAnnotation] = string(raw)
		}
		l.SetAnnotations(ann)
	}
	return p, l
}

// lastApplied parses the kubectl last-applied annotation of u. It returns
// nil, true when there is none and false when it is not a readable Secret.
func lastApplied(u *unstructured.Unstructured) (*unstructured.Unstructured, bool) {
	raw, ok := u.GetAnnotations()[lastAppliedAnnotation]
	if !ok {
		return nil, true
	}
	obj := map[string]any{}
	if err := json.Unmarshal([]byte(raw), &obj); err != nil {
		return nil, false
	}
	applied := &unstructured.Unstructured{Object: obj}
	if !isSecret(applied) {
		return nil, false
	}
	return applied, true
}

func valueString(v any) string {
	if v == nil {
		return ""
	}
	return fmt.Sprintf("%v", v)
}
