// Package directory renders a directory of plain YAML and JSON manifests the
// way Argo CD's directory source type does: `.yaml`, `.yml` and `.json`
// files, optionally recursing into subdirectories, filtered by the include
// and exclude globs (matched against the path relative to the app path,
// `{a,b}` alternatives allowed). Files that are not Kubernetes manifests are
// ignored; a file that looks like a manifest but does not parse is an error
// that names the file. Symlinks must stay inside the repository.
package directory
