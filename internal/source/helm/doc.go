// Package helm fetches Helm charts from chart repositories (an index.yaml
// over http or https) and from OCI registries into a local cache, resolving
// versions the way Argo CD does.
//
// A version is resolved like Argo CD's repo server: a version that parses
// as semver ("1.2.3", "v1.2") is taken as a pin — served from the cache
// without any network when it was fetched before, otherwise looked up as
// `helm pull --version` does (exact entry first); anything else is a semver
// constraint ("1.2.*", ">=1.0 <2", "^1") resolved to the highest matching
// version, prereleases only when the constraint asks for them; "" means the
// latest stable version. For OCI, tags stand in for the index ("_" in a tag
// reads as "+") and a "sha256:…" version pulls that digest.
//
// Repository URLs: "https://host/path" (or http) is a chart repository;
// "oci://host/path" is a registry path under which the chart is a
// repository; FetchOCI also takes "host/path" without a scheme, like an
// Argo CD repository with enableOCI.
//
// The cache lives under one directory: index.yaml files and OCI tag lists
// are kept in memory for a short time (IndexTTL, default three minutes),
// chart archives are unpacked once per content digest into
// charts/<sha256>/<chart name> (files read-only, shared by all callers), and
// refs/ remembers which digest a (repository, chart, version) resolved to.
//
// Credentials never appear in errors: passwords and keys are scrubbed and
// userinfo in URLs is masked; Auth formats without its secrets. Basic auth
// is sent to the repository's own host only, unless Auth.PassCredentials.
// OCI registries are reached over https unless Auth.PlainHTTP, whatever the
// host (a loopback or private address included).
//
// Errors can be classified with errors.Is against ErrChartNotFound,
// ErrVersionNotFound, ErrRepositoryNotFound and ErrAuthenticationFailed.
//
// DependencyFetcher adapts a Fetcher to render/helm's DependencyFetcher, for
// chart dependencies on repositories and registries. A Fetcher is safe for
// concurrent use.
package helm
