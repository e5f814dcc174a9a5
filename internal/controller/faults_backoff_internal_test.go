package controller

import (
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
)

// A failed comparison waits the base backoff, doubled per failure in a
// row, never more than the maximum (defaults when unset).
func TestFaultErrorBackoffDoublesToItsMaximum(t *testing.T) {
	for _, tc := range []struct {
		base, maxWait time.Duration
		attempt       int
		want          time.Duration
	}{
		{time.Second, time.Minute, 1, time.Second},
		{time.Second, time.Minute, 3, 4 * time.Second},
		{time.Second, time.Minute, 7, time.Minute},
		{time.Second, time.Minute, 1000, time.Minute},
		{0, 0, 1, DefaultErrorBackoff},
		{0, 0, 100, DefaultErrorBackoffMax},
	} {
		if got := errorBackoff(tc.base, tc.maxWait, tc.attempt); got != tc.want {
			t.Errorf("errorBackoff(%s, %s, %d) = %s, want %s", tc.base, tc.maxWait, tc.attempt, got, tc.want)
		}
	}
}

// An app whose reconcile keeps failing (the API server is down) is
// retried at most ErrorBackoffMax apart, however long the outage lasts.
func TestFaultFailedReconcilesBackOffToErrorBackoffMax(t *testing.T) {
	limiter := failedReconcileLimiter(4 * time.Second)
	req := reconcile.Request{NamespacedName: types.NamespacedName{Namespace: "argocd", Name: "app"}}
	var last time.Duration
	for range 30 {
		last = limiter.When(req)
	}
	if last != 4*time.Second {
		t.Errorf("after 30 failures the next retry waits %s, want the maximum of 4s", last)
	}
	limiter.Forget(req)
	if d := limiter.When(req); d > 10*time.Millisecond {
		t.Errorf("after a success the first retry waits %s, want milliseconds", d)
	}
}
