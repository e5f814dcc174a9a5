package directory

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"flotilla.dev/flotilla/internal/object"
)

const cm = `apiVersion: v1
kind: ConfigMap
metadata:
  name: %s
`

func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for name, content := range files {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func cmFile(name string) string { return strings.Replace(cm, "%s", name, 1) }

func TestRender(t *testing.T) {
	tree := map[string]string{
		"app/a.yaml":           cmFile("a"),
		"app/b.yml":            cmFile("b") + "---\n" + cmFile("b2"),
		"app/c.json":           `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"}}`,
		"app/README.md":        "# not a manifest",
		"app/values.yaml":      "replicas: 3\n",
		"app/Chart.yaml":       "apiVersion: v2\nname: chart\nversion: 1.0.0\n",
		"app/cluster.yaml":     "kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnodes: [{role: control-plane}]\n",
		"app/settings.yaml":    "apiVersion: 2\nmetadata: [not, a, map]\n",
		"app/skip.yaml":        "# +argocd:skip-file-rendering\n" + cmFile("skipped"),
		"app/sub/d.yaml":       cmFile("d"),
		"app/sub/deep/e.yaml":  cmFile("e"),
		"app/list.yaml":        "apiVersion: v1\nkind: List\nitems:\n- " + strings.ReplaceAll(cmFile("l1"), "\n", "\n  "),
		"other/outside.yaml":   cmFile("outside"),
		"app/.git/config.yaml": cmFile("git"),
	}
	tests := []struct {
		name string
		opts Options
		want string
	}{
		{name: "top level only", want: "a,b,b2,c,l1"},
		{name: "recurse", opts: Options{Recurse: true}, want: "a,b,b2,c,l1,d,e"},
		{name: "include one file", opts: Options{Include: "a.yaml"}, want: "a"},
		{name: "include alternatives", opts: Options{Include: "{a.yaml,c.json}"}, want: "a,c"},
		{name: "exclude with star crossing dirs", opts: Options{Recurse: true, Exclude: "sub/*"}, want: "a,b,b2,c,l1"},
		{name: "include nested glob", opts: Options{Recurse: true, Include: "*/e.yaml"}, want: "e"},
		{name: "include and exclude", opts: Options{Recurse: true, Include: "*.yaml", Exclude: "{list.yaml,sub/d.yaml}"}, want: "a,e"},
	}
	root := writeTree(t, tree)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			objs, err := Render(root, filepath.Join(root, "app"), tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, o := range objs {
				names = append(names, o.GetName())
			}
			if got := strings.Join(names, ","); got != tt.want {
				t.Fatalf("got %s, want %s", got, tt.want)
			}
		})
	}
}

func TestRenderErrors(t *testing.T) {
	tests := []struct {
		name    string
		files   map[string]string
		link    [2]string // symlink name -> target (relative to root)
		appPath string
		opts    Options
		wantErr string
	}{
		{
			name:    "broken manifest names the file",
			files:   map[string]string{"app/good.yaml": cmFile("a"), "app/bad.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x\n"},
			appPath: "app",
			wantErr: "bad.yaml",
		},
		{
			name:    "json with two objects",
			files:   map[string]string{"app/two.json": `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a"}}` + "\n" + `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"b"}}`},
			appPath: "app",
			wantErr: "two.json",
		},
		{
			name:    "manifest without kind",
			files:   map[string]string{"app/a.yaml": cmFile("a"), "app/nokind.yaml": "apiVersion: v1\nmetadata:\n  name: x\n"},
			appPath: "app",
			wantErr: "nokind.yaml: document 1: object has no kind",
		},
		{
			name:    "manifest without apiVersion",
			files:   map[string]string{"app/a.yaml": cmFile("a"), "app/noversion.yaml": "kind: ConfigMap\nmetadata:\n  name: x\n"},
			appPath: "app",
			wantErr: "noversion.yaml: document 1: object has no apiVersion",
		},
		{
			name:    "key given twice",
			files:   map[string]string{"app/twice.yaml": cmFile("a") + "data:\n  v: one\n  v: two\n"},
			appPath: "app",
			wantErr: "twice.yaml: document 1: parse: yaml: unmarshal errors:\n  line 7: key \"v\" already set in map",
		},
		{
			name:    "key given twice in json",
			files:   map[string]string{"app/twice.json": `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a","name":"b"}}`},
			appPath: "app",
			wantErr: "twice.json: document 1: parse: yaml: unmarshal errors:\n  line 1: key \"name\" already set in map",
		},
		{
			name:    "path outside the repository",
			files:   map[string]string{"app/a.yaml": cmFile("a")},
			appPath: "app/../..",
			wantErr: "outside the repository",
		},
		{
			name:    "symlink outside the repository",
			files:   map[string]string{"app/a.yaml": cmFile("a")},
			link:    [2]string{"app/evil.yaml", "/etc/hostname"},
			appPath: "app",
			wantErr: "symlink evil.yaml: resolves outside the repository",
		},
		{
			name:    "bad glob",
			files:   map[string]string{"app/a.yaml": cmFile("a")},
			appPath: "app",
			opts:    Options{Include: "[a"},
			wantErr: "directory include",
		},
		{
			name:    "size limit",
			files:   map[string]string{"app/a.yaml": cmFile("a")},
			appPath: "app",
			opts:    Options{MaxTotalBytes: 10},
			wantErr: "size limit",
		},
		{
			name:    "size limit before any file is decoded",
			files:   map[string]string{"app/a.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: [broken\n", "app/b.yaml": cmFile("b") + "data:\n  v: " + strings.Repeat("x", 200) + "\n"},
			appPath: "app",
			opts:    Options{MaxTotalBytes: 100},
			wantErr: "manifests exceed the size limit of 100 bytes at b.yaml",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := writeTree(t, tt.files)
			if tt.link[0] != "" {
				if err := os.Symlink(tt.link[1], filepath.Join(root, tt.link[0])); err != nil {
					t.Fatal(err)
				}
			}
			_, err := Render(root, filepath.Join(root, tt.appPath), tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error = %v, want containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestRenderSymlinkInsideRepo(t *testing.T) {
	root := writeTree(t, map[string]string{"shared/x.yaml": cmFile("x"), "app/a.yaml": cmFile("a")})
	if err := os.Symlink("../shared/x.yaml", filepath.Join(root, "app/x.yaml")); err != nil {
		t.Fatal(err)
	}
	objs, err := Render(root, filepath.Join(root, "app"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(objs) != 2 || object.KeyOf(objs[1]).Name != "x" {
		t.Fatalf("got %d objects", len(objs))
	}
}
