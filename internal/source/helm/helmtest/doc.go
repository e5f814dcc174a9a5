// Package helmtest runs real Helm chart sources for tests and demos: a
// chart repository on 127.0.0.1 serving index.yaml and packaged charts
// (optionally behind basic auth), and an in-process OCI registry
// (go-containerregistry's, over TLS or plain http, optionally behind basic
// auth) that charts are pushed to with Helm's own registry client, so they
// carry Helm's media types. Charts are packaged from directories with the
// Helm SDK, like `helm package`.
//
// Both servers count the requests they answer, so tests can assert that a
// cached fetch did not reach them.
//
// Everything takes a TB, which *testing.T and *testing.B satisfy.
package helmtest
