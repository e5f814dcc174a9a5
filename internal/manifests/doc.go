// Package manifests turns an Application's sources into the objects it
// wants in the cluster, the job of Argo CD's repo server. For each source it
// resolves the revision, fetches the repository or chart (package source),
// picks the tool as Argo CD does (Helm for a chart or a Chart.yaml,
// kustomize for a kustomization, a plain directory otherwise) and renders
// it (package render). Sources with `ref:` expose their repository root to
// the Helm `valueFiles` of the others as `$name/...`. The results of all
// sources are merged; when two sources produce the same object the last one
// wins and a warning says so.
//
// The controller and `flotilla render` both call Generate, so a preview
// renders exactly what the controller would apply. Rendered results are
// cached by the resolved revisions and the source specification, so an
// unchanged revision is never rendered twice.
package manifests
