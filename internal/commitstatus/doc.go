// Package commitstatus decides which commit status an Application
// should show on its forge, and posts it there.
//
// An Application opts in with the annotation flotilla.dev/commit-status:
// "true". Reports turns its status into one report per git source: the
// commit compared (status.sync.revision), pending while it syncs or is out
// of sync or progressing, success once Synced and Healthy, failure on a
// failed sync or Degraded health, with a link to the app in the web UI.
// Forges are configured by Secrets labelled flotilla.dev/secret-type=forge
// (ParseForge): a URL prefix of the repositories they hold, the provider,
// and a token. A Poster remembers what it posted last for each app and
// source, so a status is posted once per change, not once per reconcile.
// It knows nothing of the controller: the controller's commit-status
// reconciler feeds it Applications and Secrets.
package commitstatus
