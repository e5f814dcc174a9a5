package helm

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"helm.sh/helm/v4/pkg/chart/v2/loader"
)

// FuzzMergeValues merges arbitrary values files, inline values, a
// valuesObject and parameters the way Argo CD passes them to Helm
// (mergeValues). Besides "no panic", it checks:
//
//   - a valuesObject replaces the inline values entirely;
//   - a valuesObject survives its conversion to the YAML Argo CD writes;
//   - a scalar top-level key of the inline values wins over the files,
//     and one only the last file sets keeps that file's value;
//   - the last --set-string parameter with a plain name sets that name to
//     its value verbatim (commas included).
//
// params holds one parameter per line, name=value; a leading '!' makes it
// a --set-string parameter.
func FuzzMergeValues(f *testing.F) {
	f.Add("image:\n  tag: v1\nreplicas: 1\n", "replicas: 2\nlist: [a, b]\n", "replicas: 3\nimage:\n  repository: nginx\n", `{"replicas": 4}`, false, "image.tag=v2\n!name=a,b")
	f.Add("a: 1", "b: 2", "", `{"a": {"b": [1, 2.5, "x", null, true]}}`, true, "!a=1")
	f.Add("", "", "x: ${ARGOCD_APP_NAME}", "", false, "x=$ARGOCD_APP_NAME\n!y=$$\nz={a,b}\nw[2]=3")
	f.Add("---\na: 1\n---\nb: 2\n", "a: null", "a: {b: c}", `{}`, true, "a.b.c=d\n!a.b=e\n!n=")
	f.Add("[1, 2]", "k: &x [*x]", "\t", `[1]`, true, `!k=\,`)
	f.Add("yes: no\non: off\n", "\"1\": 1\n", "1: one\n", `{"yes": "on", "t": "true", "n": "1e3"}`, true, "!s=true\nb=true\nn=0x10")

	dir := f.TempDir()
	fileA, fileB := filepath.Join(dir, "a.yaml"), filepath.Join(dir, "b.yaml")

	f.Fuzz(func(t *testing.T, a, b, values, object string, useObject bool, params string) {
		if !utf8.ValidString(params) || !utf8.ValidString(values) {
			// An Application's parameters and values are JSON strings,
			// valid UTF-8 by the time they reach a render.
			return
		}
		if len(params) > 512 {
			// A parameter may name a list index up to strvals.MaxIndex;
			// many of them only make the fuzzer slow.
			t.Skip("parameters too long")
		}
		if err := os.WriteFile(fileA, []byte(a), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(fileB, []byte(b), 0o600); err != nil {
			t.Fatal(err)
		}
		opts := Options{
			ValueFiles: []string{fileA, fileB},
			Values:     values,
			Parameters: parseFuzzParameters(params),
			Env:        map[string]string{"ARGOCD_APP_NAME": "app"},
		}
		var obj map[string]any
		if useObject {
			if json.Unmarshal([]byte(object), &obj) != nil || obj == nil {
				obj = map[string]any{}
			}
			opts.ValuesObject = obj
		}

		merged, err := mergeValues(opts)
		if err != nil {
			if merged != nil {
				t.Fatalf("error %v returned with values", err)
			}
			return
		}
		if merged == nil {
			t.Fatal("mergeValues returned nil values without an error")
		}

		if useObject {
			// valuesObject survives the conversion Argo CD makes.
			inline, err := inlineValues(opts)
			if err != nil {
				t.Fatalf("inlineValues of a JSON object: %v", err)
			}
			back, err := loader.LoadValues(strings.NewReader(string(inline)))
			if err != nil {
				t.Fatalf("valuesObject %s written as YAML does not load: %v\n%s", object, err, inline)
			}
			if !sameJSON(back, obj) {
				t.Fatalf("valuesObject changed in its YAML form:\n got %s\nwant %s\n%s", toJSON(back), toJSON(obj), inline)
			}
			// ... and the inline values play no part.
			other := opts
			other.Values = "replaced: [entirely]\n" + values
			m2, err := mergeValues(other)
			if err != nil || !sameJSON(m2, merged) {
				t.Fatalf("inline values changed the result although valuesObject is set: %v", err)
			}
		}

		// Precedence of files and inline values, checked when there are no
		// parameters to change things afterwards.
		if len(opts.Parameters) == 0 {
			_, errA := loader.LoadValues(strings.NewReader(a))
			fb, errB := loader.LoadValues(strings.NewReader(b))
			inline, errI := inlineValues(opts)
			if errI != nil {
				t.Fatal(errI)
			}
			fi, errI := loader.LoadValues(strings.NewReader(string(inline)))
			if errA != nil || errB != nil || errI != nil {
				t.Fatalf("mergeValues succeeded but a source does not load: %v, %v, %v", errA, errB, errI)
			}
			for k, v := range fi {
				if _, isMap := v.(map[string]any); !isMap && !sameJSON(merged[k], v) {
					t.Fatalf("inline value %q = %s, merged %s", k, toJSON(v), toJSON(merged[k]))
				}
			}
			for k, v := range fb {
				if _, inInline := fi[k]; inInline {
					continue
				}
				if _, isMap := v.(map[string]any); !isMap && !sameJSON(merged[k], v) {
					t.Fatalf("value %q of the last file = %s, merged %s", k, toJSON(v), toJSON(merged[k]))
				}
			}
		}

		// The last --set-string parameter, when nothing after it can
		// touch its name.
		_, setString := splitParameters(opts)
		if n := len(setString); n > 0 {
			p := setString[n-1]
			if plainName.MatchString(p.Name) && !strings.ContainsAny(p.Value, `\$`) &&
				!(strings.HasPrefix(p.Value, "{") && strings.HasSuffix(p.Value, "}")) {
				if got, ok := merged[p.Name].(string); !ok || got != p.Value {
					t.Fatalf("--set-string %s=%q gave %#v", p.Name, p.Value, merged[p.Name])
				}
			}
		}
	})
}

// plainName is a parameter name strvals takes as one map key.
var plainName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]*$`)

func parseFuzzParameters(s string) []Parameter {
	var out []Parameter
	for _, line := range strings.Split(s, "\n") {
		if line == "" {
			continue
		}
		force := strings.HasPrefix(line, "!")
		name, value, _ := strings.Cut(strings.TrimPrefix(line, "!"), "=")
		out = append(out, Parameter{Name: name, Value: value, ForceString: force})
	}
	return out
}

// sameJSON compares two values by their JSON encoding, under which int64 1
// and float64 1 are the same number.
func sameJSON(a, b any) bool {
	return toJSON(a) == toJSON(b)
}

func toJSON(v any) string {
	out, err := json.Marshal(v)
	if err != nil {
		return "<" + err.Error() + ">"
	}
	return string(out)
}
