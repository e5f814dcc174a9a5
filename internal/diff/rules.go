package diff

import (
	"errors"
	"fmt"
	"slices"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/safeglob"
)

// Rule is one spec.ignoreDifferences entry.
type Rule struct {
	// Group and Kind select objects; both are glob patterns ("*" matches
	// any). Group "" is the core group. Kind is required.
	Group, Kind string
	// Name and Namespace narrow the match; "" matches any.
	Name, Namespace string
	// JSONPointers are RFC 6901 pointers to fields to ignore.
	JSONPointers []string
	// JQPathExpressions are jq path expressions selecting fields to ignore.
	JQPathExpressions []string
	// ManagedFieldsManagers are field managers whose fields in the live
	// object take precedence over the desired state.
	ManagedFieldsManagers []string
}

// compiledRule is a Rule ready to be matched and applied.
type compiledRule struct {
	group, kind     safeglob.Glob
	name, namespace string
	pointers        [][]string
	jq              []*jqExpr
	managers        []string
}

// ruleSet is the compiled form of an Application's ignoreDifferences.
type ruleSet []*compiledRule

func compileRules(rules []Rule) (ruleSet, error) {
	out := make(ruleSet, 0, len(rules))
	for i, r := range rules {
		c, err := compileRule(r)
		if err != nil {
			return nil, fmt.Errorf("ignore rule %d (%s/%s): %w", i, r.Group, r.Kind, err)
		}
		out = append(out, c)
	}
	return out, nil
}

func compileRule(r Rule) (*compiledRule, error) {
	if r.Kind == "" {
		return nil, errors.New("kind is required")
	}
	group, err := compileGlob(r.Group)
	if err != nil {
		return nil, fmt.Errorf("group pattern: %w", err)
	}
	kind, err := compileGlob(r.Kind)
	if err != nil {
		return nil, fmt.Errorf("kind pattern: %w", err)
	}
	c := &compiledRule{
		group:     group,
		kind:      kind,
		name:      r.Name,
		namespace: r.Namespace,
		managers:  r.ManagedFieldsManagers,
	}
	for _, p := range r.JSONPointers {
		tokens, err := parsePointer(p)
		if err != nil {
			return nil, err
		}
		c.pointers = append(c.pointers, tokens)
	}
	for _, e := range r.JQPathExpressions {
		x, err := compileJQ(e)
		if err != nil {
			return nil, err
		}
		c.jq = append(c.jq, x)
	}
	return c, nil
}

// matches reports whether the rule applies to obj, as Argo CD's ignore
// normalizer decides: glob on group and kind, exact name and namespace.
func (c *compiledRule) matches(obj *unstructured.Unstructured) (bool, error) {
	gk := obj.GroupVersionKind().GroupKind()
	if ok, err := c.group.Match(gk.Group); !ok || err != nil {
		return false, ruleError(err)
	}
	if ok, err := c.kind.Match(gk.Kind); !ok || err != nil {
		return false, ruleError(err)
	}
	return (c.name == "" || c.name == obj.GetName()) &&
		(c.namespace == "" || c.namespace == obj.GetNamespace()), nil
}

// ruleError names an ignore rule's pattern that cannot be matched.
func ruleError(err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("ignore rule: %w", err)
}

// matching returns the rules that apply to obj, in order.
func (rs ruleSet) matching(obj *unstructured.Unstructured) ([]*compiledRule, error) {
	if obj == nil {
		return nil, nil
	}
	var out []*compiledRule
	for _, c := range rs {
		ok, err := c.matches(obj)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, c)
		}
	}
	return out, nil
}

// managers merges the trusted managers of the given rules, as Argo CD's
// mergeIgnoreDifferences does.
func managers(matched []*compiledRule) []string {
	var out []string
	for _, c := range matched {
		for _, m := range c.managers {
			if !slices.Contains(out, m) {
				out = append(out, m)
			}
		}
	}
	return out
}

// RulesOf turns an Application's spec.ignoreDifferences into Rules.
func RulesOf(items v1alpha1.IgnoreDifferences) []Rule {
	rules := make([]Rule, 0, len(items))
	for _, d := range items {
		rules = append(rules, Rule{
			Group: d.Group, Kind: d.Kind, Name: d.Name, Namespace: d.Namespace,
			JSONPointers: d.JSONPointers, JQPathExpressions: d.JQPathExpressions,
			ManagedFieldsManagers: d.ManagedFieldsManagers,
		})
	}
	return rules
}
