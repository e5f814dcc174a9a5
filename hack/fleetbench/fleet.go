package main

import "fmt"

// appName is the name of the fleet's Application i, and of its objects.
func appName(i int) string { return fmt.Sprintf("app-%04d", i) }

// fleetFiles is the repository: root/ holds the N child Applications,
// apps/<name>/ each child's ConfigMap and Deployment. version is written
// into every ConfigMap.
func fleetFiles(repoURL string, n, version int) map[string]string {
	files := map[string]string{}
	for i := range n {
		name := appName(i)
		files["root/"+name+".yaml"] = childApp(name, repoURL)
		files["apps/"+name+"/configmap.yaml"] = configMap(name, version)
		files["apps/"+name+"/deployment.yaml"] = deployment(name)
	}
	return files
}

// rootApp is the fleet's root: an app-of-apps over root/.
func rootApp(repoURL string) string {
	return fmt.Sprintf(`apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: fleet-root
  namespace: %s
  annotations:
    argocd.argoproj.io/manifest-generate-paths: .
spec:
  project: default
  source: {repoURL: %q, path: root, targetRevision: HEAD}
  destination: {server: https://kubernetes.default.svc, namespace: %s}
  syncPolicy:
    automated: {prune: true, selfHeal: true}
`, appNamespace, repoURL, appNamespace)
}

// childApp syncs apps/<name>; manifest-generate-paths lets a push refresh
// only the apps whose files it changed, as Argo CD recommends for
// monorepos.
func childApp(name, repoURL string) string {
	return fmt.Sprintf(`apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: %s
  namespace: %s
  annotations:
    argocd.argoproj.io/manifest-generate-paths: .
spec:
  project: default
  source: {repoURL: %q, path: apps/%s, targetRevision: HEAD}
  destination: {server: https://kubernetes.default.svc, namespace: %s}
  syncPolicy:
    automated: {prune: true, selfHeal: true}
`, name, appNamespace, repoURL, name, fleetNamespace)
}

func configMap(name string, version int) string {
	return fmt.Sprintf("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: %s\ndata:\n  version: %q\n", name, fmt.Sprint(version))
}

func deployment(name string) string {
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
