package appset

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"sigs.k8s.io/yaml"

	"flotilla.dev/flotilla/api/v1alpha1"
)

// BenchmarkPass1000 is one pass of a git-directories set over 1000
// directories with nothing changed: generate, then plan against the
// Applications the last pass wrote.
//
//	go test ./internal/appset -run XXX -bench Pass1000
func BenchmarkPass1000(b *testing.B) {
	dir := b.TempDir()
	for i := range 1000 {
		if err := os.MkdirAll(filepath.Join(dir, "apps", fmt.Sprintf("app-%04d", i)), 0o755); err != nil {
			b.Fatal(err)
		}
	}
	set := &v1alpha1.ApplicationSet{}
	if err := yaml.UnmarshalStrict([]byte(`
metadata: {name: fleet, namespace: argocd, uid: fleet-uid}
spec:
  goTemplate: true
  generators:
  - git: {repoURL: https://git.example/fleet, revision: HEAD, directories: [{path: apps/*}]}
  template:
    metadata:
      name: '{{.path.basename}}'
      annotations: {argocd.argoproj.io/manifest-generate-paths: .}
    spec:
      project: default
      source: {repoURL: https://git.example/fleet, path: '{{.path.path}}', targetRevision: HEAD}
      destination: {server: https://kubernetes.default.svc, namespace: fleet}
      syncPolicy: {automated: {prune: true, selfHeal: true}}
`), set); err != nil {
		b.Fatal(err)
	}
	env := Env{Git: &genGit{repos: map[string]string{"https://git.example/fleet": dir}}}
	res, err := Generate(context.Background(), set, env)
	if err != nil {
		b.Fatal(err)
	}
	existing := make([]v1alpha1.Application, len(res.Applications))
	for i := range res.Applications {
		existing[i] = *Desired(set, &res.Applications[i])
	}
	b.ResetTimer()
	for b.Loop() {
		res, err := Generate(context.Background(), set, env)
		if err != nil {
			b.Fatal(err)
		}
		p, err := MakePlan(PlanInput{Set: set, Generated: res.Applications, Existing: existing})
		if err != nil || len(p.Unchanged) != 1000 {
			b.Fatalf("plan: %v, %d unchanged", err, len(p.Unchanged))
		}
	}
}
