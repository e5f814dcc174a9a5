package controller

import (
	"time"

	"flotilla.dev/flotilla/api/v1alpha1"
	flsync "flotilla.dev/flotilla/internal/sync"
)

// DeletionApprovedAnnotation on an Application confirms the prunes (and
// deletions) its Prune=confirm objects wait for, as in Argo CD: its value
// is an RFC 3339 time, and confirms operations started at or before it.
const DeletionApprovedAnnotation = "argocd.argoproj.io/deletion-approved"

// deletionApproved reports whether the app's deletion-approved annotation
// confirms what waits since the given time.
func deletionApproved(app *v1alpha1.Application, since time.Time) bool {
	at, err := time.Parse(time.RFC3339, app.Annotations[DeletionApprovedAnnotation])
	return err == nil && !at.Before(since.Truncate(time.Second))
}

// pruneOption is the app-level Prune sync option (Prune=false,
// Prune=confirm), the default of objects that do not set their own.
func pruneOption(opts v1alpha1.SyncOptions) string {
	return flsync.AppPruneOption(opts)
}
