package controller

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// How a remote cluster's reachability is probed: a success is trusted
// for reachableFor, a failure for unreachableFor (so the apps of a dead
// cluster retrying together share one probe), and a probe waits at most
// reachTimeout.
const (
	defaultReachableFor = 10 * time.Second
	unreachableFor      = time.Second
	reachTimeout        = 5 * time.Second
)

// reachableFor is defaultReachableFor; tests lengthen it to reach the
// comparison of a cluster that died after its last probe.
var reachableFor atomic.Int64

func init() { reachableFor.Store(int64(defaultReachableFor)) }

// reachability tells whether a remote cluster answers. An Application on
// a remote cluster is compared through metadata informers that go on
// answering from their cache, stale, while the cluster is gone; asking
// the cluster's /version first turns that into a ComparisonError that
// names the cluster.
type reachability struct {
	name   string // the cluster as the condition names it
	url    string // its /version
	client *http.Client

	mu      sync.Mutex // held while probing: one probe at a time
	checked time.Time
	err     error
}

func newReachability(name, host string, client *http.Client) *reachability {
	return &reachability{name: name, url: strings.TrimSuffix(host, "/") + "/version", client: client}
}

// check returns why the cluster is unreachable, nil when it answers (or
// for a nil reachability: the local cluster).
func (h *reachability) check(ctx context.Context) error {
	if h == nil {
		return nil
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	trust := time.Duration(reachableFor.Load())
	if h.err != nil {
		trust = unreachableFor
	}
	if !h.checked.IsZero() && time.Since(h.checked) < trust {
		return h.err
	}
	h.err = h.probe(ctx)
	h.checked = time.Now()
	return h.err
}

func (h *reachability) probe(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, reachTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, h.url, nil)
	if err != nil {
		return fmt.Errorf("cluster %s is unreachable: %w", h.name, err)
	}
	resp, err := h.client.Do(req)
	if err != nil {
		return fmt.Errorf("cluster %s is unreachable: %w", h.name, err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode >= http.StatusInternalServerError {
		return fmt.Errorf("cluster %s is unavailable: GET %s answered %s", h.name, h.url, resp.Status)
	}
	return nil
}

// clusterError is a comparison that failed reading (or handing over) the
// live objects of the destination cluster: the cluster is in trouble, not
// the app's sources, so a running sync waits for it, as it does for a
// failed apply, instead of failing.
type clusterError struct{ error }

func (e clusterError) Unwrap() error { return e.error }

func isClusterError(err error) bool {
	var e clusterError
	return errors.As(err, &e)
}

// clusterFailed marks err as the destination cluster's, naming a remote
// cluster as its Secret does.
func (r *Reconciler) clusterFailed(err error) error {
	if r.dest != nil && !r.dest.IsInCluster() {
		err = fmt.Errorf("cluster %s: %w", r.dest, err)
	}
	return clusterError{err}
}
