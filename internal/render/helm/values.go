package helm

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"helm.sh/helm/v4/pkg/chart/v2/loader"
	"helm.sh/helm/v4/pkg/strvals"
	"sigs.k8s.io/yaml"
)

// mergeValues computes the user-supplied values the way helm's
// values.Options.MergeValues does for the flags Argo CD passes: every
// --values file in order, then --set, --set-string and --set-file.
func mergeValues(opts Options) (map[string]any, error) {
	base := map[string]any{}
	for _, path := range opts.ValueFiles {
		name := shownPath(opts.RepoRoot, path)
		data, err := os.ReadFile(path)
		if err != nil {
			var pe *fs.PathError
			if errors.As(err, &pe) {
				err = pe.Err
			}
			return nil, fmt.Errorf("read value file %s: %w", name, err)
		}
		if base, err = mergeYAML(base, data); err != nil {
			return nil, fmt.Errorf("parse value file %s: %w", name, err)
		}
	}
	inline, err := inlineValues(opts)
	if err != nil {
		return nil, err
	}
	if len(inline) > 0 {
		if base, err = mergeYAML(base, inline); err != nil {
			return nil, fmt.Errorf("parse inline values: %w", err)
		}
	}

	set, setString := splitParameters(opts)
	for _, p := range set {
		if err := strvals.ParseInto(p.Name+"="+cleanSetParameter(envsubst(p.Value, opts.Env)), base); err != nil {
			return nil, fmt.Errorf("parameter %q: %w", p.Name, err)
		}
	}
	for _, p := range setString {
		if err := strvals.ParseIntoString(p.Name+"="+cleanSetParameter(envsubst(p.Value, opts.Env)), base); err != nil {
			return nil, fmt.Errorf("parameter %q: %w", p.Name, err)
		}
	}
	for _, p := range lastByName(opts.FileParameters, func(p FileParameter) string { return p.Name }) {
		reader := func(rs []rune) (any, error) {
			data, err := os.ReadFile(string(rs))
			if err != nil {
				return nil, err
			}
			return string(data), nil
		}
		if err := strvals.ParseIntoFile(p.Name+"="+cleanSetParameter(p.Path), base, reader); err != nil {
			return nil, fmt.Errorf("file parameter %q: %w", p.Name, err)
		}
	}
	return base, nil
}

// shownPath names a resolved value file in messages without the host's
// directories: by its path in the repository, else (a file of another
// source) by its name.
func shownPath(repoRoot, path string) string {
	if root, err := realAbs(repoRoot); err == nil && repoRoot != "" && within(root, path) {
		if rel, err := filepath.Rel(root, path); err == nil {
			return filepath.ToSlash(rel)
		}
	}
	return filepath.Base(path)
}

func mergeYAML(base map[string]any, data []byte) (map[string]any, error) {
	m, err := loader.LoadValues(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	return loader.MergeMaps(base, m), nil
}

// inlineValues is the YAML Argo CD writes to its temporary values file:
// valuesObject converted from JSON when set, values otherwise.
func inlineValues(opts Options) ([]byte, error) {
	if opts.ValuesObject == nil {
		return []byte(opts.Values), nil
	}
	js, err := json.Marshal(opts.ValuesObject)
	if err != nil {
		return nil, fmt.Errorf("encode valuesObject: %w", err)
	}
	out, err := yaml.JSONToYAML(js)
	if err != nil {
		return nil, fmt.Errorf("encode valuesObject: %w", err)
	}
	return out, nil
}

// splitParameters groups parameters into --set and --set-string. Argo CD
// keeps them in two maps keyed by name, so a name's last entry wins within
// each group, and a name present in both groups ends up with the
// --set-string value (applied after --set).
func splitParameters(opts Options) (set, setString []Parameter) {
	for _, p := range lastByName(opts.Parameters, func(p Parameter) string {
		if p.ForceString {
			return "string\x00" + p.Name
		}
		return "set\x00" + p.Name
	}) {
		if p.ForceString {
			setString = append(setString, p)
		} else {
			set = append(set, p)
		}
	}
	return set, setString
}

// lastByName keeps, for each key, the last element with that key, at the
// position where the key first appeared.
func lastByName[T any](in []T, key func(T) string) []T {
	index := map[string]int{}
	var out []T
	for _, v := range in {
		k := key(v)
		if i, ok := index[k]; ok {
			out[i] = v
			continue
		}
		index[k] = len(out)
		out = append(out, v)
	}
	return out
}

// cleanSetParameter escapes commas not already escaped, unless the value is
// a {a,b} list, as Argo CD does before passing --set name=value to helm.
func cleanSetParameter(val string) string {
	if strings.HasPrefix(val, "{") && strings.HasSuffix(val, "}") {
		return val
	}
	var b strings.Builder
	var prev rune
	for _, r := range val {
		if r == ',' && prev != '\\' {
			b.WriteString(`\,`)
		} else {
			b.WriteRune(r)
		}
		prev = r
	}
	return b.String()
}

// envsubst expands $VAR and ${VAR} from env, unknown variables to "", and
// $$ to $, like Argo CD's Env.Envsubst.
func envsubst(s string, env map[string]string) string {
	return os.Expand(s, func(name string) string {
		if name == "$" {
			return "$"
		}
		return env[name]
	})
}
