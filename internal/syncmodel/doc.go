// Package syncmodel answers one question for every caller: given an
// Application, its desired objects (and hooks) and the live cluster, which
// objects are out of sync, what a sync would apply (the server-side
// dry-run's prediction), which live objects it would prune (and whether
// that prune is disabled or waits for confirmation), the health of each
// object when the caller passes a health assessor, and, on request, the
// Secret-masked diff of each.
//
// The controller's comparison (status.sync, status.resources, the
// operation's prune list), `flotilla app diff` and the web UI's diff
// (both through internal/appctl) call Compare; none of them compares,
// predicts, lists prunes or masks Secrets by itself.
//
// Rules every caller gets:
//
//   - Hooks (argocd.argoproj.io/hook, Helm hooks) are never compared and
//     never prunable; objects annotated hook Skip are left out entirely.
//   - Prune candidates are the app's previous status.resources that are
//     no longer desired and still this app's by its tracking
//     (apply.Tracking.Owns: the tracking id, or Argo CD's instance label
//     under label tracking).
//   - A live object owned only through Argo CD's instance label is
//     compared as if it carried the tracking id the next sync writes
//     (Argo CD's tracking normalisation), so that annotation is no
//     difference.
//   - A live object whose tracking id names another app is reported as
//     shared.
//   - Secret values are masked once, here (diff.MaskSecrets), before any
//     diff text leaves the package.
//
// Caches stay with the caller: a Memo (the controller's in-sync cache)
// decides when the model may skip a read, never what the answer is. A
// caller that asks for diffs gets no memo shortcut. Writing is the
// caller's choice too: TakeOver, when set, hands Argo CD's field managers
// over before the prediction (the controller does; a read-only diff does
// not).
//
// The package imports no controller-runtime and no client-go: live
// objects come through the Cluster interface (apply.Client satisfies it).
package syncmodel
