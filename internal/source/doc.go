// Package source holds what is shared by the git and Helm sources: the
// repository credentials of Argo CD's `repository` and `repo-creds` Secrets
// and how a repository URL finds its credentials. Subpackage git fetches git
// repositories, subpackage helm fetches charts from chart repositories and
// OCI registries.
package source
