package treediff

import (
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/diff"
)

// ParseIgnore parses ignore rules (see diff.RulesOf for Rules) in Argo CD's ignoreDifferences format: a
// YAML list of {group, kind, name, namespace, jsonPointers,
// jqPathExpressions}. Invalid rules (no kind, a bad pointer or jq
// expression) are an error.
func ParseIgnore(data []byte) (v1alpha1.IgnoreDifferences, error) {
	var items v1alpha1.IgnoreDifferences
	if err := yaml.UnmarshalStrict(data, &items); err != nil {
		return nil, fmt.Errorf("parse ignore rules: %w", err)
	}
	rules := diff.RulesOf(items)
	probe := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]any{"name": "probe"}}}
	if _, err := diff.Equal(probe, probe, rules); err != nil {
		return nil, fmt.Errorf("ignore rules: %w", err)
	}
	return items, nil
}
