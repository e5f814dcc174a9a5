package directory

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// secretMarker is the content of files outside the repository; it must
// never show up in output or errors.
const secretMarker = "OUTSIDE-SECRET-91c2"

func jsonnetCM(name, data string) string {
	return `{apiVersion: "v1", kind: "ConfigMap", metadata: {name: ` + name + `}` + data + `}`
}

func TestRenderJsonnet(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		opts  Jsonnet
		want  string // name=value of data.v (or just names) in order
	}{
		{
			name:  "single object",
			files: map[string]string{"app/main.jsonnet": jsonnetCM(`"one"`, "")},
			want:  "one",
		},
		{
			name:  "array of objects, nulls skipped",
			files: map[string]string{"app/main.jsonnet": "[" + jsonnetCM(`"a"`, "") + ", null, " + jsonnetCM(`"b"`, "") + "]"},
			want:  "a,b",
		},
		{
			name: "list is flattened",
			files: map[string]string{"app/main.jsonnet": `{apiVersion: "v1", kind: "List", items: [` +
				jsonnetCM(`"l1"`, "") + ", " + jsonnetCM(`"l2"`, "") + "]}"},
			want: "l1,l2",
		},
		{
			name:  "ext var string and code",
			files: map[string]string{"app/main.jsonnet": jsonnetCM(`std.extVar("n")`, `, data: {v: std.toString(std.extVar("c") + 1)}`)},
			opts:  Jsonnet{ExtVars: []Var{{Name: "n", Value: "from-ext"}, {Name: "c", Value: "41", Code: true}}},
			want:  "from-ext=42",
		},
		{
			name:  "tla string and code",
			files: map[string]string{"app/main.jsonnet": "function(name, replicas) " + jsonnetCM("name", `, data: {v: std.toString(replicas * 2)}`)},
			opts:  Jsonnet{TLAs: []Var{{Name: "name", Value: "from-tla"}, {Name: "replicas", Value: "{a: 3}.a", Code: true}}},
			want:  "from-tla=6",
		},
		{
			name: "import from libs relative to the repository root",
			files: map[string]string{
				"app/main.jsonnet":           `local k = import "k.libsonnet"; k.cm("lib")`,
				"vendor/k/k.libsonnet":       `{cm(n):: ` + jsonnetCM("n", `, data: {v: importstr "v.txt"}`) + "}",
				"vendor/k/v.txt":             "from-file",
				"app/helper.libsonnet":       `error "libsonnet files are not rendered"`,
				"other/k.libsonnet":          `{cm(n):: error "wrong library order"}`,
				"vendor/unused/README.jsonn": "",
			},
			opts: Jsonnet{Libs: []string{"other", "/vendor/k"}},
			want: "lib=from-file",
		},
		{
			name: "relative import next to the file wins over libs",
			files: map[string]string{
				"app/main.jsonnet":       `(import "lib/x.libsonnet")`,
				"app/lib/x.libsonnet":    jsonnetCM(`"local"`, ""),
				"vendor/lib/x.libsonnet": jsonnetCM(`"vendor"`, ""),
			},
			opts: Jsonnet{Libs: []string{"vendor"}},
			want: "local",
		},
		{
			name: "library imports relative to itself",
			files: map[string]string{
				"app/main.jsonnet":          `(import "k/k.libsonnet").cm`,
				"vendor/k/k.libsonnet":      `{cm: (import "../common.libsonnet")}`,
				"vendor/common.libsonnet":   jsonnetCM(`"nested"`, ""),
				"app/common.libsonnet":      `error "not this one"`,
				"vendor/k/common.libsonnet": `error "nor this one"`,
			},
			opts: Jsonnet{Libs: []string{"vendor"}},
			want: "nested",
		},
		{
			name:  "std.thisFile is repository-relative",
			files: map[string]string{"app/main.jsonnet": jsonnetCM(`"this"`, `, data: {v: std.thisFile}`)},
			want:  "this=app/main.jsonnet",
		},
		{
			name: "skip marker",
			files: map[string]string{
				"app/a.jsonnet": "// +argocd:skip-file-rendering\nerror 'skipped'",
				"app/b.yaml":    cmFile("b"),
			},
			want: "b",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := writeTree(t, tt.files)
			objs, err := Render(root, filepath.Join(root, "app"), Options{Jsonnet: tt.opts})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, o := range objs {
				s := o.GetName()
				if v, ok, _ := unstructuredString(o.Object, "data", "v"); ok {
					s += "=" + v
				}
				got = append(got, s)
			}
			if strings.Join(got, ",") != tt.want {
				t.Fatalf("got %s, want %s", strings.Join(got, ","), tt.want)
			}
		})
	}
}

func unstructuredString(obj map[string]any, fields ...string) (string, bool, error) {
	var cur any = obj
	for _, f := range fields {
		m, ok := cur.(map[string]any)
		if !ok {
			return "", false, nil
		}
		if cur, ok = m[f]; !ok {
			return "", false, nil
		}
	}
	s, ok := cur.(string)
	return s, ok, nil
}

func TestRenderJsonnetErrors(t *testing.T) {
	tests := []struct {
		name    string
		files   map[string]string
		links   map[string]string // repo-relative link -> target; "OUT" is the outside dir
		opts    Jsonnet
		wantErr string
	}{
		{
			name:    "evaluation error names the file",
			files:   map[string]string{"app/bad.jsonnet": `{a: error "boom"}`},
			wantErr: "app/bad.jsonnet: evaluate jsonnet",
		},
		{
			name:    "output that is not an object",
			files:   map[string]string{"app/str.jsonnet": `"just a string"`},
			wantErr: "str.jsonnet: jsonnet output is neither an object nor an array",
		},
		{
			name:    "array item that is not an object",
			files:   map[string]string{"app/arr.jsonnet": `[1]`},
			wantErr: "arr.jsonnet: jsonnet output item 0 is not an object",
		},
		{
			name:    "object without kind",
			files:   map[string]string{"app/nokind.jsonnet": `{apiVersion: "v1", metadata: {name: "x"}}`},
			wantErr: "nokind.jsonnet: jsonnet output: document 1: object has no kind",
		},
		{
			name:    "missing import",
			files:   map[string]string{"app/main.jsonnet": `import "nope.libsonnet"`},
			wantErr: `couldn't open import "nope.libsonnet"`,
		},
		{
			name:    "missing tla",
			files:   map[string]string{"app/main.jsonnet": `function(x) {}`},
			wantErr: "main.jsonnet: evaluate jsonnet",
		},
		{
			name:    "relative import beyond the repository",
			files:   map[string]string{"app/main.jsonnet": `import "../../outside/secret.libsonnet"`},
			wantErr: "resolves outside the repository",
		},
		{
			name:    "importstr beyond the repository",
			files:   map[string]string{"app/main.jsonnet": `{apiVersion: "v1", kind: "ConfigMap", metadata: {name: importstr "../../outside/secret.txt"}}`},
			wantErr: "resolves outside the repository",
		},
		{
			name:    "absolute import",
			files:   map[string]string{"app/main.jsonnet": `import "OUT/secret.libsonnet"`},
			wantErr: "absolute paths are outside the repository",
		},
		{
			name:    "import through a symlink",
			files:   map[string]string{"app/main.jsonnet": `import "link.libsonnet"`},
			links:   map[string]string{"app/link.libsonnet": "OUT/secret.libsonnet"},
			wantErr: `import "link.libsonnet" resolves outside the repository`,
		},
		{
			name:    "import through a symlinked directory in libs",
			files:   map[string]string{"app/main.jsonnet": `import "secret.libsonnet"`},
			links:   map[string]string{"vendor": "OUT"},
			opts:    Jsonnet{Libs: []string{"vendor"}},
			wantErr: "jsonnet library vendor resolves outside the repository",
		},
		{
			name:    "import through a symlinked directory",
			files:   map[string]string{"app/main.jsonnet": `import "sub/secret.libsonnet"`},
			links:   map[string]string{"app/sub": "OUT"},
			wantErr: "resolves outside the repository",
		},
		{
			name:    "lib beyond the repository",
			files:   map[string]string{"app/main.jsonnet": `import "secret.libsonnet"`},
			opts:    Jsonnet{Libs: []string{"../outside"}},
			wantErr: "jsonnet library ../outside resolves outside the repository",
		},
		{
			name:    "jsonnet file symlinked outside",
			files:   map[string]string{"app/ok.yaml": cmFile("ok")},
			links:   map[string]string{"app/main.jsonnet": "OUT/secret.libsonnet"},
			wantErr: "resolves outside the repository",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tmp := t.TempDir()
			out := filepath.Join(tmp, "outside")
			secret := `{apiVersion: "v1", kind: "ConfigMap", metadata: {name: "` + secretMarker + `"}}`
			for name, content := range map[string]string{"secret.libsonnet": secret, "secret.txt": secretMarker} {
				if err := os.MkdirAll(out, 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(out, name), []byte(content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			root := filepath.Join(tmp, "repo")
			for name, content := range tt.files {
				p := filepath.Join(root, name)
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, []byte(strings.ReplaceAll(content, "OUT", out)), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			for link, target := range tt.links {
				p := filepath.Join(root, link)
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.Symlink(strings.Replace(target, "OUT", out, 1), p); err != nil {
					t.Fatal(err)
				}
			}
			objs, err := Render(root, filepath.Join(root, "app"), Options{Jsonnet: tt.opts})
			if err == nil {
				t.Fatalf("rendered %d objects, want an error", len(objs))
			}
			t.Log(err)
			if strings.Contains(err.Error(), secretMarker) {
				t.Fatalf("error leaks the outside file: %v", err)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error = %v, want containing %q", err, tt.wantErr)
			}
			if strings.Contains(err.Error(), root) {
				t.Fatalf("error shows the checkout path: %v", err)
			}
		})
	}
}

func TestRenderJsonnetSizeNotCounted(t *testing.T) {
	big := "// " + strings.Repeat("x", 200) + "\n" + jsonnetCM(`"big"`, "")
	root := writeTree(t, map[string]string{"app/big.jsonnet": big})
	objs, err := Render(root, filepath.Join(root, "app"), Options{MaxTotalBytes: 100})
	if err != nil {
		t.Fatal(err)
	}
	if len(objs) != 1 {
		t.Fatalf("got %d objects", len(objs))
	}
}
