package treediff

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"sigs.k8s.io/yaml"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/manifests"
	"flotilla.dev/flotilla/internal/source"
	"flotilla.dev/flotilla/internal/source/git/gittest"
)

const benchApp = `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: %[1]s, namespace: argocd}
spec:
  project: default
  source: {repoURL: %[2]q, path: %[3]s, targetRevision: HEAD}
  destination: {server: https://kubernetes.default.svc, namespace: %[1]s}
`

const benchWorkload = `apiVersion: apps/v1
kind: Deployment
metadata: {name: %[1]s}
spec:
  replicas: 1
  selector: {matchLabels: {app: %[1]s}}
  template:
    metadata: {labels: {app: %[1]s}}
    spec: {containers: [{name: app, image: "nginx:%[2]s"}]}
---
apiVersion: v1
kind: Service
metadata: {name: %[1]s}
spec: {selector: {app: %[1]s}, ports: [{port: 80}]}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: %[1]s}
data: {app: %[1]s}
`

// fleet publishes a root of n Applications, then a commit that changes
// the image of one of them, and returns the root and both commits.
func fleet(b *testing.B, n int) (root *v1alpha1.Application, base, head string) {
	repo := gittest.NewLocalRepo(b)
	files := map[string]string{}
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("app-%03d", i)
		files["apps/"+name+".yaml"] = fmt.Sprintf(benchApp, name, repo.URL(), "workloads/"+name)
		files["workloads/"+name+"/all.yaml"] = fmt.Sprintf(benchWorkload, name, "1.27")
	}
	base = repo.Commit(b, files, "fleet")
	head = repo.Commit(b, map[string]string{"workloads/app-042/all.yaml": fmt.Sprintf(benchWorkload, "app-042", "1.28")}, "bump app-042")
	root = &v1alpha1.Application{}
	if err := yaml.Unmarshal([]byte(fmt.Sprintf(benchApp, "root", repo.URL(), "apps")), root); err != nil {
		b.Fatal(err)
	}
	return root, base, head
}

// BenchmarkTreeDiff100 diffs a 101-Application tree (a root and 100
// children) between two commits that differ in one app: cold (an empty
// cache directory each time: clone, check out, render) and warm (the
// second diff of a process that keeps its caches).
func BenchmarkTreeDiff100(b *testing.B) {
	root, base, head := fleet(b, 100)
	url := source.Normalize(root.Spec.Source.RepoURL)
	diffOnce := func(b *testing.B, gen *manifests.Generator) {
		r, err := Run(context.Background(), []Root{{App: root}}, Options{
			Generator: gen, Base: map[string]string{url: base}, Head: map[string]string{url: head},
		})
		if err != nil {
			b.Fatal(err)
		}
		if len(r.Apps) != 1 || r.Apps[0].Name != "app-042" || r.Summary.Objects.Changed != 1 {
			b.Fatalf("report: %+v", r.Summary)
		}
	}
	b.Run("cold", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			diffOnce(b, manifests.NewGenerator(filepath.Join(b.TempDir(), "cache")))
		}
	})
	b.Run("warm", func(b *testing.B) {
		gen := manifests.NewGenerator(filepath.Join(b.TempDir(), "cache"))
		diffOnce(b, gen)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			diffOnce(b, gen)
		}
	})
}
