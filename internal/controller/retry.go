package controller

import (
	"context"
	"fmt"
	"slices"
	"time"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/manifests"
)

// Argo CD's retry backoff defaults.
const (
	defaultRetryDuration    = 5 * time.Second
	defaultRetryFactor      = 2
	defaultRetryMaxDuration = 3 * time.Minute
)

// nextRetry decides whether a failed attempt is retried and after how
// long: retry.limit attempts (negative: unlimited), waiting duration ×
// factor^n, at most maxDuration.
func nextRetry(st *v1alpha1.OperationState) (time.Duration, bool) {
	rs := st.Operation.Retry
	if rs.Limit == 0 || (rs.Limit > 0 && st.RetryCount >= rs.Limit) {
		return 0, false
	}
	return backoff(rs.Backoff, st.RetryCount), true
}

// backoff is the wait before retry number n+1.
func backoff(b *v1alpha1.Backoff, n int64) time.Duration {
	d, factor, maxD := defaultRetryDuration, int64(defaultRetryFactor), defaultRetryMaxDuration
	if b != nil {
		if parsed, err := parseDuration(b.Duration); err == nil && b.Duration != "" {
			d = parsed
		}
		if b.Factor != nil {
			factor = *b.Factor
		}
		if parsed, err := parseDuration(b.MaxDuration); err == nil && b.MaxDuration != "" {
			maxD = parsed
		}
	}
	for i := int64(0); i < n && d < maxD; i++ {
		d *= time.Duration(factor)
	}
	return min(d, maxD)
}

// parseDuration accepts Go durations and plain seconds ("30"), as Argo CD.
func parseDuration(s string) (time.Duration, error) {
	if d, err := time.ParseDuration(s); err == nil {
		return d, nil
	}
	return time.ParseDuration(s + "s")
}

// retryWait is how long a retrying operation still waits before its next
// attempt (0: go now). A retrying operation is Running with FinishedAt set
// to the end of the failed attempt.
func retryWait(st *v1alpha1.OperationState) time.Duration {
	if st.FinishedAt == nil || st.RetryCount == 0 {
		return 0
	}
	wait := backoff(st.Operation.Retry.Backoff, st.RetryCount-1) - time.Since(st.FinishedAt.Time)
	return max(wait, 0)
}

// retryWithLatest starts a retry with retry.refresh (Argo CD 3.2): the
// attempt syncs the newest revision of the sources instead of the one
// that failed. When that revision differs, the operation is re-pinned to
// it and the attempt starts on the next step, which renders it; the
// returned wait is then how soon that step comes (0: go on now).
func (r *Reconciler) retryWithLatest(ctx context.Context, app *v1alpha1.Application, st *v1alpha1.OperationState) time.Duration {
	res, err := r.Manifests.Generate(ctx, manifests.Request{App: app, Refresh: true, KubeVersion: r.KubeVersion})
	if err != nil || len(res.Revisions) == 0 {
		return 0 // the retry syncs the revision it has; the render error shows there
	}
	if slices.Equal(res.Revisions, pinnedRevisions(app, st)) {
		return 0
	}
	sync := st.Operation.Sync
	sync.Revision, sync.Revisions = res.Revisions[0], multi(app, res.Revisions)
	st.SyncResult.Revision, st.SyncResult.Revisions = sync.Revision, sync.Revisions
	st.FinishedAt = nil
	st.Message = fmt.Sprintf("Retrying operation with latest revisions. Attempt #%d", st.RetryCount)
	return time.Millisecond
}
