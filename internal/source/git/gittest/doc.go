// Package gittest runs real git servers and repositories for tests and
// demos: a smart-HTTP server built on `git http-backend` behind net/http/cgi
// (optionally with basic auth and an ssh listener running `git upload-pack` /
// `git receive-pack`), local bare repositories reached through file:// URLs,
// and a working clone per repository that commits and pushes with the git
// CLI.
//
// Everything takes a TB, which *testing.T and *testing.B satisfy. Programs
// that are not tests, such as a demo, use a Standalone instead.
//
// Repositories start on branch main, and git runs with a fixed author and no
// system or global configuration, so results do not depend on the machine.
package gittest
