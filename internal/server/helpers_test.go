package server_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/controlplane/kubetest"
	"flotilla.dev/flotilla/internal/server"
	"flotilla.dev/flotilla/internal/server/servertest"
)

// appNamespace is where the tests' Applications live, as in Argo CD.
const appNamespace = "argocd"

// startServer runs a Server on the shared plane (servertest.Start).
func startServer(t *testing.T, opts server.Options) *httptest.Server {
	t.Helper()
	return servertest.Start(t, opts)
}

// serveOn is servertest.Serve.
func serveOn(t *testing.T, ts *httptest.Server, opts server.Options, wrap ...func(http.Handler) http.Handler) *httptest.Server {
	t.Helper()
	return servertest.Serve(t, ts, opts, wrap...)
}

// eventually polls cond until it reports done, failing the test with the
// last explanation after timeout.
func eventually(t *testing.T, timeout time.Duration, cond func() (bool, string)) {
	t.Helper()
	if ok, why := kubetest.Poll(timeout, 200*time.Millisecond, cond); !ok {
		t.Fatalf("condition not met within %s: %s", timeout, why)
	}
}

// createApp creates an Application from YAML in appNamespace and deletes
// it when the test ends.
func createApp(t *testing.T, c client.Client, manifest string) *v1alpha1.Application {
	t.Helper()
	app := &v1alpha1.Application{}
	if err := yaml.UnmarshalStrict([]byte(manifest), app); err != nil {
		t.Fatalf("decode application: %v\n%s", err, manifest)
	}
	app.Namespace = appNamespace
	if err := c.Create(context.Background(), app); err != nil {
		t.Fatalf("create application %s: %v", app.Name, err)
	}
	t.Cleanup(func() { _ = c.Delete(context.Background(), app) })
	return app
}

// deleteAppsAtEnd deletes Applications a parent created, when the test
// ends.
func deleteAppsAtEnd(t *testing.T, c client.Client, names ...string) {
	t.Cleanup(func() {
		for _, n := range names {
			_ = c.Delete(context.Background(), &v1alpha1.Application{ObjectMeta: objectMeta(n)})
		}
	})
}

func getApp(t *testing.T, c client.Client, name string) *v1alpha1.Application {
	t.Helper()
	app := &v1alpha1.Application{}
	if err := c.Get(context.Background(), client.ObjectKey{Namespace: appNamespace, Name: name}, app); err != nil {
		t.Fatalf("get application %s: %v", name, err)
	}
	return app
}

// waitApp waits until the app has the sync and health status and no
// operation running.
func waitApp(t *testing.T, c client.Client, name string, sync v1alpha1.SyncStatusCode, health v1alpha1.HealthStatusCode, timeout time.Duration) {
	t.Helper()
	eventually(t, timeout, func() (bool, string) {
		app := &v1alpha1.Application{}
		if err := c.Get(context.Background(), client.ObjectKey{Namespace: appNamespace, Name: name}, app); err != nil {
			return false, err.Error()
		}
		st := app.Status
		running := st.OperationState != nil && st.OperationState.Phase == v1alpha1.OperationRunning
		return st.Sync.Status == sync && st.Health.Status == health && !running, describe(app)
	})
}

func describe(app *v1alpha1.Application) string {
	var b strings.Builder
	fmt.Fprintf(&b, "app %s: sync=%s health=%s", app.Name, app.Status.Sync.Status, app.Status.Health.Status)
	for _, c := range app.Status.Conditions {
		fmt.Fprintf(&b, "\n  condition %s: %s", c.Type, c.Message)
	}
	for _, r := range app.Status.Resources {
		h := ""
		if r.Health != nil {
			h = string(r.Health.Status)
		}
		fmt.Fprintf(&b, "\n  %s %s/%s: %s %s", r.Kind, r.Namespace, r.Name, r.Status, h)
	}
	if op := app.Status.OperationState; op != nil {
		fmt.Fprintf(&b, "\n  operation %s: %s", op.Phase, op.Message)
	}
	return b.String()
}

// request sends method to ts's path with token (none when ""), and
// returns the status and body.
func request(t *testing.T, ts *httptest.Server, method, path, token, body string) (int, string) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, ts.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := ts.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", method, path, err)
	}
	return resp.StatusCode, string(data)
}

func objectMeta(name string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Namespace: appNamespace, Name: name}
}
