package benchkit

import (
	"fmt"
	"strings"
)

// AppName is the name of the fleet's Application i, and of its objects.
func AppName(i int) string { return fmt.Sprintf("app-%04d", i) }

// ConfigMap is a ConfigMap called name whose data.version is version.
func ConfigMap(name string, version int) string {
	return fmt.Sprintf("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: %s\ndata:\n  version: %q\n", name, fmt.Sprint(version))
}

// Deployment is a one-replica Deployment called name.
func Deployment(name string) string {
	return fmt.Sprintf(`apiVersion: apps/v1
kind: Deployment
metadata:
  name: %[1]s
spec:
  replicas: 1
  selector:
    matchLabels: {app: %[1]s}
  template:
    metadata:
      labels: {app: %[1]s}
    spec:
      containers:
      - name: app
        image: registry.example/fleet:1
`, name)
}

// App is an Application of the default project with automated sync
// (prune, self-heal) of one directory of a git repository at HEAD into the
// in-cluster destination. Its manifest-generate-paths annotation lets a
// push refresh only the apps whose files it changed, as Argo CD recommends
// for monorepos.
type App struct {
	Name, Namespace string // the Application's
	RepoURL, Path   string // its source
	DestNamespace   string // where its objects go
	// CreateNamespace adds the syncOption CreateNamespace=true.
	CreateNamespace bool
}

// Manifest is the App's YAML.
func (a App) Manifest() string {
	var b strings.Builder
	fmt.Fprintf(&b, `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: %s
  namespace: %s
  annotations:
    argocd.argoproj.io/manifest-generate-paths: .
spec:
  project: default
  source: {repoURL: %q, path: %s, targetRevision: HEAD}
  destination: {server: https://kubernetes.default.svc, namespace: %s}
  syncPolicy:
    automated: {prune: true, selfHeal: true}
`, a.Name, a.Namespace, a.RepoURL, a.Path, a.DestNamespace)
	if a.CreateNamespace {
		b.WriteString("    syncOptions: [CreateNamespace=true]\n")
	}
	return b.String()
}

// PodsPerNode is how many Pods a benchmark puts on one kwok node at most:
// internal/controlplane gives each fake node room for 1000, and half of
// that keeps the scheduler and kwok well clear of the limit.
const PodsPerNode = 500

// NodesFor is the number of kwok nodes a benchmark starts for pods Pods:
// one per PodsPerNode, at least one.
func NodesFor(pods int) int { return max(1, (pods+PodsPerNode-1)/PodsPerNode) }
