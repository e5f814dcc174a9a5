// Package project evaluates an AppProject's policy for an Application, as
// Argo CD does: which source repositories it may use (globs, `!` to deny),
// which destinations it may deploy to, and which kinds it may create
// (cluster-scoped kinds only when whitelisted; namespaced kinds unless
// blacklisted or outside a non-empty whitelist). It is pure: projects and
// objects in, a verdict out.
package project
