package helm

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// configMapData renders and returns the data of ConfigMap name.
func configMapData(t *testing.T, objs []*unstructured.Unstructured, name string) map[string]string {
	t.Helper()
	for _, o := range objs {
		if o.GetKind() == "ConfigMap" && o.GetName() == name {
			data, _, _ := unstructured.NestedStringMap(o.Object, "data")
			return data
		}
	}
	t.Fatalf("no ConfigMap %s in %s", name, dump(t, objs))
	return nil
}

func TestRenderErrors(t *testing.T) {
	tests := []struct {
		name    string
		files   map[string]string
		opts    Options
		wantErr string
	}{
		{
			name:    "library chart",
			files:   map[string]string{"Chart.yaml": "apiVersion: v2\nname: lib\nversion: 1.0.0\ntype: library\n"},
			opts:    Options{ReleaseName: "r"},
			wantErr: "library charts are not installable",
		},
		{
			name:    "no release name",
			files:   valuesChart,
			wantErr: "release name is required",
		},
		{
			name:    "release name too long",
			files:   valuesChart,
			opts:    Options{ReleaseName: strings.Repeat("a", 54)},
			wantErr: "release name",
		},
		{
			name:    "no chart",
			files:   map[string]string{"README.md": "hi"},
			opts:    Options{ReleaseName: "r"},
			wantErr: "Chart.yaml",
		},
		{
			name: "kube version below the chart's",
			files: map[string]string{
				"Chart.yaml": "apiVersion: v2\nname: c\nversion: 1.0.0\nkubeVersion: '>=1.29.0-0'\n",
			},
			opts:    Options{ReleaseName: "r", KubeVersion: "1.28.3"},
			wantErr: "chart requires kubeVersion",
		},
		{
			name:    "bad kube version",
			files:   valuesChart,
			opts:    Options{ReleaseName: "r", KubeVersion: "latest"},
			wantErr: `kube version "latest"`,
		},
		{
			name:    "template error",
			files:   map[string]string{"Chart.yaml": "apiVersion: v2\nname: c\nversion: 1.0.0\n", "templates/x.yaml": "{{ fail \"boom\" }}\n"},
			opts:    Options{ReleaseName: "r"},
			wantErr: "boom",
		},
		{
			name:    "missing value file",
			files:   valuesChart,
			opts:    Options{ReleaseName: "r", ValueFiles: []string{"/nonexistent/values.yaml"}},
			wantErr: "read value file",
		},
		{
			name:    "bad parameter",
			files:   valuesChart,
			opts:    Options{ReleaseName: "r", Parameters: []Parameter{{Name: "a[x]", Value: "1"}}},
			wantErr: `parameter "a[x]"`,
		},
		{
			name: "vendored dependency missing without repository",
			files: map[string]string{
				"Chart.yaml": "apiVersion: v2\nname: c\nversion: 1.0.0\ndependencies:\n- name: sub\n  version: 1.0.0\n",
			},
			opts:    Options{ReleaseName: "r"},
			wantErr: "dependency sub: not in charts/ and no repository",
		},
		{
			name: "repository dependency without fetcher",
			files: map[string]string{
				"Chart.yaml": "apiVersion: v2\nname: c\nversion: 1.0.0\ndependencies:\n- name: sub\n  version: 1.0.0\n  repository: https://charts.example.invalid\n",
			},
			opts:    Options{ReleaseName: "r"},
			wantErr: "no fetcher for chart repositories configured",
		},
		{
			name: "file dependency at the wrong version",
			files: map[string]string{
				"Chart.yaml":             "apiVersion: v2\nname: c\nversion: 1.0.0\ndependencies:\n- name: sub\n  version: ^2.0.0\n  repository: file://sub\n",
				"sub/Chart.yaml":         "apiVersion: v2\nname: sub\nversion: 1.0.0\n",
				"sub/templates/.gitkeep": "",
			},
			opts:    Options{ReleaseName: "r"},
			wantErr: `version 1.0.0 does not satisfy "^2.0.0"`,
		},
		{
			name: "file dependency missing",
			files: map[string]string{
				"Chart.yaml": "apiVersion: v2\nname: c\nversion: 1.0.0\ndependencies:\n- name: sub\n  version: 1.0.0\n  repository: file://nowhere\n",
			},
			opts:    Options{ReleaseName: "r"},
			wantErr: "directory not found",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFiles(t, dir, tt.files)
			_, err := Render(dir, tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error = %v, want containing %q", err, tt.wantErr)
			}
		})
	}
}

// A value file that cannot be read or is no map of values is named by its
// path in the repository, never by the checkout's directory.
func TestRenderValueFileErrorsNameTheFile(t *testing.T) {
	root := t.TempDir()
	writeFiles(t, root, map[string]string{
		"app/Chart.yaml":       "apiVersion: v2\nname: c\nversion: 1.0.0\n",
		"app/values-prod.yaml": "just a sentence\n",
		"app/values-list.yaml": "- a\n- b\n",
	})
	tests := []struct {
		file, wantErr string
	}{
		{file: "app/values-prod.yaml", wantErr: "parse value file app/values-prod.yaml: "},
		{file: "app/values-list.yaml", wantErr: "parse value file app/values-list.yaml: "},
		{file: "app/values-gone.yaml", wantErr: "read value file app/values-gone.yaml: no such file or directory"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			opts := Options{ReleaseName: "r", RepoRoot: root, ValueFiles: []string{filepath.Join(root, tt.file)}}
			_, err := Render(filepath.Join(root, "app"), opts)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error = %v, want containing %q", err, tt.wantErr)
			}
			if strings.Contains(err.Error(), root) {
				t.Fatalf("error names the checkout's directory: %v", err)
			}
		})
	}
}

// A symlink to a directory holding it is refused before helm's loader
// follows it round and round.
func TestRenderSymlinkLoop(t *testing.T) {
	tests := []struct {
		link, target, wantErr string
	}{
		{link: "templates/loop", target: ".", wantErr: "symlink templates/loop leads back to a directory holding it (a loop)"},
		{link: "templates/up", target: "..", wantErr: "symlink templates/up leads back to a directory holding it (a loop)"},
		{link: "files/deep/top", target: "../../templates", wantErr: "symlink files/deep/top/loop leads back"},
	}
	for _, tt := range tests {
		t.Run(tt.link, func(t *testing.T) {
			dir := t.TempDir()
			writeFiles(t, dir, map[string]string{
				"Chart.yaml":       "apiVersion: v2\nname: c\nversion: 1.0.0\n",
				"templates/x.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n",
				"files/deep/.keep": "",
			})
			if tt.link == "files/deep/top" {
				if err := os.Symlink(".", filepath.Join(dir, "templates", "loop")); err != nil {
					t.Fatal(err)
				}
			}
			if err := os.Symlink(tt.target, filepath.Join(dir, filepath.FromSlash(tt.link))); err != nil {
				t.Fatal(err)
			}
			_, err := Render(dir, Options{ReleaseName: "r"})
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error = %v, want containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestRenderSchemaValidation(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"Chart.yaml":         "apiVersion: v2\nname: schema\nversion: 1.0.0\n",
		"values.yaml":        "replicas: 1\n",
		"values.schema.json": `{"type":"object","properties":{"replicas":{"type":"integer"}}}`,
		"templates/cm.yaml":  "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\ndata: {replicas: {{ .Values.replicas | quote }}}\n",
	})
	opts := Options{ReleaseName: "r", Parameters: []Parameter{{Name: "replicas", Value: "many", ForceString: true}}}
	if _, err := Render(dir, opts); err == nil || !strings.Contains(err.Error(), "replicas") {
		t.Fatalf("schema violation: error = %v", err)
	}
	opts.SkipSchemaValidation = true
	objs, err := Render(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	if got := configMapData(t, objs, "cm")["replicas"]; got != "many" {
		t.Fatalf("replicas = %q", got)
	}
}

func TestRenderValuesObjectReplacesValues(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, valuesChart)
	tests := []struct {
		name string
		opts Options
		want string
	}{
		{name: "values only", opts: Options{Values: "a: inline\n"}, want: `{"a":"inline","fromChart":true}`},
		{name: "empty valuesObject still replaces values", opts: Options{Values: "a: inline\n", ValuesObject: map[string]any{}}, want: `{"fromChart":true}`},
		{name: "valuesObject", opts: Options{Values: "a: inline\n", ValuesObject: map[string]any{"b": "object"}}, want: `{"b":"object","fromChart":true}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.ReleaseName = "r"
			objs, err := Render(dir, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if got := configMapData(t, objs, "dump")["values"]; got != tt.want {
				t.Fatalf("values = %s, want %s", got, tt.want)
			}
		})
	}
}

// fakeFetcher serves charts from directories, recording its calls.
type fakeFetcher struct {
	mu    sync.Mutex
	dirs  map[string]string // "repository name" → chart directory
	calls []string
}

func (f *fakeFetcher) FetchDependency(_ context.Context, repository, name, version string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, repository+" "+name+" "+version)
	dir, ok := f.dirs[repository+" "+name]
	if !ok {
		return "", errors.New("chart not found")
	}
	return dir, nil
}

func TestRenderRepositoryDependencies(t *testing.T) {
	fetched := t.TempDir()
	writeFiles(t, filepath.Join(fetched, "redis"), map[string]string{
		"Chart.yaml":        "apiVersion: v2\nname: redis\nversion: 1.4.0\n",
		"values.yaml":       "port: 6379\n",
		"templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: {{ .Release.Name }}-redis}\ndata: {port: {{ .Values.port | quote }}}\n",
	})
	writeFiles(t, filepath.Join(fetched, "pg"), map[string]string{
		"Chart.yaml":        "apiVersion: v2\nname: pg\nversion: 2.0.0\n",
		"templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: pg}\n",
	})
	parent := "apiVersion: v2\nname: app\nversion: 1.0.0\ndependencies:\n" +
		"- name: redis\n  version: ^1.0.0\n  repository: https://charts.example.invalid/stable\n" +
		"- name: pg\n  version: ~2.0.0\n  repository: oci://registry.example.invalid/charts\n  condition: pg.enabled\n"

	tests := []struct {
		name      string
		files     map[string]string
		values    string
		wantCalls []string
		wantCMs   []string
		wantErr   string
	}{
		{
			name:      "constraints from Chart.yaml",
			files:     map[string]string{"Chart.yaml": parent},
			values:    "redis: {port: 7000}\n",
			wantCalls: []string{"https://charts.example.invalid/stable redis ^1.0.0", "oci://registry.example.invalid/charts pg ~2.0.0"},
			wantCMs:   []string{"pg=", "r-redis=7000"}, // in file path order
		},
		{
			name: "versions from Chart.lock",
			files: map[string]string{
				"Chart.yaml": parent,
				"Chart.lock": "dependencies:\n- name: redis\n  repository: https://charts.example.invalid/stable\n  version: 1.4.0\n" +
					"- name: pg\n  repository: oci://registry.example.invalid/charts\n  version: 2.0.0\ndigest: sha256:0\ngenerated: \"2026-01-01T00:00:00Z\"\n",
			},
			values:    "pg: {enabled: false}\n",
			wantCalls: []string{"https://charts.example.invalid/stable redis 1.4.0", "oci://registry.example.invalid/charts pg 2.0.0"},
			wantCMs:   []string{"r-redis=6379"},
		},
		{
			name: "vendored dependency is not fetched",
			files: map[string]string{
				"Chart.yaml":                    parent,
				"charts/redis/Chart.yaml":       "apiVersion: v2\nname: redis\nversion: 1.0.0\n",
				"charts/redis/templates/x.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: vendored}\n",
			},
			wantCalls: []string{"oci://registry.example.invalid/charts pg ~2.0.0"},
			wantCMs:   []string{"pg=", "vendored="},
		},
		{
			name:      "fetched chart outside the constraint",
			files:     map[string]string{"Chart.yaml": strings.Replace(parent, "~2.0.0", "^3.0.0", 1)},
			wantCalls: []string{"https://charts.example.invalid/stable redis ^1.0.0", "oci://registry.example.invalid/charts pg ^3.0.0"},
			wantErr:   `dependency pg: version 2.0.0 does not satisfy "^3.0.0"`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFiles(t, dir, tt.files)
			f := &fakeFetcher{dirs: map[string]string{
				"https://charts.example.invalid/stable redis": filepath.Join(fetched, "redis"),
				"oci://registry.example.invalid/charts pg":    filepath.Join(fetched, "pg"),
			}}
			objs, err := RenderContext(context.Background(), dir, Options{ReleaseName: "r", Values: tt.values, Dependencies: f})
			if strings.Join(f.calls, ",") != strings.Join(tt.wantCalls, ",") {
				t.Errorf("fetcher calls = %q, want %q", f.calls, tt.wantCalls)
			}
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, o := range objs {
				port, _, _ := unstructured.NestedString(o.Object, "data", "port")
				got = append(got, o.GetName()+"="+port)
			}
			if strings.Join(got, ",") != strings.Join(tt.wantCMs, ",") {
				t.Fatalf("objects = %v, want %v", got, tt.wantCMs)
			}
		})
	}
}

func TestCleanSetParameter(t *testing.T) {
	tests := map[string]string{
		"plain":     "plain",
		"a,b":       `a\,b`,
		`a\,b`:      `a\,b`,
		"{a,b}":     "{a,b}",
		"{a,b":      `{a\,b`,
		",":         `\,`,
		"ünï,cødé":  `ünï\,cødé`,
		"x=y,z=1,2": `x=y\,z=1\,2`,
	}
	for in, want := range tests {
		if got := cleanSetParameter(in); got != want {
			t.Errorf("cleanSetParameter(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestEnvsubst(t *testing.T) {
	env := map[string]string{"ARGOCD_APP_NAME": "demo", "ARGOCD_APP_NAMESPACE": "ns"}
	tests := map[string]string{
		"$ARGOCD_APP_NAME":          "demo",
		"${ARGOCD_APP_NAMESPACE}-x": "ns-x",
		"$$ARGOCD_APP_NAME":         "$ARGOCD_APP_NAME",
		"$UNKNOWN/values.yaml":      "/values.yaml",
		"no variables":              "no variables",
		"pa$$word":                  "pa$word",
		"trailing $":                "trailing $",
	}
	for in, want := range tests {
		if got := envsubst(in, env); got != want {
			t.Errorf("envsubst(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestRenderConcurrent renders one case from many goroutines (run it with
// -race): renders share no state.
func TestRenderConcurrent(t *testing.T) {
	c := readGoldenCase(t, "values-precedence")
	l := c.layout("testdata")
	opts := c.options(t, l)
	want := readExpected(t, "values-precedence")
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Go(func() {
			got, err := Render(l.appPath, opts)
			if err == nil && len(got) != len(want) {
				err = errors.New("wrong number of objects")
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
}

func BenchmarkRender(b *testing.B) {
	c := readGoldenCase(b, "library-chart")
	l := c.layout("testdata")
	opts := c.options(b, l)
	for b.Loop() {
		if _, err := Render(l.appPath, opts); err != nil {
			b.Fatal(err)
		}
	}
}
