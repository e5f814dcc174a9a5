// Package secretleak holds the end-to-end test that no Secret value
// escapes flotilla: it plants marker values in Secrets that apps sync,
// drift and fail to sync, then searches every output a user or an
// operator can see (logs, Events, Application status, metrics, the API,
// the web UI's pages and the CLI's diffs) for them. It has no code of its
// own.
package secretleak
