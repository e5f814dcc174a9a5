package controller

import "time"

// TrustReachableClusterFor sets how long a remote cluster's successful
// probe is trusted, and returns the function that restores the default:
// with a long trust, a cluster cut after its probe fails in the middle of
// the comparison instead.
func TrustReachableClusterFor(d time.Duration) (restore func()) {
	reachableFor.Store(int64(d))
	return func() { reachableFor.Store(int64(defaultReachableFor)) }
}
