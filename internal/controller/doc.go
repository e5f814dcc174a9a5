// Package controller reconciles Argo CD Applications. One reconcile
// fetches the sources at their resolved revisions, renders the desired
// objects, compares them with the live objects through server-side dry-run,
// runs an automated or requested sync, and writes status back in Argo CD's
// shape (sync, health, resources, operationState, history, conditions).
//
// App-of-apps needs no special code: a rendered Application is an object
// like any other, and the same reconciler then reconciles the child. The
// objects an Application manages are watched through metadata-only
// informers, so drift and health changes trigger a reconcile at once.
package controller
