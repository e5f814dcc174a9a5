package appctl

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"flotilla.dev/flotilla/api/v1alpha1"
)

// Resource names one object of an app, as Argo CD's sync resources do.
type Resource struct{ Group, Kind, Namespace, Name string }

// SyncOptions steer a requested sync.
type SyncOptions struct {
	Prune, DryRun bool
	// Revision to sync instead of the tracked one. The controller pins a
	// full commit SHA; any other revision is resolved to the commit it
	// compares now, so resolve branches and tags first (ResolveRevision).
	Revision string
	// Resources to sync; empty syncs all.
	Resources []Resource
	// Username is recorded as operation.initiatedBy.username.
	Username string
	// SyncOptions are extra sync options (CreateNamespace=true, …).
	SyncOptions []string
}

// Sync requests a sync by setting the Application's operation, as Argo
// CD's API server does; the controller runs it. Without a revision it also
// asks for a refresh, so the controller resolves the tracked revision
// afresh instead of syncing the commit it resolved at its last poll (Argo
// CD's API server resolves it when the sync is requested). It refuses, with
// an error wrapping ErrOperationInProgress, when an operation is already
// requested or running. It returns the Application as written.
func Sync(ctx context.Context, c client.Client, namespace, name string, opts SyncOptions) (*v1alpha1.Application, error) {
	op := &v1alpha1.SyncOperation{Revision: opts.Revision, Prune: opts.Prune, DryRun: opts.DryRun, SyncOptions: opts.SyncOptions}
	for _, r := range opts.Resources {
		op.Resources = append(op.Resources, v1alpha1.SyncOperationResource{Group: r.Group, Kind: r.Kind, Namespace: r.Namespace, Name: r.Name})
	}
	return requestOperation(ctx, c, namespace, name, opts.Username, func(app *v1alpha1.Application) (*v1alpha1.SyncOperation, error) {
		if opts.Revision == "" && app.Annotations[RefreshAnnotation] == "" {
			if app.Annotations == nil {
				app.Annotations = map[string]string{}
			}
			app.Annotations[RefreshAnnotation] = "normal"
		}
		return op, nil
	})
}

// RollbackOptions steer a rollback.
type RollbackOptions struct {
	// ID of the history entry to return to.
	ID       int64
	Prune    bool
	Username string
}

// Rollback syncs to the revision(s) of history entry id, as `argocd app
// rollback` does. It refuses while automated sync is on (the next
// automated sync would undo it), with an error wrapping ErrAutomatedSync.
func Rollback(ctx context.Context, c client.Client, namespace, name string, id int64, prune bool) (*v1alpha1.Application, error) {
	return RollbackWith(ctx, c, namespace, name, RollbackOptions{ID: id, Prune: prune})
}

// RollbackWith is Rollback with the initiator's name.
func RollbackWith(ctx context.Context, c client.Client, namespace, name string, opts RollbackOptions) (*v1alpha1.Application, error) {
	return requestOperation(ctx, c, namespace, name, opts.Username, func(app *v1alpha1.Application) (*v1alpha1.SyncOperation, error) {
		if AutomatedSync(app) {
			return nil, fmt.Errorf("application %s: %w: disable it first (remove spec.syncPolicy.automated)", name, ErrAutomatedSync)
		}
		entry, ok := HistoryEntry(app, opts.ID)
		if !ok {
			return nil, fmt.Errorf("application %s has no history entry %d (it has %s)", name, opts.ID, historyIDs(app))
		}
		op := &v1alpha1.SyncOperation{Revision: entry.Revision, Revisions: entry.Revisions, Prune: opts.Prune}
		if len(entry.Sources) > 0 {
			op.Sources = entry.Sources
		} else if entry.Source.RepoURL != "" {
			src := entry.Source
			op.Source = &src
		}
		return op, nil
	})
}

// requestOperation writes operation.sync, made by build from the current
// Application (build may refuse first), unless an operation is in
// progress. The write carries the
// read resourceVersion, so a concurrent change is read again.
func requestOperation(ctx context.Context, c client.Client, namespace, name, username string,
	build func(*v1alpha1.Application) (*v1alpha1.SyncOperation, error)) (*v1alpha1.Application, error) {
	var app *v1alpha1.Application
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		var err error
		if app, err = Get(ctx, c, namespace, name); err != nil {
			return err
		}
		orig := app.DeepCopy()
		op, err := build(app)
		if err != nil {
			return err
		}
		if why := OperationInProgress(app); why != "" {
			return fmt.Errorf("application %s: %w: %s", name, ErrOperationInProgress, why)
		}
		app.Operation = &v1alpha1.Operation{Sync: op, InitiatedBy: v1alpha1.OperationInitiator{Username: username}}
		return c.Patch(ctx, app, client.MergeFromWithOptions(orig, client.MergeFromWithOptimisticLock{}))
	})
	if err != nil {
		return nil, wrapWrite("request sync of application", name, err)
	}
	return app, nil
}

// OperationInProgress says which operation is requested or running, ""
// when none is.
func OperationInProgress(app *v1alpha1.Application) string {
	if app.Operation != nil {
		return "a sync is requested and waits for the controller to start it"
	}
	if st := app.Status.OperationState; st != nil && !st.Phase.Completed() {
		msg := fmt.Sprintf("a sync is %s since %s", st.Phase, st.StartedAt.UTC().Format("15:04:05 MST"))
		if st.Message != "" {
			msg += " (" + st.Message + ")"
		}
		return msg
	}
	return ""
}

// AutomatedSync reports whether the app has automated sync on.
func AutomatedSync(app *v1alpha1.Application) bool {
	p := app.Spec.SyncPolicy
	return p != nil && p.Automated != nil && (p.Automated.Enabled == nil || *p.Automated.Enabled)
}

// HistoryEntry returns the history entry with the given id.
func HistoryEntry(app *v1alpha1.Application, id int64) (v1alpha1.RevisionHistory, bool) {
	for _, h := range app.Status.History {
		if h.ID == id {
			return h, true
		}
	}
	return v1alpha1.RevisionHistory{}, false
}

func historyIDs(app *v1alpha1.Application) string {
	if len(app.Status.History) == 0 {
		return "no history yet"
	}
	ids := make([]string, 0, len(app.Status.History))
	for _, h := range app.Status.History {
		ids = append(ids, fmt.Sprint(h.ID))
	}
	return "ids " + strings.Join(ids, ", ")
}

// Refresh asks the controller for a refresh by setting the
// argocd.argoproj.io/refresh annotation to normal, or hard (which also
// renders again); the controller removes it when done.
func Refresh(ctx context.Context, c client.Client, namespace, name string, hard bool) error {
	kind := "normal"
	if hard {
		kind = "hard"
	}
	app, err := Get(ctx, c, namespace, name)
	if err != nil {
		return err
	}
	patch := fmt.Appendf(nil, `{"metadata":{"annotations":{%q:%q}}}`, RefreshAnnotation, kind)
	if err := c.Patch(ctx, app, client.RawPatch("application/merge-patch+json", patch)); err != nil {
		return wrapWrite("refresh application", name, err)
	}
	return nil
}

// Delete deletes the Application. With cascade the resources finalizer is
// added first, so the controller deletes the app's resources before the
// Application goes; without, every resources finalizer is removed, so they
// stay.
func Delete(ctx context.Context, c client.Client, namespace, name string, cascade bool) error {
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		app, err := Get(ctx, c, namespace, name)
		if err != nil {
			return err
		}
		orig := app.DeepCopy()
		fins := slices.DeleteFunc(slices.Clone(app.Finalizers), func(f string) bool { return !cascade && slices.Contains(resourceFinalizers, f) })
		if cascade && !slices.ContainsFunc(fins, func(f string) bool { return slices.Contains(resourceFinalizers, f) }) {
			fins = append(fins, ResourcesFinalizer)
		}
		if slices.Equal(fins, app.Finalizers) {
			return nil
		}
		app.Finalizers = fins
		return c.Patch(ctx, app, client.MergeFromWithOptions(orig, client.MergeFromWithOptimisticLock{}))
	})
	if err != nil {
		return wrapWrite("set finalizers of application", name, err)
	}
	app := &v1alpha1.Application{}
	app.Namespace, app.Name = namespace, name
	if err := c.Delete(ctx, app); err != nil {
		return fmt.Errorf("delete application %s: %w", name, err)
	}
	return nil
}

// wrapWrite adds context to an error unless it already names the app.
func wrapWrite(what, name string, err error) error {
	if strings.HasPrefix(err.Error(), "get application ") || strings.HasPrefix(err.Error(), "application ") {
		return err
	}
	return fmt.Errorf("%s %s: %w", what, name, err)
}
