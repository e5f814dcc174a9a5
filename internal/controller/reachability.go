package controller

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"
)

// How a remote cluster's reachability is probed: a success is trusted
// for reachableFor, a failure for unreachableFor (so the apps of a dead
// cluster retrying together share one probe), and a probe waits at most
// reachTimeout.
const (
	reachableFor   = 10 * time.Second
	unreachableFor = time.Second
	reachTimeout   = 5 * time.Second
)

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
	trust := reachableFor
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
