// Package appctl reads and acts on Applications through the Kubernetes API
// alone, as Argo CD's API server does for `argocd app …`: views (the
// app-of-apps tree, the resource tree following ownerReferences, the diff
// of rendered against live objects) and actions (sync, refresh, rollback,
// delete). Actions only write the Application — its operation, an
// annotation, a finalizer — and leave the work to the controller.
//
// The `flotilla app` commands (package cli) and the web UI server share
// it. Errors wrap the API server's, so apierrors.IsNotFound and friends
// keep working; ErrOperationInProgress and ErrAutomatedSync mark refusals.
package appctl
