package helm

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// secretMarker sits in files outside the repository. If any of them is
// read, the marker reaches the rendered ConfigMap (or an error), and the
// test fails.
const secretMarker = "SECRET-MARKER-7f3a9c"

// escapeWorld is a repository, a ref source and, beside them, files that
// must never be read.
type escapeWorld struct {
	base, repo, ref, outside string
}

func newEscapeWorld(t *testing.T) escapeWorld {
	t.Helper()
	base := t.TempDir()
	w := escapeWorld{
		base:    base,
		repo:    filepath.Join(base, "repo"),
		ref:     filepath.Join(base, "ref"),
		outside: filepath.Join(base, "outside"),
	}
	writeFiles(t, filepath.Join(w.repo, "chart"), valuesChart)
	writeFiles(t, w.ref, map[string]string{"values.yaml": "fromRef: ok\n"})
	// What ../../etc/passwd reaches from the chart directory.
	writeFiles(t, base, map[string]string{"etc/passwd": "stolen: " + secretMarker + "\n"})
	writeFiles(t, w.outside, map[string]string{
		"secret.yaml":                  "stolen: " + secretMarker + "\n",
		"lib/Chart.yaml":               "apiVersion: v2\nname: lib\nversion: 1.0.0\ntype: library\n",
		"lib/templates/_x.tpl":         `{{ define "x" }}` + secretMarker + `{{ end }}`,
		"templates/stolen.yaml":        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: stolen}\ndata: {s: " + secretMarker + "}\n",
		"dir/secret.yaml":              "stolen: " + secretMarker + "\n",
		"files/secret.txt":             secretMarker,
		"sub/values/secret-glob.yaml":  "stolen: " + secretMarker + "\n",
		"sub/values/secret-glob2.yaml": "stolen: " + secretMarker + "\n",
	})
	return w
}

func (w escapeWorld) appPath() string { return filepath.Join(w.repo, "chart") }

// attempt resolves value files and file parameters like a caller would,
// then renders; it returns the error, if any, and fails the test if the
// secret shows up anywhere.
func (w escapeWorld) attempt(t *testing.T, valueFiles []string, fileParams []FileParameter, ignoreMissing bool) error {
	t.Helper()
	r := Resolver{RepoRoot: w.repo, AppPath: w.appPath(), Refs: map[string]string{"ref": w.ref}, IgnoreMissing: ignoreMissing}
	err := func() error {
		files, err := r.ValueFiles(valueFiles)
		if err != nil {
			return err
		}
		var params []FileParameter
		for _, p := range fileParams {
			path, err := r.File(p.Path)
			if err != nil {
				return err
			}
			params = append(params, FileParameter{Name: p.Name, Path: path})
		}
		objs, err := Render(w.appPath(), Options{ReleaseName: "r", ValueFiles: files, FileParameters: params, RepoRoot: w.repo})
		if err != nil {
			return err
		}
		if out := dump(t, objs); strings.Contains(out, secretMarker) {
			t.Fatalf("the file outside the repository was read:\n%s", out)
		}
		return nil
	}()
	// root:x: would come from the machine's real /etc/passwd.
	if err != nil && (strings.Contains(err.Error(), secretMarker) || strings.Contains(err.Error(), "root:x:")) {
		t.Fatalf("the file outside the repository was read: %v", err)
	}
	return err
}

func TestValueFileEscapes(t *testing.T) {
	w := newEscapeWorld(t)
	symlink(t, filepath.Join(w.outside, "secret.yaml"), filepath.Join(w.repo, "values", "link.yaml"))
	symlink(t, filepath.Join(w.outside, "dir"), filepath.Join(w.repo, "values", "linkdir"))
	symlink(t, "../../outside/secret.yaml", filepath.Join(w.repo, "relative-link.yaml"))
	symlink(t, filepath.Join(w.outside, "missing.yaml"), filepath.Join(w.repo, "dangling.yaml"))
	symlink(t, filepath.Join(w.outside, "sub"), filepath.Join(w.repo, "sub"))
	symlink(t, filepath.Join(w.outside, "secret.yaml"), filepath.Join(w.ref, "link.yaml"))
	symlink(t, filepath.Join(w.outside, "files", "secret.txt"), filepath.Join(w.repo, "params", "link.txt"))

	tests := []struct {
		name          string
		valueFiles    []string
		fileParams    []FileParameter
		ignoreMissing bool
		wantErr       string
	}{
		{name: "dot-dot", valueFiles: []string{"../../outside/secret.yaml"}, wantErr: `value file "../../outside/secret.yaml" resolves outside the repository`},
		{name: "dot-dot to etc/passwd", valueFiles: []string{"../../etc/passwd"}, wantErr: "resolves outside the repository"},
		{name: "dot-dot ignoring missing", valueFiles: []string{"../../outside/secret.yaml"}, ignoreMissing: true, wantErr: "resolves outside the repository"},
		// An absolute path is relative to the repository root, as in Argo
		// CD: /…/outside/secret.yaml is looked for inside the repository.
		{name: "absolute path", valueFiles: []string{filepath.Join(w.outside, "secret.yaml")}, wantErr: "not found"},
		{name: "absolute path ignoring missing", valueFiles: []string{filepath.Join(w.outside, "secret.yaml")}, ignoreMissing: true},
		{name: "absolute etc/passwd", valueFiles: []string{"/etc/passwd"}, wantErr: "not found"},
		{name: "absolute dot-dot", valueFiles: []string{"/../outside/secret.yaml"}, wantErr: "resolves outside the repository"},
		{name: "ref dot-dot", valueFiles: []string{"$ref/../outside/secret.yaml"}, wantErr: `value file "$ref/../outside/secret.yaml" resolves outside the repository`},
		{name: "ref dot-dot twice", valueFiles: []string{"$ref/../../x"}, wantErr: "resolves outside the repository"},
		{name: "ref symlink", valueFiles: []string{"$ref/link.yaml"}, wantErr: "resolves outside the repository"},
		{name: "symlink to a file", valueFiles: []string{"../values/link.yaml"}, wantErr: `value file "../values/link.yaml" resolves outside the repository`},
		{name: "relative symlink", valueFiles: []string{"/relative-link.yaml"}, wantErr: "resolves outside the repository"},
		{name: "symlinked directory", valueFiles: []string{"../values/linkdir/secret.yaml"}, wantErr: "resolves outside the repository"},
		{name: "symlinked directory, missing file", valueFiles: []string{"../values/linkdir/missing.yaml"}, ignoreMissing: true, wantErr: "resolves outside the repository"},
		{name: "dangling symlink", valueFiles: []string{"/dangling.yaml"}, ignoreMissing: true, wantErr: "resolves outside the repository"},
		{name: "glob over a symlink", valueFiles: []string{"../values/*.yaml"}, wantErr: "resolves outside the repository"},
		{name: "glob through a symlinked directory", valueFiles: []string{"/sub/**/*.yaml"}, wantErr: "resolves outside the repository"},
		{name: "glob dot-dot", valueFiles: []string{"../../outside/*.yaml"}, wantErr: "resolves outside the repository"},
		{name: "file parameter symlink", fileParams: []FileParameter{{Name: "s", Path: "../params/link.txt"}}, wantErr: `file parameter "../params/link.txt" resolves outside the repository`},
		{name: "file parameter dot-dot", fileParams: []FileParameter{{Name: "s", Path: "../../outside/files/secret.txt"}}, wantErr: "resolves outside the repository"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := w.attempt(t, tt.valueFiles, tt.fileParams, tt.ignoreMissing)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error = %v, want containing %q", err, tt.wantErr)
			}
			if strings.Contains(err.Error(), w.repo) {
				t.Errorf("error reveals a resolved path: %v", err)
			}
		})
	}
}

func TestChartEscapes(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, w escapeWorld)
	}{
		{name: "template symlinked outside", setup: func(t *testing.T, w escapeWorld) {
			symlink(t, filepath.Join(w.outside, "templates", "stolen.yaml"), filepath.Join(w.appPath(), "templates", "stolen.yaml"))
		}},
		{name: "file for .Files symlinked outside", setup: func(t *testing.T, w escapeWorld) {
			symlink(t, filepath.Join(w.outside, "files", "secret.txt"), filepath.Join(w.appPath(), "files", "secret.txt"))
		}},
		{name: "templates directory symlinked outside", setup: func(t *testing.T, w escapeWorld) {
			symlink(t, filepath.Join(w.outside, "templates"), filepath.Join(w.appPath(), "templates", "more"))
		}},
		{name: "symlink to an in-repo directory holding a symlink outside", setup: func(t *testing.T, w escapeWorld) {
			writeFiles(t, filepath.Join(w.repo, "shared"), map[string]string{"ok.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ok}\n"})
			symlink(t, filepath.Join(w.outside, "templates", "stolen.yaml"), filepath.Join(w.repo, "shared", "stolen.yaml"))
			symlink(t, filepath.Join(w.repo, "shared"), filepath.Join(w.appPath(), "templates", "shared"))
		}},
		{name: "file dependency outside the repository", setup: func(t *testing.T, w escapeWorld) {
			writeFiles(t, w.appPath(), map[string]string{
				"Chart.yaml":       "apiVersion: v2\nname: dump\nversion: 0.1.0\ndependencies:\n- name: lib\n  version: 1.0.0\n  repository: file://../../outside/lib\n",
				"templates/x.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata: {x: '{{ include \"x\" . }}'}\n",
			})
		}},
		{name: "file dependency through a symlink", setup: func(t *testing.T, w escapeWorld) {
			symlink(t, filepath.Join(w.outside, "lib"), filepath.Join(w.repo, "lib"))
			writeFiles(t, w.appPath(), map[string]string{
				"Chart.yaml":       "apiVersion: v2\nname: dump\nversion: 0.1.0\ndependencies:\n- name: lib\n  version: 1.0.0\n  repository: file://../lib\n",
				"templates/x.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata: {x: '{{ include \"x\" . }}'}\n",
			})
		}},
		{name: "absolute file dependency", setup: func(t *testing.T, w escapeWorld) {
			writeFiles(t, w.appPath(), map[string]string{
				"Chart.yaml":       fmt.Sprintf("apiVersion: v2\nname: dump\nversion: 0.1.0\ndependencies:\n- name: lib\n  version: 1.0.0\n  repository: file://%s\n", filepath.Join(w.outside, "lib")),
				"templates/x.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata: {x: '{{ include \"x\" . }}'}\n",
			})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newEscapeWorld(t)
			writeFiles(t, w.appPath(), map[string]string{
				"templates/files.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: files}\ndata:\n{{- range $p, $_ := .Files.Glob \"files/**\" }}\n  {{ base $p }}: {{ $.Files.Get $p | quote }}\n{{- end }}\n",
			})
			tt.setup(t, w)
			err := w.attempt(t, nil, nil, false)
			if err == nil || !strings.Contains(err.Error(), "resolves outside the repository") {
				t.Fatalf("error = %v, want one saying it resolves outside the repository", err)
			}
		})
	}
}
