// Package kustomize renders a kustomization the way Argo CD's kustomize
// source type does: the Application's `source.kustomize` options are applied
// to the kustomization first, with the semantics of the `kustomize edit`
// commands Argo CD runs (set nameprefix, namesuffix, image, replicas; add
// label, annotation; set namespace; patches appended; add component), then
// `kustomize build` runs with its CLI defaults (files restricted to the
// kustomization's root, legacy output order, no plugins, no Helm).
//
// Unlike Argo CD nothing is written: the edited kustomization is served from
// memory over a read-only view of the checkout, and every path kustomize
// reads must resolve, symlinks followed, inside the repository. Remote bases
// and remote files (git URLs, http(s) URLs) are refused before the build.
package kustomize
