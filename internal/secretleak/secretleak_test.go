package secretleak_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
	"sigs.k8s.io/yaml"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/cli"
	"flotilla.dev/flotilla/internal/controller/controllertest"
	"flotilla.dev/flotilla/internal/controlplane/kubetest"
	"flotilla.dev/flotilla/internal/server"
	"flotilla.dev/flotilla/internal/server/servertest"
	"flotilla.dev/flotilla/internal/source/git/gittest"
)

// The planted values: each must never be seen outside the Secrets.
const (
	markerString = "leak-marker-string-5f3a9c" // a Secret's stringData
	markerData   = "leak-marker-data-8e21d0"   // a Secret's data (base64 in git)
	markerDrift  = "leak-marker-drift-77c04b"  // written to the live Secret by someone else
	markerFailed = "leak-marker-failed-a19e3f" // in a Secret whose apply is refused
)

var markers = []string{markerString, markerData, markerDrift, markerFailed}

const appsNS = "argocd"

func secretManifest(name, body string) string {
	return "apiVersion: v1\nkind: Secret\nmetadata:\n  name: " + name + "\n" + body
}

func app(name, repoURL, path, dest string) string {
	return fmt.Sprintf(`apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: %s, namespace: %s}
spec:
  project: default
  source: {repoURL: %s, path: %s, targetRevision: HEAD}
  destination: {server: "https://kubernetes.default.svc", namespace: %s}
  syncPolicy: {automated: {prune: true}}
`, name, appsNS, repoURL, path, dest)
}

// TestNoSecretValueEscapes syncs an app with two Secrets, drifts one of
// them, and syncs an app whose Secret the API server refuses; then it
// reads every output and fails on any marker (or its base64 form) found.
func TestNoSecretValueEscapes(t *testing.T) {
	c := controllertest.Start(t, appsNS)
	ctx := context.Background()
	dest := kubetest.NewNamespace(t, c)
	repo := gittest.NewServer(t).NewRepo(t, "leaky")
	repo.Commit(t, map[string]string{
		"ok/creds.yaml":  secretManifest("creds", "stringData: {password: "+markerString+"}\n"),
		"ok/token.yaml":  secretManifest("token", "data: {token: "+b64(markerData)+"}\n"),
		"ok/cm.yaml":     "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: plain}\ndata: {value: visible}\n",
		"bad/creds.yaml": secretManifest("refused", "type: kubernetes.io/dockerconfigjson\nstringData: {.dockerconfigjson: "+markerFailed+"}\n"),
	}, "secrets")
	for name, path := range map[string]string{"leaky": "ok", "leaky-failed": "bad"} {
		createApp(t, c, app(name, repo.URL(), path, dest))
	}
	waitApp(t, c, "leaky", func(a *v1alpha1.Application) bool {
		return a.Status.Sync.Status == v1alpha1.SyncStatusCodeSynced && a.Status.Health.Status == v1alpha1.HealthStatusHealthy
	})
	waitApp(t, c, "leaky-failed", func(a *v1alpha1.Application) bool {
		op := a.Status.OperationState
		return op != nil && op.Phase == v1alpha1.OperationFailed
	})
	live := &corev1.Secret{}
	if err := c.Get(ctx, client.ObjectKey{Namespace: dest, Name: "creds"}, live); err != nil || string(live.Data["password"]) != markerString {
		t.Fatalf("the planted Secret is not live (%v): the test would prove nothing", err)
	}
	patch := fmt.Sprintf(`{"data":{"password":%q}}`, b64(markerDrift))
	if err := c.Patch(ctx, live, client.RawPatch(types.MergePatchType, []byte(patch)), client.FieldOwner("someone-else")); err != nil {
		t.Fatal(err)
	}
	refresh(t, c, "leaky")
	waitApp(t, c, "leaky", func(a *v1alpha1.Application) bool { return a.Status.Sync.Status == v1alpha1.SyncStatusCodeOutOfSync })

	ts := servertest.Start(t, server.Options{Namespaces: []string{appsNS}, AnonymousRead: true})
	outputs := map[string]string{"controller and server logs": logs.String()}
	outputs["events"] = events(t, c, dest)
	outputs["applications (status)"] = applications(t, c)
	outputs["controller metrics"] = controllerMetrics(t)
	for _, path := range []string{
		"/metrics", "/api/v1/applications",
		"/api/v1/applications/argocd/leaky", "/api/v1/applications/argocd/leaky/tree",
		"/api/v1/applications/argocd/leaky/resource-tree", "/api/v1/applications/argocd/leaky/diff?all=true",
		"/api/v1/applications/argocd/leaky/history", "/api/v1/applications/argocd/leaky-failed",
		"/api/v1/applications/argocd/leaky-failed/diff?all=true",
	} {
		outputs["GET "+path] = get(t, ts.URL+path)
	}
	outputs["GET /api/v1/events (stream)"] = stream(t, ts.URL+"/api/v1/events")
	for _, args := range [][]string{
		{"app", "get", "leaky", "-o", "yaml"}, {"app", "diff", "leaky"}, {"app", "get", "leaky-failed", "-o", "json"},
		{"app", "history", "leaky"}, {"app", "get", "leaky", "--tree"},
	} {
		outputs["flotilla "+strings.Join(args, " ")] = runCLI(t, args...)
	}
	outputs["UI page #/apps/argocd/leaky"] = uiPage(t, ts.URL, "/apps/argocd/leaky")
	outputs["UI page #/apps/argocd/leaky-failed"] = uiPage(t, ts.URL, "/apps/argocd/leaky-failed")

	if !strings.Contains(outputs["GET /api/v1/applications/argocd/leaky/diff?all=true"], "creds") {
		t.Errorf("the diff does not show the drifted Secret at all: %s", outputs["GET /api/v1/applications/argocd/leaky/diff?all=true"])
	}
	for where, text := range outputs {
		if text == "" {
			t.Errorf("%s: empty output, nothing was checked", where)
		}
		for _, m := range markers {
			for _, form := range []string{m, b64(m)} {
				if i := strings.Index(text, form); i >= 0 {
					t.Errorf("%s shows a Secret value (%s): …%s…", where, m, excerpt(text, i))
				}
			}
		}
	}
	var sizes []string
	for where, text := range outputs {
		sizes = append(sizes, fmt.Sprintf("%s: %d bytes", where, len(text)))
	}
	t.Logf("searched %d outputs:\n%s", len(outputs), strings.Join(sizes, "\n"))
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func excerpt(s string, i int) string {
	return s[max(0, i-80):min(len(s), i+80)]
}

func createApp(t *testing.T, c client.Client, manifest string) {
	t.Helper()
	a := &v1alpha1.Application{}
	if err := yaml.UnmarshalStrict([]byte(manifest), a); err != nil {
		t.Fatal(err)
	}
	if err := c.Create(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Delete(context.Background(), a) })
}

func waitApp(t *testing.T, c client.Client, name string, cond func(*v1alpha1.Application) bool) {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for {
		a := &v1alpha1.Application{}
		err := c.Get(context.Background(), client.ObjectKey{Namespace: appsNS, Name: name}, a)
		if err == nil && cond(a) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("application %s did not get there: %+v (%v)", name, a.Status, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func refresh(t *testing.T, c client.Client, name string) {
	t.Helper()
	a := &v1alpha1.Application{}
	a.Namespace, a.Name = appsNS, name
	patch := []byte(`{"metadata":{"annotations":{"argocd.argoproj.io/refresh":"hard"}}}`)
	if err := c.Patch(context.Background(), a, client.RawPatch(types.MergePatchType, patch)); err != nil {
		t.Fatal(err)
	}
}

func events(t *testing.T, c client.Client, namespaces ...string) string {
	t.Helper()
	var b bytes.Buffer
	for _, ns := range append(namespaces, appsNS) {
		var list corev1.EventList
		if err := c.List(context.Background(), &list, client.InNamespace(ns)); err != nil {
			t.Fatal(err)
		}
		_ = json.NewEncoder(&b).Encode(list.Items)
	}
	return b.String()
}

func applications(t *testing.T, c client.Client) string {
	t.Helper()
	var list v1alpha1.ApplicationList
	if err := c.List(context.Background(), &list, client.InNamespace(appsNS)); err != nil {
		t.Fatal(err)
	}
	out, _ := json.Marshal(list.Items)
	return string(out)
}

func controllerMetrics(t *testing.T) string {
	t.Helper()
	families, err := ctrlmetrics.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	for _, f := range families {
		if _, err := expfmt.MetricFamilyToText(&b, f); err != nil {
			t.Fatal(err)
		}
	}
	return b.String()
}

func get(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET %s: %s: %s", url, resp.Status, body)
	}
	return string(body)
}

// stream reads the events stream for a few seconds.
func stream(t *testing.T, url string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body) // ends at the deadline
	return string(body)
}

func runCLI(t *testing.T, args ...string) string {
	t.Helper()
	var out, errOut bytes.Buffer
	args = append(args, "--kubeconfig", kubetest.Plane(t).KubeconfigPath(), "-n", appsNS)
	code := cli.Execute(context.Background(), args, &out, &errOut)
	if code > 1 { // app diff exits 1 when something differs
		t.Errorf("flotilla %v: exit %d: %s", args, code, errOut.String())
	}
	return out.String() + errOut.String()
}
