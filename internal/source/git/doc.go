// Package git fetches git repositories into a local cache and resolves
// revisions the way Argo CD does.
//
// A Fetcher keeps one bare repository per normalised repository URL under its
// cache directory (cacheDir/repos/<urlhash>) and updates it with an
// incremental fetch of all branches, tags and HEAD. Before fetching it lists
// the remote's references (like `git ls-remote`), so a poll that finds a
// revision already in the cache costs one round trip and no fetch; a full
// commit SHA that is already cached costs no network at all.
//
// Revisions resolve in this order: "" and "HEAD" to the remote's default
// branch, then a branch name, then a tag (annotated tags peeled to their
// commit), then a full 40-hex commit SHA, then a short SHA prefix unique in the
// repository. A revision starting with "refs/" is taken as a literal
// reference name.
//
// Checkout writes the tree of a commit once to cacheDir/trees/<urlhash>/<sha>
// (through a temporary directory and a rename, so a crash never leaves half a
// tree) and reuses it afterwards. Symlinks in the repository are written as
// symlinks; submodules are skipped. The directory is shared and must be
// treated as read-only.
//
// Credentials never appear in errors: userinfo in URLs is redacted and
// passwords are scrubbed from every message. Errors can be classified with
// errors.Is against ErrRevisionNotFound, ErrRepositoryNotFound,
// ErrAuthenticationFailed and ErrEmptyRepository.
//
// A Fetcher is safe for concurrent use: operations on one repository are
// serialised by a per-repository lock, different repositories proceed in
// parallel.
package git
