package helm

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestResolverValueFiles(t *testing.T) {
	base := t.TempDir()
	repo := filepath.Join(base, "repo")
	ref := filepath.Join(base, "ref")
	writeFiles(t, repo, map[string]string{
		"apps/web/values.yaml":          "a: 1\n",
		"apps/web/values-prod.yaml":     "a: 2\n",
		"apps/web/env/demo/values.yaml": "a: 3\n",
		"apps/web/deep/x/y/z.yaml":      "a: 4\n",
		"apps/web/deep/x/w.yaml":        "a: 5\n",
		"shared/common.yaml":            "a: 6\n",
		"$unknown/values.yaml":          "a: 7\n",
		"values.yaml":                   "a: 8\n",
	})
	writeFiles(t, ref, map[string]string{
		"env/prod.yaml":  "b: 1\n",
		"env/stage.yaml": "b: 2\n",
	})
	app := filepath.Join(repo, "apps", "web")
	in := func(root string, parts ...string) string { return filepath.Join(append([]string{root}, parts...)...) }

	tests := []struct {
		name          string
		files         []string
		refs          map[string]string
		env           map[string]string
		ignoreMissing bool
		want          []string
		wantErr       string
	}{
		{name: "relative to the app path", files: []string{"values.yaml", "values-prod.yaml"},
			want: []string{in(app, "values.yaml"), in(app, "values-prod.yaml")}},
		{name: "dot-dot inside the repository", files: []string{"../../shared/common.yaml"},
			want: []string{in(repo, "shared", "common.yaml")}},
		{name: "absolute is relative to the repository root", files: []string{"/shared/common.yaml"},
			want: []string{in(repo, "shared", "common.yaml")}},
		{name: "ref source", files: []string{"$values/env/prod.yaml"}, refs: map[string]string{"values": ref},
			want: []string{in(ref, "env", "prod.yaml")}},
		{name: "ref source named with its dollar", files: []string{"$values/env/prod.yaml"}, refs: map[string]string{"$values": ref},
			want: []string{in(ref, "env", "prod.yaml")}},
		{name: "ref source glob", files: []string{"$values/env/*.yaml"}, refs: map[string]string{"values": ref},
			want: []string{in(ref, "env", "prod.yaml"), in(ref, "env", "stage.yaml")}},
		// Not a ref: Argo CD substitutes the unknown variable with "" and
		// the path becomes /values.yaml, relative to the repository root.
		{name: "unknown ref is an environment variable", files: []string{"$unknown/values.yaml"},
			want: []string{in(repo, "values.yaml")}},
		{name: "dollar-dollar is a literal dollar", files: []string{"/$$unknown/values.yaml"},
			want: []string{in(repo, "$unknown", "values.yaml")}},
		{name: "build environment", files: []string{"env/${ARGOCD_APP_NAME}/values.yaml"}, env: map[string]string{"ARGOCD_APP_NAME": "demo"},
			want: []string{in(app, "env", "demo", "values.yaml")}},
		{name: "ref source without checkout", files: []string{"$values/env/prod.yaml"}, refs: map[string]string{"values": ""},
			wantErr: `ref source "values" has no checkout`},
		{name: "ref without path", files: []string{"$values/"}, refs: map[string]string{"values": ref},
			wantErr: "no file path after the ref name"},
		{name: "glob in lexical order", files: []string{"values*.yaml"},
			want: []string{in(app, "values-prod.yaml"), in(app, "values.yaml")}},
		{name: "explicit entry keeps its position", files: []string{"values*.yaml", "values-prod.yaml"},
			want: []string{in(app, "values.yaml"), in(app, "values-prod.yaml")}},
		{name: "double star", files: []string{"deep/**/*.yaml"},
			want: []string{in(app, "deep", "x", "w.yaml"), in(app, "deep", "x", "y", "z.yaml")}},
		{name: "each file once", files: []string{"values.yaml", "values.yaml"},
			want: []string{in(app, "values.yaml")}},
		{name: "missing file", files: []string{"nope.yaml"}, wantErr: `value file "nope.yaml" not found`},
		{name: "missing file ignored", files: []string{"nope.yaml", "values.yaml"}, ignoreMissing: true,
			want: []string{in(app, "values.yaml")}},
		{name: "glob matching nothing", files: []string{"nope-*.yaml"}, wantErr: `value file glob "nope-*.yaml" matched no files`},
		{name: "glob matching nothing ignored", files: []string{"nope-*.yaml"}, ignoreMissing: true},
		{name: "https URL", files: []string{"https://example.invalid/values.yaml"}, wantErr: "remote files (http, https) are not supported yet"},
		{name: "other URL scheme", files: []string{"s3://bucket/values.yaml"}, wantErr: `URL scheme "s3" is not allowed`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Resolver{RepoRoot: repo, AppPath: app, Refs: tt.refs, Env: tt.env, IgnoreMissing: tt.ignoreMissing}
			got, err := r.ValueFiles(tt.files)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

func TestResolveValueFiles(t *testing.T) {
	repo := t.TempDir()
	writeFiles(t, repo, map[string]string{"app/values.yaml": "a: 1\n", "ref/v.yaml": "b: 1\n"})
	got, err := ResolveValueFiles(repo, filepath.Join(repo, "app"), []string{"values.yaml", "$r/ref/v.yaml", "missing.yaml"},
		map[string]string{"r": repo}, true)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{filepath.Join(repo, "app", "values.yaml"), filepath.Join(repo, "ref", "v.yaml")}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("got %v, want %v", got, want)
	}
}

func TestResolverFile(t *testing.T) {
	repo := t.TempDir()
	writeFiles(t, repo, map[string]string{"app/files/cert.pem": "pem"})
	r := Resolver{RepoRoot: repo, AppPath: filepath.Join(repo, "app")}
	got, err := r.File("files/cert.pem")
	if err != nil || got != filepath.Join(repo, "app", "files", "cert.pem") {
		t.Fatalf("File = %q, %v", got, err)
	}
	// Like Argo CD, a missing file is not an error yet: reading it is.
	got, err = r.File("files/missing.pem")
	if err != nil || got != filepath.Join(repo, "app", "files", "missing.pem") {
		t.Fatalf("File(missing) = %q, %v", got, err)
	}
	if _, err := r.File("files/*.pem"); err != nil {
		t.Fatalf("a glob is just a name for a file parameter: %v", err)
	}
}
