package controller_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"flotilla.dev/flotilla/internal/controlplane/kubetest"
	"flotilla.dev/flotilla/internal/source/git/gittest"
)

// The clusters generator lists the local cluster and every cluster
// Secret, and reacts when a Secret appears; a matrix of git files and the
// clusters a selector picks deploys each file's app to a second, real
// control plane.
func TestAppSetClustersAndMatrixOnRemotePlane(t *testing.T) {
	c := env(t)
	remote := startRemotePlane(t)
	rc, err := client.New(remote.RESTConfig(), client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := rc.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "fleet-apps"}}); err != nil {
		t.Fatal(err)
	}
	ns := kubetest.NewNamespace(t, c)
	repo := gittest.NewServer(t).NewRepo(t, "matrix-set")
	repo.Commit(t, map[string]string{
		"config/alpha.json": `{"app": "alpha"}`, "config/beta.yaml": "app: beta\n",
		"apps/alpha/cm.yaml": configMap("fleet-alpha", "1"), "apps/beta/cm.yaml": configMap("fleet-beta", "1"),
		"local/cm.yaml": configMap("fleet-local", "1"),
	}, "fleet")

	createSet(t, c, `apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: clusters-set
spec:
  generators:
  - clusters: {}
  template:
    metadata:
      name: 'cl-{{nameNormalized}}'
    spec:
      project: default
      source: {repoURL: `+repo.URL()+`, targetRevision: HEAD, path: local}
      destination: {server: '{{server}}', namespace: `+ns+`}
`)
	waitOwnedApps(t, c, "clusters-set", "cl-in-cluster")

	createSet(t, c, `apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: matrix-set
spec:
  goTemplate: true
  generators:
  - matrix:
      generators:
      - git:
          repoURL: `+repo.URL()+`
          revision: HEAD
          files:
          - path: config/*
      - clusters:
          selector:
            matchLabels: {tier: edge}
  template:
    metadata:
      name: '{{.app}}-{{.name}}'
      labels: {tier: '{{index .metadata.labels "tier"}}'}
    spec:
      project: default
      source: {repoURL: `+repo.URL()+`, targetRevision: HEAD, path: 'apps/{{.app}}'}
      destination: {server: '{{.server}}', namespace: fleet-apps}
      syncPolicy: {automated: {}}
`)
	// No cluster carries the label yet: the matrix generates nothing.
	waitSetCondition(t, c, "matrix-set", "ResourcesUpToDate", "True", "")
	waitOwnedApps(t, c, "matrix-set")

	sec := clusterSecret(t, "edge", remote.RESTConfig())
	sec.Labels["tier"] = "edge"
	if err := c.Create(ctx, sec); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Delete(context.Background(), sec) })
	waitOwnedApps(t, c, "clusters-set", "cl-edge", "cl-in-cluster")
	apps := waitOwnedApps(t, c, "matrix-set", "alpha-edge", "beta-edge")
	if got := apps["alpha-edge"].Labels["tier"]; got != "edge" {
		t.Errorf("alpha-edge label tier = %q, want the cluster Secret's label", got)
	}
	for _, name := range []string{"alpha-edge", "beta-edge"} {
		waitSyncedHealthy(t, c, name, "", 90*time.Second)
	}
	if err := rc.Get(ctx, client.ObjectKey{Namespace: "fleet-apps", Name: "fleet-alpha"}, &corev1.ConfigMap{}); err != nil {
		t.Errorf("alpha's ConfigMap is not on the remote plane: %v", err)
	}
	// Delete the sets while the cluster Secret still names the remote
	// plane, so their Applications can delete what they deployed there.
	for _, name := range []string{"matrix-set", "clusters-set"} {
		deleteSetAndWait(t, c, getSet(t, c, name))
	}
}

// pluginServer answers Argo CD's generator plugin protocol with params,
// and records the requests it got.
type pluginServer struct {
	*httptest.Server
	mu       sync.Mutex
	requests []pluginRequest
}

type pluginRequest struct {
	Auth string
	Body map[string]any
}

func newPluginServer(t *testing.T, params []map[string]any) *pluginServer {
	p := &pluginServer{}
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/v1/getparams.execute" || r.Method != http.MethodPost {
			http.NotFound(w, r)
			return
		}
		b, _ := io.ReadAll(r.Body)
		var body map[string]any
		_ = json.Unmarshal(b, &body)
		p.mu.Lock()
		p.requests = append(p.requests, pluginRequest{Auth: r.Header.Get("Authorization"), Body: body})
		p.mu.Unlock()
		if r.Header.Get("Authorization") != "Bearer plugin-token" {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"output": map[string]any{"parameters": params}})
	}))
	t.Cleanup(p.Close)
	return p
}

// A merge of a list (the base) and a real HTTP plugin: the plugin's
// parameter sets override the base's where the merge key matches, sets
// matching nothing are dropped, and the plugin is called with the bearer
// token from its Secret and the set's input parameters.
func TestAppSetMergeWithPlugin(t *testing.T) {
	c := env(t)
	ctx := context.Background()
	ns := kubetest.NewNamespace(t, c)
	repo := gittest.NewServer(t).NewRepo(t, "merge-set")
	repo.Commit(t, map[string]string{"apps/red/cm.yaml": configMap("merge-red", "1"), "apps/blue/cm.yaml": configMap("merge-blue", "1")}, "apps")
	plugin := newPluginServer(t, []map[string]any{{"name": "red", "color": "crimson"}, {"name": "green", "color": "lime"}})
	objs := []client.Object{
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: appNamespace, Name: "merge-plugin-token", Labels: map[string]string{"app.kubernetes.io/part-of": "argocd"}},
			StringData: map[string]string{"token": "plugin-token"}},
		&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: appNamespace, Name: "merge-plugin"},
			Data: map[string]string{"baseUrl": plugin.URL, "token": "$merge-plugin-token:token", "requestTimeout": "5"}},
	}
	for _, o := range objs {
		if err := c.Create(ctx, o); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = c.Delete(context.Background(), o) })
	}
	createSet(t, c, fmt.Sprintf(`apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: merge-set
spec:
  generators:
  - merge:
      mergeKeys: [name]
      generators:
      - list:
          elements:
          - {name: red, color: red}
          - {name: blue, color: blue}
      - plugin:
          configMapRef: {name: merge-plugin}
          input:
            parameters: {team: platform}
  template:
    metadata:
      name: 'merge-{{name}}'
      labels: {color: '{{color}}'}
    spec:
      project: default
      source: {repoURL: %s, targetRevision: HEAD, path: 'apps/{{name}}'}
      destination: {server: https://kubernetes.default.svc, namespace: %s}
`, repo.URL(), ns))
	apps := waitOwnedApps(t, c, "merge-set", "merge-blue", "merge-red")
	if got := apps["merge-red"].Labels["color"]; got != "crimson" {
		t.Errorf("merge-red color = %q, want the plugin's crimson", got)
	}
	if got := apps["merge-blue"].Labels["color"]; got != "blue" {
		t.Errorf("merge-blue color = %q, want the base's blue", got)
	}
	plugin.mu.Lock()
	defer plugin.mu.Unlock()
	if len(plugin.requests) == 0 {
		t.Fatal("the plugin was never called")
	}
	req := plugin.requests[0]
	input, _ := req.Body["input"].(map[string]any)
	params, _ := input["parameters"].(map[string]any)
	if req.Auth != "Bearer plugin-token" || params["team"] != "platform" || req.Body["applicationSetName"] != "merge-set" {
		t.Errorf("plugin request: auth %q body %v", req.Auth, req.Body)
	}
}
