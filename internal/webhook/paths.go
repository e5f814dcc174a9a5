package webhook

import (
	"path"
	"strings"

	"flotilla.dev/flotilla/api/v1alpha1"
)

// ManifestPathsAnnotation lists the paths an Application's manifests come
// from, separated by ";": relative to the source's path, or from the
// repository root when they start with "/" ("." is the source's path).
// A push that changes no file under them does not refresh the app, as in
// Argo CD.
const ManifestPathsAnnotation = "argocd.argoproj.io/manifest-generate-paths"

// TouchesPaths reports whether a push that changed files (paths from the
// repository root) concerns app: always when the app has no
// manifest-generate-paths annotation or the push lists no files (some
// providers do not), else when a changed file lies under one of the paths.
func TouchesPaths(app *v1alpha1.Application, files []string) bool {
	value, ok := app.Annotations[ManifestPathsAnnotation]
	if !ok || len(files) == 0 {
		return true
	}
	var dirs []string
	for _, src := range watchedSources(app) {
		for _, p := range strings.Split(value, ";") {
			if p = strings.TrimSpace(p); p == "" {
				continue
			}
			if !strings.HasPrefix(p, "/") {
				p = path.Join(src.Path, p)
			}
			dirs = append(dirs, strings.Trim(path.Clean("/"+p), "/"))
		}
	}
	for _, f := range files {
		f = strings.Trim(path.Clean("/"+f), "/")
		for _, d := range dirs {
			if d == "" || f == d || strings.HasPrefix(f, d+"/") {
				return true
			}
		}
	}
	return false
}
