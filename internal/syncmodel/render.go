package syncmodel

import (
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"flotilla.dev/flotilla/internal/diff"
)

// withDiff renders r's diff when the caller asked for diffs: both sides
// normalised with the app's ignore rules and Secret-masked (the only
// masking there is), and the unified diff live → predicted.
func (c *comparer) withDiff(r *Resource) error {
	if !c.in.Diffs {
		return nil
	}
	d, err := renderDiff(r.Predicted, r.Live, c.rules)
	if err != nil {
		return fmt.Errorf("diff %s: %w", describe(r.Key), err)
	}
	d.Modified = d.Modified || r.DryRunError != ""
	r.Diff = d
	return nil
}

// renderDiff is the masked diff of predicted (nil: a prune) against live
// (nil: missing).
func renderDiff(predicted, live *unstructured.Unstructured, rules []diff.Rule) (*Diff, error) {
	res, err := diff.Diff(predicted, live, rules)
	if err != nil {
		return nil, err
	}
	p, err := diff.Normalize(predicted, rules, live)
	if err != nil {
		return nil, fmt.Errorf("normalise desired: %w", err)
	}
	l, err := diff.Normalize(live, rules, live)
	if err != nil {
		return nil, fmt.Errorf("normalise live: %w", err)
	}
	p, l = diff.MaskSecrets(p, l)
	out := &Diff{Modified: res.Modified, Unified: res.Unified}
	if out.Desired, err = toYAML(p); err != nil {
		return nil, err
	}
	out.Live, err = toYAML(l)
	return out, err
}

func toYAML(u *unstructured.Unstructured) (string, error) {
	if u == nil {
		return "", nil
	}
	b, err := yaml.Marshal(u.Object)
	if err != nil {
		return "", fmt.Errorf("encode %s %s: %w", u.GetKind(), u.GetName(), err)
	}
	return string(b), nil
}
