package appset

import (
	"encoding/json"
	"fmt"

	"k8s.io/apimachinery/pkg/util/strategicpatch"

	"flotilla.dev/flotilla/api/v1alpha1"
)

// ApplyTemplatePatch renders patch (a YAML/JSON string) with params and
// applies it to app as a strategic merge patch, as Argo CD's templatePatch;
// spec.project is kept as it was (Argo CD keeps it). The patch is rendered
// even when params is empty, and app is not changed.
func ApplyTemplatePatch(app *v1alpha1.Application, patch string, params map[string]any, goTemplate bool, options []string) (*v1alpha1.Application, error) {
	rendered, err := RenderString(patch, params, goTemplate, options)
	if err != nil {
		return nil, fmt.Errorf("render templatePatch: %w", err)
	}
	return applyPatch(app, rendered)
}

func applyPatch(app *v1alpha1.Application, patch string) (*v1alpha1.Application, error) {
	original, err := json.Marshal(app)
	if err != nil {
		return nil, fmt.Errorf("encode application: %w", err)
	}
	js, err := yamlToJSON([]byte(patch))
	if err != nil {
		return nil, fmt.Errorf("convert templatePatch to json: %w", err)
	}
	if err := json.Unmarshal(js, &v1alpha1.Application{}); err != nil {
		return nil, fmt.Errorf("invalid templatePatch %q: %w", js, err)
	}
	patched, err := strategicpatch.StrategicMergePatch(original, js, v1alpha1.Application{})
	if err != nil {
		return nil, fmt.Errorf("apply templatePatch %q: %w", js, err)
	}
	out := &v1alpha1.Application{}
	if err := json.Unmarshal(patched, out); err != nil {
		return nil, fmt.Errorf("decode patched application: %w", err)
	}
	// As Argo CD: a patch must not move the Application to another project.
	out.Spec.Project = app.Spec.Project
	return out, nil
}
