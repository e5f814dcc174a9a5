// Package apply talks to the cluster on behalf of a sync: server-side apply
// under one field manager, server-side dry-run to predict what an apply
// would change (the basis of sync status), and deletes. It owns Argo CD's
// tracking: every applied object carries the
// `argocd.argoproj.io/tracking-id` annotation, and nothing without this
// application's tracking id is ever deleted by a prune. Tracking (Argo
// CD's tracking methods, including its legacy instance label) and
// TakeOver (handing the fields Argo CD's field managers hold to flotilla)
// let an Application move from Argo CD to flotilla without a diff.
package apply
