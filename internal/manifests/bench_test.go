package manifests

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"sigs.k8s.io/yaml"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/source/git/gittest"
)

// appOfApps publishes a root Application's directory of n child
// Applications, each a directory of a Deployment, a Service and a
// ConfigMap, and returns the root.
func appOfApps(tb testing.TB, n int) *v1alpha1.Application {
	tb.Helper()
	repo := gittest.NewLocalRepo(tb)
	files := map[string]string{}
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("app-%03d", i)
		files["apps/"+name+".yaml"] = childApp(name, repo.URL())
		files["workloads/"+name+"/deployment.yaml"] = fmt.Sprintf(benchDeployment, name)
		files["workloads/"+name+"/service.yaml"] = fmt.Sprintf(benchService, name)
		files["workloads/"+name+"/config.yaml"] = fmt.Sprintf(benchConfigMap, name)
	}
	repo.Commit(tb, files, "fleet")
	root := &v1alpha1.Application{}
	if err := yaml.Unmarshal([]byte(childApp("root", repo.URL())), root); err != nil {
		tb.Fatalf("root: %v", err)
	}
	root.Spec.Source.Path = "apps"
	return root
}

func childApp(name, repoURL string) string {
	return fmt.Sprintf(`apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: %[1]s, namespace: argocd}
spec:
  project: default
  source: {repoURL: %[2]q, path: workloads/%[1]s, targetRevision: HEAD}
  destination: {server: https://kubernetes.default.svc, namespace: %[1]s}
`, name, repoURL)
}

const benchDeployment = `apiVersion: apps/v1
kind: Deployment
metadata: {name: %[1]s}
spec:
  replicas: 1
  selector: {matchLabels: {app: %[1]s}}
  template:
    metadata: {labels: {app: %[1]s}}
    spec: {containers: [{name: app, image: "nginx:1.27"}]}
`

const benchService = `apiVersion: v1
kind: Service
metadata: {name: %[1]s}
spec: {selector: {app: %[1]s}, ports: [{port: 80}]}
`

const benchConfigMap = `apiVersion: v1
kind: ConfigMap
metadata: {name: %[1]s}
data: {app: %[1]s}
`

// BenchmarkTree100 renders a 100-Application app-of-apps tree: cold (an
// empty cache: clone, check out, render everything) and warm (revisions
// and rendered results cached, as between two polls of an unchanged repo).
func BenchmarkTree100(b *testing.B) {
	root := appOfApps(b, 100)
	check := func(b *testing.B, n *Node) {
		count := 0
		n.Walk(func(n *Node, _ int) {
			if n.Err != nil {
				b.Fatalf("%s: %v", n.App.Name, n.Err)
			}
			count++
		})
		if count != 101 {
			b.Fatalf("tree has %d apps, want 101", count)
		}
	}
	b.Run("cold", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			gen := NewGenerator(filepath.Join(b.TempDir(), "cache"))
			check(b, gen.Tree(context.Background(), root, Request{}, OfflineScope{}))
		}
	})
	b.Run("warm", func(b *testing.B) {
		gen := NewGenerator(filepath.Join(b.TempDir(), "cache"))
		gen.PollInterval = time.Hour
		check(b, gen.Tree(context.Background(), root, Request{}, OfflineScope{}))
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			check(b, gen.Tree(context.Background(), root, Request{}, OfflineScope{}))
		}
	})
}
