// Package scm talks to forges (GitHub, GitLab, Gitea, Bitbucket Cloud,
// Bitbucket Server and Azure DevOps) over their REST APIs: it lists a
// repository's open pull requests, an organisation's repositories and
// their branches, asks whether a path exists on a branch, and posts commit
// statuses. It knows nothing of ApplicationSets or Kubernetes: the appset
// package turns its answers into parameter sets, the controller posts
// statuses through it.
//
// Every provider speaks through one Client, which sets the provider's
// authentication header, follows pagination, retries rate-limited answers
// with backoff (Retry-After, X-RateLimit-Reset, RateLimit-Reset) and turns
// error answers into an *APIError carrying the provider's own message. A
// 404 on the repository or organisation itself is a NotFoundError, which a
// pull-request generator with continueOnRepoNotFoundError skips.
//
// ListPullRequests and ListRepos apply Argo CD's filters (branchMatch,
// targetBranchMatch, titleMatch; repositoryMatch, labelMatch, branchMatch,
// pathsExist, pathsDoNotExist) in Argo CD's order: repository filters
// before branches are listed, branch filters after.
package scm
