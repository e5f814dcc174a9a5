// Package server is `flotilla serve`: a JSON API under /api/v1 and a web
// UI embedded from ui/ (plain HTML, CSS and JavaScript modules, no build
// step) for the Applications and ApplicationSets of some namespaces.
//
// Reads come from an informer cache of Applications and ApplicationSets
// (and, for resource trees, straight from the API server); actions go
// through package appctl, which requests a sync by writing the
// Application's operation, exactly as `argocd app sync` does. The server
// never reads or returns Secret data: diffs of Secrets are masked and no
// endpoint reads Secrets (the API token may come from one, read by the
// server alone).
//
// Requests are authorised by a bearer token (see Options.Token), which
// acts with the server's own identity: writes need the Authorization
// header; reads accept the header or the HttpOnly session cookie set by
// POST /api/v1/session — which is how the UI's EventSource, unable to
// send headers, authenticates to the server-sent events of
// /api/v1/events — or no token at all with Options.AnonymousRead.
//
// With Options.OIDC people sign in through an OpenID Connect provider
// (/auth/login, /auth/callback: authorization code with PKCE) and get a
// signed session cookie; their requests act as them by impersonation
// (actor.go): writes, diffs and resource trees through impersonating
// clients, and Applications and ApplicationSets from the cache only where
// a SelfSubjectAccessReview made as the user allows (access.go). Every
// cross-origin write is refused (csrf.go). See docs/ui.md.
package server
