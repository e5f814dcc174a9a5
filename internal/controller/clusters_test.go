package controller_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/controlplane"
	"flotilla.dev/flotilla/internal/controlplane/kubetest"
	"flotilla.dev/flotilla/internal/source/git/gittest"
)

// startRemotePlane starts a second control plane, as a remote cluster.
func startRemotePlane(t *testing.T) *controlplane.Plane {
	t.Helper()
	kubetest.Plane(t) // skips with -short
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	p, err := controlplane.Start(ctx, controlplane.Options{})
	if err != nil {
		t.Fatalf("start remote control plane: %v", err)
	}
	t.Cleanup(func() { _ = p.Stop() })
	return p
}

// clusterSecret is an Argo CD cluster Secret for cfg's cluster, with its
// client certificate in config.tlsClientConfig.
func clusterSecret(t *testing.T, name string, cfg *rest.Config) *corev1.Secret {
	t.Helper()
	data := func(inline []byte, file string) string {
		if len(inline) == 0 {
			var err error
			if inline, err = os.ReadFile(file); err != nil {
				t.Fatal(err)
			}
		}
		return base64.StdEncoding.EncodeToString(inline)
	}
	tls := cfg.TLSClientConfig
	config, err := json.Marshal(map[string]any{"tlsClientConfig": map[string]any{
		"caData":   data(tls.CAData, tls.CAFile),
		"certData": data(tls.CertData, tls.CertFile),
		"keyData":  data(tls.KeyData, tls.KeyFile),
	}})
	if err != nil {
		t.Fatal(err)
	}
	return &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: appNamespace, Name: "cluster-" + name, Labels: map[string]string{"argocd.argoproj.io/secret-type": "cluster"}},
		StringData: map[string]string{"name": name, "server": cfg.Host, "config": string(config)},
	}
}

// Applications deploy to a second, real control plane named by a cluster
// Secret, by name or by server; drift there is seen through the remote
// watch and healed; without the Secret the destination is an error.
func TestRemoteCluster(t *testing.T) {
	c := env(t)
	remote := startRemotePlane(t)
	rc, err := client.New(remote.RESTConfig(), client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	dest := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "edge-apps"}}
	if err := rc.Create(ctx, dest); err != nil {
		t.Fatal(err)
	}
	repo := gittest.NewServer(t).NewRepo(t, "edge")
	repo.Commit(t, map[string]string{"edge/cm.yaml": configMap("edge-config", "1"), "server/cm.yaml": configMap("by-server", "1")}, "edge apps")

	byName := strings.Replace(directoryApp("edge-by-name", repo.URL(), "edge", dest.Name, true),
		"server: https://kubernetes.default.svc", "name: edge", 1)
	createApp(t, c, byName)
	eventually(t, 30*time.Second, func() (bool, string) {
		app := getApp(t, c, "edge-by-name")
		return strings.Contains(condition(app, v1alpha1.ApplicationConditionInvalidSpecError), `"edge"`), describe(app)
	})

	sec := clusterSecret(t, "edge", remote.RESTConfig())
	if err := c.Create(ctx, sec); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Delete(context.Background(), sec) })
	waitSyncedHealthy(t, c, "edge-by-name", "", 60*time.Second)
	cm := &corev1.ConfigMap{}
	if err := rc.Get(ctx, client.ObjectKey{Namespace: dest.Name, Name: "edge-config"}, cm); err != nil {
		t.Fatalf("the app's ConfigMap is not on the remote cluster: %v", err)
	}
	if exists(c, &corev1.ConfigMap{}, dest.Name, "edge-config") {
		t.Error("the app's ConfigMap was applied to the local cluster")
	}

	// Drift on the remote cluster is noticed by its watch and healed.
	cm.Data["value"] = "drifted"
	if err := rc.Update(ctx, cm); err != nil {
		t.Fatal(err)
	}
	eventually(t, 20*time.Second, func() (bool, string) {
		got := &corev1.ConfigMap{}
		_ = rc.Get(ctx, client.ObjectKeyFromObject(cm), got)
		return got.Data["value"] == "1", "remote value " + got.Data["value"]
	})

	createApp(t, c, strings.Replace(directoryApp("edge-by-server", repo.URL(), "server", dest.Name, false),
		"server: https://kubernetes.default.svc", "server: "+remote.RESTConfig().Host, 1))
	waitSyncedHealthy(t, c, "edge-by-server", "", 60*time.Second)
	if err := rc.Get(ctx, client.ObjectKey{Namespace: dest.Name, Name: "by-server"}, &corev1.ConfigMap{}); err != nil {
		t.Errorf("the by-server app's ConfigMap is not on the remote cluster: %v", err)
	}
}
