package appset

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"
)

// paramSelector is a generator's post-selector over its flattened
// parameter sets. Like Argo CD's copy of LabelSelectorAsSelector it checks
// keys as label keys but takes any value, so that URLs and paths can be
// matched. A nil paramSelector keeps everything.
type paramSelector []requirement

// requirement is one matchLabels entry or matchExpressions element.
type requirement struct {
	key    string
	op     metav1.LabelSelectorOperator
	values []string
}

// newParamSelector converts a generator's selector; nil selects all.
func newParamSelector(ls *metav1.LabelSelector) (paramSelector, error) {
	if ls == nil {
		return nil, nil
	}
	sel := paramSelector{}
	for k, v := range ls.MatchLabels {
		r, err := newRequirement(k, metav1.LabelSelectorOpIn, []string{v})
		if err != nil {
			return nil, err
		}
		sel = append(sel, r)
	}
	for _, e := range ls.MatchExpressions {
		r, err := newRequirement(e.Key, e.Operator, e.Values)
		if err != nil {
			return nil, err
		}
		sel = append(sel, r)
	}
	sort.SliceStable(sel, func(i, j int) bool { return sel[i].key < sel[j].key })
	return sel, nil
}

// newRequirement checks a requirement as Argo CD does: a qualified key,
// values for In and NotIn, none for Exists and DoesNotExist.
func newRequirement(key string, op metav1.LabelSelectorOperator, values []string) (requirement, error) {
	if errs := validation.IsQualifiedName(key); len(errs) != 0 {
		return requirement{}, fmt.Errorf("invalid key %q: %s", key, strings.Join(errs, "; "))
	}
	switch op {
	case metav1.LabelSelectorOpIn, metav1.LabelSelectorOpNotIn:
		if len(values) == 0 {
			return requirement{}, fmt.Errorf("key %q: values of %s can't be empty", key, op)
		}
	case metav1.LabelSelectorOpExists, metav1.LabelSelectorOpDoesNotExist:
		if len(values) != 0 {
			return requirement{}, fmt.Errorf("key %q: values of %s must be empty", key, op)
		}
	default:
		return requirement{}, fmt.Errorf("%q is not a valid selector operator", op)
	}
	return requirement{key: key, op: op, values: slices.Clone(values)}, nil
}

// matches reports whether the flattened parameters satisfy r.
func (r requirement) matches(flat map[string]string) bool {
	v, ok := flat[r.key]
	switch r.op {
	case metav1.LabelSelectorOpIn:
		return ok && slices.Contains(r.values, v)
	case metav1.LabelSelectorOpNotIn:
		return !ok || !slices.Contains(r.values, v)
	case metav1.LabelSelectorOpExists:
		return ok
	case metav1.LabelSelectorOpDoesNotExist:
		return !ok
	}
	return false
}

// matches reports whether a parameter set satisfies every requirement.
func (s paramSelector) matches(params map[string]any) bool {
	flat := FlattenParams(params)
	for _, r := range s {
		if !r.matches(flat) {
			return false
		}
	}
	return true
}

// filter keeps the parameter sets s matches; a nil s keeps all.
func (s paramSelector) filter(params []map[string]any) []map[string]any {
	if s == nil {
		return params
	}
	var kept []map[string]any
	for _, p := range params {
		if s.matches(p) {
			kept = append(kept, p)
		}
	}
	return kept
}
