package diff

import (
	"fmt"
	"strings"

	"github.com/pmezard/go-difflib/difflib"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"
)

// Result is a per-object diff for display.
type Result struct {
	// Modified is true when the normalised objects differ, including when
	// one of them is missing.
	Modified bool
	// Unified is a unified diff of the normalised YAML, "live" against
	// "desired", with Secret values masked; empty when not Modified.
	Unified string
}

// diffContext is the number of unchanged lines shown around a change.
const diffContext = 3

// Diff normalises predicted and live as Equal does and renders their
// difference. live may be nil (an object to create) and predicted may be
// nil (an object to prune). Secret values are always masked in Unified.
func Diff(predicted, live *unstructured.Unstructured, rules []Rule) (Result, error) {
	p, l, err := normalizePair(predicted, live, rules)
	if err != nil {
		return Result{}, err
	}
	if sameObject(p, l) {
		return Result{}, nil
	}
	p, l = MaskSecrets(p, l)
	from, err := toYAML(l)
	if err != nil {
		return Result{}, fmt.Errorf("render live: %w", err)
	}
	to, err := toYAML(p)
	if err != nil {
		return Result{}, fmt.Errorf("render desired: %w", err)
	}
	unified, err := difflib.GetUnifiedDiffString(difflib.UnifiedDiff{
		A:        splitLines(from),
		B:        splitLines(to),
		FromFile: "live",
		ToFile:   "desired",
		Context:  diffContext,
	})
	if err != nil {
		return Result{}, fmt.Errorf("render diff: %w", err)
	}
	return Result{Modified: true, Unified: unified}, nil
}

// toYAML renders u with sorted keys, or "" for nil.
func toYAML(u *unstructured.Unstructured) (string, error) {
	if u == nil {
		return "", nil
	}
	out, err := yaml.Marshal(u.Object)
	if err != nil {
		return "", err
	}
	return strings.TrimSuffix(string(out), "\n") + "\n", nil
}

// splitLines splits s into lines that keep their "\n", without the empty
// last line difflib.SplitLines would add.
func splitLines(s string) []string {
	lines := strings.SplitAfter(s, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}
