package controller

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// A remote cluster's probe names the cluster when it does not answer or
// answers 5xx, and passes when /version answers; the local cluster (no
// probe) always passes.
func TestFaultReachabilityNamesTheCluster(t *testing.T) {
	var status int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/version" {
			http.NotFound(w, r)
			return
		}
		w.WriteHeader(status)
	}))
	defer srv.Close()
	ctx := context.Background()

	status = http.StatusServiceUnavailable
	h := newReachability("edge ("+srv.URL+")", srv.URL+"/", srv.Client())
	if err := h.check(ctx); err == nil || !strings.Contains(err.Error(), "cluster edge ("+srv.URL+") is unavailable") {
		t.Errorf("503: %v", err)
	}
	status = http.StatusOK
	h = newReachability("edge", srv.URL, srv.Client())
	if err := h.check(ctx); err != nil {
		t.Errorf("200: %v", err)
	}
	srv.Close()
	h = newReachability("edge", srv.URL, srv.Client())
	if err := h.check(ctx); err == nil || !strings.Contains(err.Error(), "cluster edge is unreachable") {
		t.Errorf("closed: %v", err)
	}
	var local *reachability
	if err := local.check(ctx); err != nil {
		t.Errorf("local cluster: %v", err)
	}
}
