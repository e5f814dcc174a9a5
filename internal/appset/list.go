package appset

import (
	"encoding/json"
	"errors"
	"fmt"

	"sigs.k8s.io/yaml"

	"flotilla.dev/flotilla/api/v1alpha1"
)

// listParams is one parameter set per element, then one per item of
// elementsYaml. With Go templates an element is taken as it is; with
// fasttemplate its values must be strings, and a `values` map becomes
// `values.<key>` parameters. elementsYaml items are taken as they are in
// both modes, as Argo CD does.
func (g *generation) listParams(l *v1alpha1.ListGenerator) ([]map[string]any, error) {
	res := make([]map[string]any, 0, len(l.Elements))
	for i, raw := range l.Elements {
		var element map[string]any
		if err := json.Unmarshal(raw.Raw, &element); err != nil {
			return nil, fmt.Errorf("element %d: %w", i, err)
		}
		if !g.goTemplate {
			flat, err := stringElement(element)
			if err != nil {
				return nil, fmt.Errorf("element %d: %w", i, err)
			}
			element = flat
		}
		res = append(res, element)
	}
	if l.ElementsYaml != "" {
		var items []map[string]any
		if err := yaml.Unmarshal([]byte(l.ElementsYaml), &items); err != nil {
			return nil, fmt.Errorf("elementsYaml: %w", err)
		}
		res = append(res, items...)
	}
	return res, nil
}

// stringElement is a list element as fasttemplate parameters.
func stringElement(element map[string]any) (map[string]any, error) {
	params := make(map[string]any, len(element))
	for key, value := range element {
		if key != "values" {
			s, ok := value.(string)
			if !ok {
				return nil, fmt.Errorf("value of %q is not a string (only goTemplate takes other values)", key)
			}
			params[key] = s
			continue
		}
		values, ok := value.(map[string]any)
		if !ok {
			return nil, errors.New("values is not a map")
		}
		for k, v := range values {
			s, ok := v.(string)
			if !ok {
				return nil, fmt.Errorf("value of %q is not a string (only goTemplate takes other values)", "values."+k)
			}
			params["values."+k] = s
		}
	}
	return params, nil
}
