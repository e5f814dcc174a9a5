package main

import "flotilla.dev/flotilla/hack/benchkit"

// appName is the name of the fleet's Application i, and of its objects.
func appName(i int) string { return benchkit.AppName(i) }

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
	return benchkit.App{Name: "fleet-root", Namespace: appNamespace, RepoURL: repoURL, Path: "root", DestNamespace: appNamespace}.Manifest()
}

// childApp syncs apps/<name> into the fleet's namespace.
func childApp(name, repoURL string) string {
	return benchkit.App{Name: name, Namespace: appNamespace, RepoURL: repoURL, Path: "apps/" + name, DestNamespace: fleetNamespace}.Manifest()
}

func configMap(name string, version int) string { return benchkit.ConfigMap(name, version) }

func deployment(name string) string { return benchkit.Deployment(name) }
