package syncmodel

import (
	"context"
	"errors"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/apply"
	"flotilla.dev/flotilla/internal/diff"
	"flotilla.dev/flotilla/internal/health"
	flsync "flotilla.dev/flotilla/internal/sync"
)

// compareOne compares one desired object with its live state.
func (c *comparer) compareOne(ctx context.Context, u *unstructured.Unstructured, res *Result) (Resource, error) {
	r := newResource(u)
	r.Desired, r.Status = u, v1alpha1.SyncStatusCodeOutOfSync
	if h, ok := c.memoSynced(ctx, u); ok {
		r.Status, r.Health = v1alpha1.SyncStatusCodeSynced, healthOf(h)
		return r, nil
	}
	live, err := c.read(ctx, u)
	if err != nil {
		return r, err
	}
	if live == nil {
		r.Predicted, r.Health = u, healthOf(health.Status{Code: health.Missing})
		return r, c.withDiff(&r)
	}
	if c.in.Memo != nil && c.in.Memo.StatusOnly(ctx, u, live) {
		// in sync as before: only its status moved, which health reads
		h := c.assess(live)
		r.Status, r.Live, r.Health = v1alpha1.SyncStatusCodeSynced, live, healthOf(h)
		c.in.Memo.Remember(u, live, h)
		return r, nil
	}
	shared := c.noteShared(u, live, res)
	if live, err = c.takeOver(ctx, live); err != nil {
		return r, err
	}
	h := c.assess(live)
	if c.in.Health != nil {
		r.Health = healthOf(h)
	}
	r.Live = c.backfillTracking(u, live)
	if !c.predict(ctx, &r) {
		return r, c.withDiff(&r)
	}
	equal, err := diff.Equal(r.Predicted, r.Live, c.rules)
	if err != nil {
		r.Problem = "ignoreDifferences: " + err.Error()
		return r, c.withDiff(&r)
	}
	if equal {
		r.Status = v1alpha1.SyncStatusCodeSynced
	}
	c.note(u, live, h, equal, shared)
	return r, c.withDiff(&r)
}

// read gets u's live state; a kind the API server does not know yet (its
// CRD comes with the same sync) reads as missing.
func (c *comparer) read(ctx context.Context, u *unstructured.Unstructured) (*unstructured.Unstructured, error) {
	if c.in.Memo != nil && c.in.Memo.Absent(ctx, u) {
		return nil, nil
	}
	live, err := c.in.Cluster.Get(ctx, u)
	if errors.Is(err, apply.ErrUnknownKind) {
		return nil, nil
	}
	return live, err
}

// predict sets r.Predicted from a server-side dry-run of r.Desired; false
// when the API server refused it (r.Predicted is then r.Desired).
func (c *comparer) predict(ctx context.Context, r *Resource) bool {
	mode := flsync.ApplyMode(appOptions(c.in.App), r.Desired)
	predicted, err := c.in.Cluster.DryRunWith(ctx, r.Desired, mode)
	if err == nil {
		r.Predicted = predicted
		return true
	}
	r.Predicted, r.DryRunError = r.Desired, err.Error()
	if !(mode.Force && apierrors.IsInvalid(err)) {
		// Force=true: a change the API server refuses (an immutable
		// field) is made by re-creating the object, so it is a difference
		// to sync, not a comparison error.
		r.Problem = err.Error()
	}
	return false
}

// noteShared records live as shared when its tracking names another app.
func (c *comparer) noteShared(u, live *unstructured.Unstructured, res *Result) bool {
	owner := c.in.Tracking.Owner(live)
	if owner == "" || c.in.Tracking.Owns(live, c.in.Instance) {
		return false
	}
	res.Shared = append(res.Shared, fmt.Sprintf("%s/%s is part of applications %s and %s", u.GetKind(), u.GetName(), owner, c.in.App.Name))
	return true
}

// takeOver hands the fields Argo CD's field managers hold on live to
// flotilla when live is this app's and the caller allows the write.
func (c *comparer) takeOver(ctx context.Context, live *unstructured.Unstructured) (*unstructured.Unstructured, error) {
	if c.in.TakeOver == nil || !apply.HasPreviousManagers(live) || !c.in.Tracking.Owns(live, c.in.Instance) {
		return live, nil
	}
	return c.in.TakeOver(ctx, live)
}

// backfillTracking is live as compared with desired u: an object this app
// owns through Argo CD's instance label alone gets u's tracking id, as
// Argo CD's tracking normalisation does, so that the annotation the next
// sync adds is no difference.
func (c *comparer) backfillTracking(u, live *unstructured.Unstructured) *unstructured.Unstructured {
	if !c.in.Tracking.OwnsByLabel(live, c.in.Instance) {
		return live
	}
	out := live.DeepCopy()
	ann := out.GetAnnotations()
	if ann == nil {
		ann = map[string]string{}
	}
	ann[apply.TrackingAnnotation] = u.GetAnnotations()[apply.TrackingAnnotation]
	out.SetAnnotations(ann)
	return out
}

// assess is live's health by the caller's assessor (zero without one).
func (c *comparer) assess(live *unstructured.Unstructured) health.Status {
	if c.in.Health == nil {
		return health.Status{}
	}
	return c.in.Health.Assess(live)
}

func (c *comparer) memoSynced(ctx context.Context, u *unstructured.Unstructured) (health.Status, bool) {
	if c.in.Memo == nil {
		return health.Status{}, false
	}
	return c.in.Memo.Synced(ctx, u)
}

// note tells the memo whether u is in sync with live now; a shared
// object is never remembered.
func (c *comparer) note(u, live *unstructured.Unstructured, h health.Status, equal, shared bool) {
	switch {
	case c.in.Memo == nil:
	case !equal:
		c.in.Memo.Forget(u)
	case !shared:
		c.in.Memo.Remember(u, live, h)
	}
}
