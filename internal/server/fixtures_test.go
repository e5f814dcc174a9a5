package server_test

import (
	"fmt"
	"strings"
)

func deployment(name string, replicas int) string {
	return fmt.Sprintf(`apiVersion: apps/v1
kind: Deployment
metadata:
  name: %[1]s
spec:
  replicas: %[2]d
  selector:
    matchLabels: {app: %[1]s}
  template:
    metadata:
      labels: {app: %[1]s}
    spec:
      containers:
      - name: main
        image: registry.example/%[1]s:1.4.2
`, name, replicas)
}

func service(name string) string {
	return fmt.Sprintf(`apiVersion: v1
kind: Service
metadata:
  name: %[1]s
spec:
  selector: {app: %[1]s}
  ports:
  - port: 80
    targetPort: 8080
`, name)
}

func configMap(name, key, value string) string {
	return fmt.Sprintf("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: %s\ndata:\n  %s: %q\n", name, key, value)
}

func secret(name, key, value string) string {
	return fmt.Sprintf("apiVersion: v1\nkind: Secret\nmetadata:\n  name: %s\nstringData:\n  %s: %q\n", name, key, value)
}

// appOptions shape an Application manifest.
type appOptions struct {
	project   string
	automated bool
	wave      string
	dependsOn string
	inArgoCD  bool // metadata.namespace: argocd, for a child in git
}

func application(name, repoURL, path, destNS string, o appOptions) string {
	var b strings.Builder
	fmt.Fprintf(&b, "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: %s\n", name)
	if o.inArgoCD {
		b.WriteString("  namespace: argocd\n")
	}
	if o.wave != "" || o.dependsOn != "" {
		b.WriteString("  annotations:\n")
		if o.wave != "" {
			fmt.Fprintf(&b, "    argocd.argoproj.io/sync-wave: %q\n", o.wave)
		}
		if o.dependsOn != "" {
			fmt.Fprintf(&b, "    flotilla.dev/depends-on: %q\n", o.dependsOn)
		}
	}
	project := o.project
	if project == "" {
		project = "default"
	}
	fmt.Fprintf(&b, `spec:
  project: %s
  source:
    repoURL: %s
    path: %s
    targetRevision: HEAD
  destination:
    server: https://kubernetes.default.svc
    namespace: %s
`, project, repoURL, path, destNS)
	if o.automated {
		b.WriteString("  syncPolicy:\n    automated:\n      prune: true\n")
	}
	return b.String()
}
