package controller_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"flotilla.dev/flotilla/internal/controlplane/kubetest"
	"flotilla.dev/flotilla/internal/faulttest"
	"flotilla.dev/flotilla/internal/source/git/gittest"
	"flotilla.dev/flotilla/internal/source/helm/helmtest"
)

// chartApp is an automated Application of chart at version from repoURL.
func chartApp(name, repoURL, chart, version, namespace string) string {
	return fmt.Sprintf(`apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: %s
spec:
  project: default
  source:
    repoURL: %s
    chart: %s
    targetRevision: %s
  destination:
    server: https://kubernetes.default.svc
    namespace: %s
  syncPolicy:
    automated:
      prune: true
`, name, repoURL, chart, version, namespace)
}

// setTargetRevision points the app's source at another revision.
func (e *faultEnv) setTargetRevision(t *testing.T, name, revision string) {
	t.Helper()
	app := e.app(t, name)
	patch := client.RawPatch("application/merge-patch+json", fmt.Appendf(nil, `{"spec":{"source":{"targetRevision":%q}}}`, revision))
	if err := e.c.Patch(context.Background(), app, patch); err != nil {
		t.Fatalf("set targetRevision of %s: %v", name, err)
	}
}

// chartVersionIn is the chart version the helmtest chart's ConfigMap of
// release app holds in namespace ns ("" when it is missing).
func chartVersionIn(t *testing.T, c client.Client, ns, app, chart string) string {
	t.Helper()
	cm := &corev1.ConfigMap{}
	if err := c.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: app + "-" + chart}, cm); err != nil {
		return ""
	}
	return cm.Data["chartVersion"]
}

// chartOutage is one chart source failing in the middle of a fetch: the
// app "moving" is asked for version 1.1.0 of chart demo, whose download
// the proxy holds at gate until the source is cut; the app "cached" stays
// on 1.0.0, already fetched; the git app "steady" commits during the
// outage.
type chartOutage struct {
	e       *faultEnv
	proxy   *faulttest.HTTP
	repoURL string // as the apps name the source
	gate    func(*http.Request) bool
	says    string // what the condition says went wrong
}

func (o chartOutage) run(t *testing.T) {
	e := o.e
	kc := kubetest.Client(t)
	movingNS, cachedNS, steadyNS := kubetest.NewNamespace(t, kc), kubetest.NewNamespace(t, kc), kubetest.NewNamespace(t, kc)
	steady := gittest.NewServer(t).NewRepo(t, "steady")
	steady.Commit(t, map[string]string{"app/cm.yaml": configMap("steady", "before")}, "steady")
	e.createApp(t, chartApp("moving", o.repoURL, "demo", "1.0.0", movingNS))
	e.createApp(t, chartApp("cached", o.repoURL, "demo", "1.0.0", cachedNS))
	e.createApp(t, directoryApp("steady", steady.URL(), "app", steadyNS, false))
	for _, name := range []string{"moving", "cached", "steady"} {
		e.waitSynced(t, name, "", 60*time.Second)
	}

	gate := o.proxy.HoldAt(o.gate)
	e.setTargetRevision(t, "moving", "1.1.0")
	select {
	case <-gate.Arrived():
	case <-time.After(30 * time.Second):
		t.Fatalf("the download of 1.1.0 never started: %s", describe(e.app(t, "moving")))
	}
	o.proxy.Set(faulttest.Down)
	gate.Open() // the download in flight is cut
	e.watchRetries(t, "moving", 4, 60*time.Second, o.repoURL, o.says)
	if v := chartVersionIn(t, e.c, movingNS, "moving", "demo"); v != "1.0.0" {
		t.Errorf("the deployed chart changed during the outage: version %q", v)
	}

	sha := steady.Commit(t, map[string]string{"app/cm.yaml": configMap("steady", "during")}, "while the chart source fails")
	e.waitSynced(t, "steady", sha, 30*time.Second)
	if app := e.app(t, "cached"); !syncedAt(app, "1.0.0") {
		t.Errorf("the app of a chart fetched before the outage is affected: %s", describe(app))
	}

	o.proxy.Set(faulttest.Pass)
	e.waitSynced(t, "moving", "1.1.0", 30*time.Second)
	if v := chartVersionIn(t, e.c, movingNS, "moving", "demo"); v != "1.1.0" {
		t.Errorf("after recovery the chart's ConfigMap says version %q, want 1.1.0", v)
	}
	if app := e.app(t, "cached"); !syncedAt(app, "1.0.0") {
		t.Errorf("the app of a cached chart is not Synced at 1.0.0: %s", describe(app))
	}
}

// A chart repository that goes down while a chart archive downloads: the
// app that asked for the new version names the repository and backs off,
// keeps the version it deployed and gets the new one on its own once the
// repository answers; an app whose chart version was fetched before, and
// a git app, keep syncing.
func TestFaultHelmRepositoryDownMidFetch(t *testing.T) {
	plane := kubetest.Plane(t)
	e := startFaultController(t, plane.RESTConfig(), nil)
	repo := helmtest.NewChartRepo(t)
	repo.AddChart(t, helmtest.WriteChart(t, "demo", "1.0.0", nil))
	repo.AddChart(t, helmtest.WriteChart(t, "demo", "1.1.0", nil))
	proxy := faulttest.NewHTTP(t, repo.URL())
	chartOutage{
		e: e, proxy: proxy, repoURL: proxy.URL(),
		gate: func(r *http.Request) bool { return r.URL.Path == "/charts/demo-1.1.0.tgz" },
		says: "fetch " + proxy.URL() + "/charts/demo-1.1.0.tgz",
	}.run(t)
}

// An OCI registry that goes down between a chart's manifest and its
// archive: as for a chart repository.
func TestFaultOCIRegistryDownMidFetch(t *testing.T) {
	plane := kubetest.Plane(t)
	e := startFaultController(t, plane.RESTConfig(), nil)
	reg := helmtest.NewRegistry(t)
	reg.PushChart(t, helmtest.WriteChart(t, "demo", "1.0.0", nil), "charts")
	reg.PushChart(t, helmtest.WriteChart(t, "demo", "1.1.0", nil), "charts")
	proxy := faulttest.NewHTTP(t, "https://"+reg.Host(), faulttest.ServeTLS())
	repoURL := "oci://" + proxy.Host() + "/charts"
	// The proxy's certificate is its own: the repository Secret says
	// insecure, as for a registry with a self-signed certificate.
	sec := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: e.ns, Name: "registry", Labels: map[string]string{"argocd.argoproj.io/secret-type": "repository"}},
		StringData: map[string]string{"url": repoURL, "type": "helm", "enableOCI": "true", "insecure": "true"},
	}
	if err := e.c.Create(context.Background(), sec); err != nil {
		t.Fatal(err)
	}
	chartOutage{
		e: e, proxy: proxy, repoURL: repoURL,
		gate: func(r *http.Request) bool { return strings.Contains(r.URL.Path, "/charts/demo/blobs/") },
		// the attempt cut mid-fetch fails fetching "the chart archive of
		// …/demo:1.1.0", later ones "chart demo version 1.1.0"
		says: "1.1.0 from " + repoURL,
	}.run(t)
}
