package webhook

import (
	"testing"

	"sigs.k8s.io/yaml"

	"flotilla.dev/flotilla/api/v1alpha1"
)

func TestTouchesPaths(t *testing.T) {
	app := func(manifest string) *v1alpha1.Application {
		a := &v1alpha1.Application{}
		if err := yaml.UnmarshalStrict([]byte(manifest), a); err != nil {
			t.Fatal(err)
		}
		return a
	}
	annotated := app(`
metadata:
  name: guestbook
  annotations: {argocd.argoproj.io/manifest-generate-paths: ".;/shared/base"}
spec:
  source: {repoURL: https://git.example.com/apps.git, path: apps/guestbook}
`)
	plain := app(`
metadata: {name: plain}
spec:
  source: {repoURL: https://git.example.com/apps.git, path: apps/plain}
`)
	root := app(`
metadata:
  name: root
  annotations: {argocd.argoproj.io/manifest-generate-paths: /}
spec:
  source: {repoURL: https://git.example.com/apps.git, path: apps}
`)
	tests := []struct {
		name  string
		app   *v1alpha1.Application
		files []string
		want  bool
	}{
		{"file under the source path", annotated, []string{"apps/guestbook/deploy.yaml"}, true},
		{"file under an absolute path", annotated, []string{"shared/base/kustomization.yaml"}, true},
		{"file elsewhere", annotated, []string{"apps/other/deploy.yaml", "README.md"}, false},
		{"a sibling with the same prefix", annotated, []string{"apps/guestbook-v2/deploy.yaml"}, false},
		{"no files listed", annotated, nil, true},
		{"no annotation", plain, []string{"README.md"}, true},
		{"the repository root", root, []string{"README.md"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := TouchesPaths(tt.app, tt.files); got != tt.want {
				t.Errorf("TouchesPaths(%s, %v) = %t, want %t", tt.app.Name, tt.files, got, tt.want)
			}
		})
	}
}
