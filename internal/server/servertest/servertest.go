// Package servertest runs the API and UI server of package server for
// tests, on the shared test control plane.
package servertest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"flotilla.dev/flotilla/internal/appctl"
	"flotilla.dev/flotilla/internal/apply"
	"flotilla.dev/flotilla/internal/controlplane/kubetest"
	"flotilla.dev/flotilla/internal/manifests"
	"flotilla.dev/flotilla/internal/server"
)

// Start runs a Server on the shared plane behind an httptest server, with
// diffs rendered into a temporary cache.
func Start(t *testing.T, opts server.Options) *httptest.Server {
	t.Helper()
	return Serve(t, httptest.NewUnstartedServer(nil), opts)
}

// Serve is Start on an unstarted httptest server, whose address is known
// before the Server is made (for an OIDC redirect URL), with the Server's
// handler wrapped by wrap. Namespaces default to argocd.
func Serve(t *testing.T, ts *httptest.Server, opts server.Options, wrap ...func(http.Handler) http.Handler) *httptest.Server {
	t.Helper()
	cfg := kubetest.Plane(t).RESTConfig()
	opts.Config = cfg
	if opts.Namespaces == nil {
		opts.Namespaces = []string{"argocd"}
	}
	cluster, err := apply.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	opts.Diff = appctl.DiffOptions{Generator: manifests.NewGenerator(t.TempDir()), Cluster: cluster}
	srv, err := server.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Start(ctx) }()
	ready, cancelReady := context.WithTimeout(ctx, 30*time.Second)
	defer cancelReady()
	if err := srv.WaitReady(ready); err != nil {
		cancel()
		t.Fatal(err)
	}
	var h http.Handler = srv
	for _, w := range wrap {
		h = w(h)
	}
	ts.Config.Handler = h
	ts.Start()
	t.Cleanup(func() {
		ts.CloseClientConnections()
		ts.Close()
		cancel()
		if err := <-done; err != nil {
			t.Errorf("server stopped: %v", err)
		}
	})
	return ts
}
