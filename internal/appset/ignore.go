package appset

import (
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/diff"
)

// ignoreRule is one ignoreApplicationDifferences entry: for the
// Application named (all when ""), fields left as the live one has them.
type ignoreRule struct {
	name  string
	rules []diff.Rule
}

func ignoreRules(set *v1alpha1.ApplicationSet) ([]ignoreRule, error) {
	var out []ignoreRule
	for i, d := range set.Spec.IgnoreApplicationDifferences {
		r := diff.Rule{Group: v1alpha1.SchemeGroupVersion.Group, Kind: "Application", JSONPointers: d.JSONPointers, JQPathExpressions: d.JQPathExpressions}
		// Compile once against an empty object to report a bad rule now.
		if _, err := diff.RespectIgnored(emptyApp(), emptyApp(), []diff.Rule{r}); err != nil {
			return nil, fmt.Errorf("ignoreApplicationDifferences[%d]: %w", i, err)
		}
		out = append(out, ignoreRule{name: d.Name, rules: []diff.Rule{r}})
	}
	return out, nil
}

func emptyApp() *unstructured.Unstructured {
	u := &unstructured.Unstructured{Object: map[string]any{}}
	u.SetAPIVersion(v1alpha1.SchemeGroupVersion.String())
	u.SetKind("Application")
	return u
}

// respectIgnored returns want with every ignored field as live has it.
func respectIgnored(want, live *v1alpha1.Application, rules []ignoreRule) (*v1alpha1.Application, error) {
	var apply []diff.Rule
	for _, r := range rules {
		if r.name == "" || r.name == want.Name {
			apply = append(apply, r.rules...)
		}
	}
	if len(apply) == 0 {
		return want, nil
	}
	w, err := toUnstructured(want)
	if err != nil {
		return nil, err
	}
	l, err := toUnstructured(live)
	if err != nil {
		return nil, err
	}
	out, err := diff.RespectIgnored(w, l, apply)
	if err != nil {
		return nil, fmt.Errorf("ignoreApplicationDifferences of %s: %w", want.Name, err)
	}
	app := &v1alpha1.Application{}
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(out.Object, app); err != nil {
		return nil, fmt.Errorf("decode application %s: %w", want.Name, err)
	}
	// Rules never rename, move or operate an Application.
	app.Name, app.Namespace, app.Operation = want.Name, want.Namespace, want.Operation
	app.Status = live.Status
	return app, nil
}

func toUnstructured(app *v1alpha1.Application) (*unstructured.Unstructured, error) {
	c := app.DeepCopy()
	c.APIVersion, c.Kind = v1alpha1.SchemeGroupVersion.String(), "Application"
	c.Status = v1alpha1.ApplicationStatus{}
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(c)
	if err != nil {
		return nil, fmt.Errorf("encode application %s: %w", app.Name, err)
	}
	return &unstructured.Unstructured{Object: m}, nil
}
