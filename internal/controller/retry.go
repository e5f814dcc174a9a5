package controller

import (
	"time"

	"flotilla.dev/flotilla/api/v1alpha1"
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
