// Package render turns the files of a source into Kubernetes objects. Each
// subpackage owns one kind of source (directory of plain manifests, Helm,
// kustomize); all of them are pure: files in, objects out, no cluster and no
// network.
package render
