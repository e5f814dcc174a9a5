// Package helm renders a Helm chart directory the way Argo CD's repo server
// does, which runs
//
//	helm template . --name-template <release> --namespace <ns> \
//	    [--kube-version <v>] --set … --set-string … --set-file … \
//	    --values <valueFiles…> --values <values or valuesObject> \
//	    [--api-versions <v>…] --include-crds [--skip-schema-validation] [--skip-tests]
//
// but with the Helm SDK (action.Install in client-only dry-run mode, the code
// path of `helm template`) instead of the helm binary.
//
// Value precedence, lowest first: the chart's values.yaml, valueFiles in
// order, spec.source.helm.values or — when set — valuesObject (which then
// replaces values entirely, as Argo CD's ValuesYAML does), parameters
// (`--set`), parameters with forceString (`--set-string`), fileParameters
// (`--set-file`). Parameter values undergo Argo CD's build-environment
// substitution ($VAR, ${VAR}, $$ for a literal $).
//
// The output holds what `helm template` prints: CRDs from crds/ (unless
// SkipCrds), the rendered manifests, then the hooks (Argo CD maps them to its
// own hooks later), without test hooks when SkipTests.
//
// ResolveValueFiles and Resolver apply Argo CD's rules for valueFiles and
// fileParameters paths: relative to the app path, absolute paths relative to
// the repository root, `$ref/…` relative to the root of a ref source, glob
// patterns (with **) expanded, and nothing that resolves — through `..` or a
// symlink — outside its repository.
//
// Chart dependencies missing from charts/ are resolved the way `helm
// dependency build` would: `file://` dependencies from their directory, which
// must stay inside the repository, and repository dependencies through a
// DependencyFetcher, so that this package stays free of network access.
package helm
