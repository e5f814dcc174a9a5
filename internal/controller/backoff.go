package controller

import (
	"fmt"
	"sync"
	"time"

	"golang.org/x/time/rate"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/workqueue"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"flotilla.dev/flotilla/api/v1alpha1"
)

// Defaults of the backoff between attempts of an Application whose
// comparison failed (a repository, registry or cluster it needs did not
// answer, or answered nonsense).
const (
	DefaultErrorBackoff    = 5 * time.Second
	DefaultErrorBackoffMax = 3 * time.Minute
)

// failureCounts counts, per Application, the comparisons that failed in a
// row. It lives in memory: a restarted controller starts again at the
// shortest wait, which costs one early retry.
type failureCounts struct {
	mu sync.Mutex
	n  map[types.NamespacedName]int
}

// add counts one more failure of key and returns the count.
func (f *failureCounts) add(key types.NamespacedName) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.n == nil {
		f.n = map[types.NamespacedName]int{}
	}
	f.n[key]++
	return f.n[key]
}

// reset forgets key's failures.
func (f *failureCounts) reset(key types.NamespacedName) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.n, key)
}

// comparisonFailed records a failed comparison of app as its
// ComparisonError condition, naming the attempt and when the next one
// comes, and returns that wait: ErrorBackoff, doubled for every failure
// in a row, at most ErrorBackoffMax. The sync status turns Unknown;
// nothing running is touched.
func (r *Reconciler) comparisonFailed(app *v1alpha1.Application, err error) time.Duration {
	attempt := 1
	if r.failures != nil {
		attempt = r.failures.add(types.NamespacedName{Namespace: app.Namespace, Name: app.Name})
	}
	wait := errorBackoff(r.ErrorBackoff, r.ErrorBackoffMax, attempt)
	setCondition(&app.Status, v1alpha1.ApplicationConditionComparisonError,
		fmt.Sprintf("%s (attempt %d failed; retrying in %s)", err, attempt, wait))
	app.Status.Sync.Status = v1alpha1.SyncStatusCodeUnknown
	return wait
}

// comparisonSucceeded resets app's backoff.
func (r *Reconciler) comparisonSucceeded(app *v1alpha1.Application) {
	if r.failures != nil {
		r.failures.reset(types.NamespacedName{Namespace: app.Namespace, Name: app.Name})
	}
}

// errorBackoff is the wait after the attempt-th failure in a row.
func errorBackoff(base, maxWait time.Duration, attempt int) time.Duration {
	if base <= 0 {
		base = DefaultErrorBackoff
	}
	if maxWait <= 0 {
		maxWait = DefaultErrorBackoffMax
	}
	d := base
	for i := 1; i < attempt && d < maxWait; i++ {
		d *= 2
	}
	return min(d, maxWait)
}

// failedReconcileLimiter spaces the retries of an Application whose
// reconcile failed outright (its status could not be written: the API
// server or etcd is down) as controller-runtime's default does, from 5ms
// doubling, but at most maxWait (DefaultErrorBackoffMax when 0) instead of
// about 16 minutes: after a long outage an app is retried soon, not as
// long again later.
func failedReconcileLimiter(maxWait time.Duration) workqueue.TypedRateLimiter[reconcile.Request] {
	if maxWait <= 0 {
		maxWait = DefaultErrorBackoffMax
	}
	return workqueue.NewTypedMaxOfRateLimiter(
		workqueue.NewTypedItemExponentialFailureRateLimiter[reconcile.Request](5*time.Millisecond, maxWait),
		&workqueue.TypedBucketRateLimiter[reconcile.Request]{Limiter: rate.NewLimiter(rate.Limit(10), 100)},
	)
}
