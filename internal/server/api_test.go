package server_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/controller/controllertest"
	"flotilla.dev/flotilla/internal/controlplane/kubetest"
	"flotilla.dev/flotilla/internal/server"
	"flotilla.dev/flotilla/internal/source/git/gittest"
)

const (
	apiToken = "api-test-token-31b7"
	// The Secret's value in git and the one written live: neither may
	// appear in any answer, plain or base64.
	gitSecret  = "hunter2-from-git-7f3a"
	liveSecret = "changed-live-9c1d"
)

// TestAPI exercises the JSON API and the events stream on a real plane
// and controller, and checks that no answer carries Secret data.
func TestAPI(t *testing.T) {
	c := controllertest.Start(t, appNamespace)
	ns := kubetest.NewNamespace(t, c)
	repo := gittest.NewLocalRepo(t)
	repo.Commit(t, map[string]string{
		"guestbook/deployment.yaml": deployment("guestbook", 1),
		"guestbook/service.yaml":    service("guestbook"),
		"secret/secret.yaml":        secret("db-credentials", "password", gitSecret),
		"secret/config.yaml":        configMap("db-config", "host", "db.internal"),
	}, "api fleet")
	ts := startServer(t, server.Options{Token: server.StaticToken(apiToken), KeepAlive: 300 * time.Millisecond})
	events := subscribe(t, ts, signIn(t, ts, apiToken))

	guestbook := application("api-guestbook", repo.URL(), "guestbook", ns, appOptions{automated: true})
	createApp(t, c, strings.Replace(guestbook, "metadata:\n", "metadata:\n  labels:\n    team: blue\n", 1))
	createApp(t, c, application("api-secret", repo.URL(), "secret", ns, appOptions{automated: true}))
	waitApp(t, c, "api-guestbook", v1alpha1.SyncStatusCodeSynced, v1alpha1.HealthStatusHealthy, 2*time.Minute)
	waitApp(t, c, "api-secret", v1alpha1.SyncStatusCodeSynced, v1alpha1.HealthStatusHealthy, time.Minute)

	// Drift: the live Secret gets another value, so the diff shows it.
	var live corev1.Secret
	if err := c.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: "db-credentials"}, &live); err != nil {
		t.Fatal(err)
	}
	live.Data["password"] = []byte(liveSecret)
	if err := c.Update(context.Background(), &live); err != nil {
		t.Fatal(err)
	}
	// The controller does not watch Secrets outside its namespace: a
	// refresh makes it compare again, as a user would ask for.
	if status, body := request(t, ts, "POST", "/api/v1/applications/argocd/api-secret/refresh", apiToken, ""); status != http.StatusAccepted {
		t.Fatalf("refresh: %d %s", status, body)
	}
	waitApp(t, c, "api-secret", v1alpha1.SyncStatusCodeOutOfSync, v1alpha1.HealthStatusHealthy, time.Minute)

	var bodies []string // every answer, for the Secret check
	get := func(t *testing.T, path string, into any) string {
		t.Helper()
		status, body := request(t, ts, "GET", path, apiToken, "")
		bodies = append(bodies, body)
		if status != http.StatusOK {
			t.Fatalf("GET %s = %d %s", path, status, body)
		}
		if into != nil {
			if err := json.Unmarshal([]byte(body), into); err != nil {
				t.Fatalf("GET %s: %v\n%s", path, err, body)
			}
		}
		return body
	}
	const gb = "/api/v1/applications/argocd/api-guestbook"
	// The server reads Applications from its own watch, which may be a
	// moment behind the client waitApp reads with.
	ok, last := kubetest.Poll(30*time.Second, 100*time.Millisecond, func() (bool, string) {
		_, body := request(t, ts, "GET", "/api/v1/applications?sync=OutOfSync&search=api-secret", apiToken, "")
		return strings.Contains(body, `"api-secret"`), body
	})
	if !ok {
		t.Fatalf("the server never listed api-secret as OutOfSync: %s", last)
	}

	t.Run("list and filters", func(t *testing.T) {
		for _, tc := range []struct{ query, want string }{
			{"", "api-guestbook,api-secret"},
			{"?search=GUESTBOOK", "api-guestbook"},
			{"?search=secret", "api-secret"}, // the path
			{"?search=" + ns, "api-guestbook,api-secret"},
			{"?selector=team%3Dblue", "api-guestbook"},
			{"?selector=team%21%3Dblue", "api-secret"},
			{"?sync=OutOfSync", "api-secret"},
			{"?health=Healthy&project=default", "api-guestbook,api-secret"},
			{"?namespace=argocd", "api-guestbook,api-secret"},
			{"?namespace=default", ""},
		} {
			var list struct{ Items []server.AppSummary }
			get(t, "/api/v1/applications"+tc.query, &list)
			var names []string
			for _, a := range list.Items {
				if strings.HasPrefix(a.Name, "api-") {
					names = append(names, a.Name)
				}
			}
			if got := strings.Join(names, ","); got != tc.want {
				t.Errorf("list%s = %s, want %s", tc.query, got, tc.want)
			}
		}
		var list struct{ Items []server.AppSummary }
		get(t, "/api/v1/applications?search=api-guestbook", &list)
		a := list.Items[0]
		if a.Sync != "Synced" || a.Health != "Healthy" || a.Project != "default" || a.Repo != repo.URL() || a.Path != "guestbook" ||
			a.Destination.Namespace != ns || a.Revision != repo.Head(t) || a.OperationPhase != "Succeeded" || !a.AutoSync || a.Resources.Total != 2 {
			t.Errorf("list item %+v", a)
		}
	})

	t.Run("application", func(t *testing.T) {
		var app v1alpha1.Application
		body := get(t, gb, &app)
		if app.Kind != "Application" || app.Spec.Source.Path != "guestbook" || app.Status.Sync.Status != v1alpha1.SyncStatusCodeSynced {
			t.Errorf("application %+v", app)
		}
		if strings.Contains(body, "managedFields") {
			t.Error("the application carries managedFields")
		}
		var hist struct {
			History   []v1alpha1.RevisionHistory
			Operation *v1alpha1.OperationState
		}
		get(t, gb+"/history", &hist)
		if len(hist.History) != 1 || hist.History[0].Revision != repo.Head(t) || hist.Operation == nil || hist.Operation.Phase != v1alpha1.OperationSucceeded {
			t.Errorf("history %+v", hist)
		}
		var tree server.TreeNode
		get(t, gb+"/tree", &tree)
		if tree.Name != "api-guestbook" || tree.App == nil || tree.App.Health != "Healthy" || len(tree.Children) != 0 {
			t.Errorf("tree %+v", tree)
		}
	})

	t.Run("resource tree follows owners to Pods", func(t *testing.T) {
		var res struct{ Resources []*server.ResourceNode }
		get(t, gb+"/resource-tree", &res)
		var got []string
		var walk func(nodes []*server.ResourceNode, depth int)
		walk = func(nodes []*server.ResourceNode, depth int) {
			for _, n := range nodes {
				got = append(got, fmt.Sprintf("%s%s %s", strings.Repeat("  ", depth), n.Kind, n.Health))
				walk(n.Children, depth+1)
			}
		}
		walk(res.Resources, 0)
		want := []string{"Deployment Healthy", "  ReplicaSet ", "    Pod Healthy", "Service Healthy"}
		if !slices.Equal(got, want) {
			t.Errorf("resource tree\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	})

	t.Run("diff masks Secret values", func(t *testing.T) {
		var d struct{ Resources []server.ResourceDiff }
		get(t, "/api/v1/applications/argocd/api-secret/diff", &d)
		if len(d.Resources) != 1 || d.Resources[0].Kind != "Secret" || !d.Resources[0].Modified {
			t.Fatalf("diff %+v, want the Secret only", d.Resources)
		}
		r := d.Resources[0]
		if !strings.Contains(r.Live, "password: ++++") || !strings.Contains(r.Desired, "password: ++++") || r.Live == r.Desired || r.Unified == "" {
			t.Errorf("the masked diff does not show a change:\nlive:\n%s\ndesired:\n%s\nunified:\n%s", r.Live, r.Desired, r.Unified)
		}
		get(t, "/api/v1/applications/argocd/api-secret/diff?all=true", &d)
		if len(d.Resources) != 2 {
			t.Errorf("diff?all=true has %d resources, want the ConfigMap too", len(d.Resources))
		}
		get(t, "/api/v1/applications/argocd/api-secret/resource-tree", nil)
		get(t, "/api/v1/applications/argocd/api-secret", nil)
		get(t, "/api/v1/applications/argocd/api-secret/history", nil)
		get(t, "/api/v1/applications", nil)
	})

	t.Run("actions", func(t *testing.T) {
		status, body := request(t, ts, "POST", gb+"/refresh?hard=true", apiToken, "")
		if status != http.StatusAccepted || !strings.Contains(body, `"refresh":"hard"`) {
			t.Errorf("refresh = %d %s", status, body)
		}
		status, body = request(t, ts, "POST", gb+"/sync", apiToken, `{"dryRun": true, "prune": true}`)
		var res server.SyncResponse
		if err := json.Unmarshal([]byte(body), &res); status != http.StatusAccepted || err != nil || res.Message != "dry-run sync requested" || res.Application.OperationPhase != "Requested" {
			t.Fatalf("sync = %d %s", status, body)
		}
		eventually(t, time.Minute, func() (bool, string) {
			app := getApp(t, c, "api-guestbook")
			op := app.Status.OperationState
			done := app.Operation == nil && op != nil && op.Phase == v1alpha1.OperationSucceeded && op.Operation.Sync.DryRun &&
				op.Operation.InitiatedBy.Username == server.DefaultUsername && op.Operation.Sync.Prune
			return done, describe(app)
		})
	})

	t.Run("bad requests", func(t *testing.T) {
		for _, tc := range []struct {
			method, path, token, body string
			want                      int
			msg                       string
		}{
			{"GET", "/api/v1/applications", "", "", 401, "missing token"},
			{"GET", "/api/v1/applications?selector=a%3D%3D%3D", apiToken, "", 400, "selector"},
			{"GET", "/api/v1/applications/argocd/nope", apiToken, "", 404, "not found"},
			{"GET", "/api/v1/applications/default/api-guestbook", apiToken, "", 404, "not found"},
			{"POST", gb + "/sync", apiToken, `{"prune": tru`, 400, "sync request"},
			{"POST", gb + "/sync", apiToken, `{"force": true}`, 400, "unknown field"},
			{"POST", gb + "/sync", apiToken, `{"resources": [{"name": "x"}]}`, 400, "kind and name"},
			{"POST", "/api/v1/applications/argocd/nope/sync", apiToken, `{}`, 404, "not found"},
			{"POST", gb + "/refresh?hard=maybe", apiToken, "", 400, "hard"},
			{"DELETE", gb, apiToken, "", 405, "use GET"},
			{"GET", gb + "/sync", apiToken, "", 405, "use POST"},
		} {
			status, body := request(t, ts, tc.method, tc.path, tc.token, tc.body)
			if status != tc.want || !strings.Contains(body, tc.msg) {
				t.Errorf("%s %s %s = %d %s, want %d with %q", tc.method, tc.path, tc.body, status, body, tc.want, tc.msg)
			}
		}
	})

	t.Run("events stream changes", func(t *testing.T) {
		eventually(t, 30*time.Second, func() (bool, string) {
			for _, ev := range events.events() {
				if ev.Type == "upsert" && ev.Application.Name == "api-secret" && ev.Application.Sync == "OutOfSync" {
					return true, ""
				}
			}
			return false, fmt.Sprintf("no OutOfSync event for api-secret among %d", len(events.events()))
		})
		if !strings.Contains(events.text(), ": keep-alive\n") {
			t.Error("no keep-alive comment")
		}
		bodies = append(bodies, events.text())
	})

	t.Run("no Secret data in any answer", func(t *testing.T) {
		if len(bodies) < 10 {
			t.Fatalf("only %d answers collected", len(bodies))
		}
		for _, v := range []string{gitSecret, liveSecret} {
			for _, s := range []string{v, base64.StdEncoding.EncodeToString([]byte(v))} {
				for _, body := range bodies {
					if strings.Contains(body, s) {
						t.Errorf("an answer carries %q:\n%.2000s", s, body)
					}
				}
			}
		}
	})

	t.Run("health, metrics and UI files", func(t *testing.T) {
		for _, path := range []string{"/healthz", "/readyz"} {
			if status, body := request(t, ts, "GET", path, "", ""); status != 200 {
				t.Errorf("%s = %d %s", path, status, body)
			}
		}
		_, metrics := request(t, ts, "GET", "/metrics", "", "")
		for _, want := range []string{
			`flotilla_server_requests_total{code="200",route="GET /api/v1/applications"}`,
			`flotilla_server_requests_total{code="401",route="GET /api/v1/applications"}`,
			`flotilla_server_request_duration_seconds_count{code="202",route="POST /api/v1/applications/{namespace}/{name}/sync"}`,
			"flotilla_server_sse_clients 1",
		} {
			if !strings.Contains(metrics, want) {
				t.Errorf("metrics lack %s", want)
			}
		}
		resp, err := ts.Client().Get(ts.URL + "/")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if ct, csp := resp.Header.Get("Content-Type"), resp.Header.Get("Content-Security-Policy"); !strings.HasPrefix(ct, "text/html") || !strings.Contains(csp, "default-src 'self'") {
			t.Errorf("index: %s, CSP %q", ct, csp)
		}
		err = filepath.WalkDir("ui", func(path string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			resp, err := ts.Client().Get(ts.URL + "/" + filepath.ToSlash(path))
			if err != nil {
				return err
			}
			resp.Body.Close()
			want := map[string]string{".js": "text/javascript", ".css": "text/css", ".html": "text/html", ".svg": "image/svg+xml"}[filepath.Ext(path)]
			if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), want) {
				t.Errorf("/%s = %d %s, want 200 %s", path, resp.StatusCode, resp.Header.Get("Content-Type"), want)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

// signIn posts the token to /api/v1/session and returns the cookie.
func signIn(t *testing.T, ts *httptest.Server, token string) string {
	t.Helper()
	req, _ := http.NewRequest("POST", ts.URL+"/api/v1/session", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	for _, c := range resp.Cookies() {
		if c.Name == server.SessionCookie {
			return c.Value
		}
	}
	t.Fatalf("sign in: %s, no cookie", resp.Status)
	return ""
}
