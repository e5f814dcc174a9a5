package controller_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"flotilla.dev/flotilla/internal/controlplane/kubetest"
	"flotilla.dev/flotilla/internal/faulttest"
	"flotilla.dev/flotilla/internal/source/git/gittest"
)

// A remote cluster that becomes unreachable while the local one works:
// the app deploying there names the cluster (although nothing changed in
// git and its informers' cache still answers), backs off, leaves the
// cluster alone, and once the cluster answers again applies the commit
// made meanwhile on its own; the app deploying locally keeps syncing. The "remote" cluster is the shared
// control plane reached through a TCP proxy under another server URL, so
// cutting the proxy cuts exactly the controller's connection to it.
func TestFaultRemoteClusterUnreachable(t *testing.T) {
	plane := kubetest.Plane(t)
	e := startFaultController(t, plane.RESTConfig(), nil)
	kc := kubetest.Client(t)
	remoteNS, localNS := kubetest.NewNamespace(t, kc), kubetest.NewNamespace(t, kc)
	proxy := faulttest.NewTCP(t, strings.TrimPrefix(plane.Host(), "https://"))
	remoteCfg := plane.RESTConfig()
	remoteCfg.Host = "https://" + proxy.Addr()
	sec := clusterSecret(t, "edge", remoteCfg)
	sec.Namespace = e.ns
	if err := e.c.Create(context.Background(), sec); err != nil {
		t.Fatal(err)
	}

	repo := gittest.NewServer(t).NewRepo(t, "apps")
	repo.Commit(t, map[string]string{"remote/cm.yaml": configMap("remote", "before"), "local/cm.yaml": configMap("local", "before")}, "apps")
	e.createApp(t, strings.Replace(directoryApp("remote", repo.URL(), "remote", remoteNS, false),
		"server: https://kubernetes.default.svc", "name: edge", 1))
	e.createApp(t, directoryApp("local", repo.URL(), "local", localNS, false))
	e.waitSynced(t, "remote", "", 60*time.Second)
	e.waitSynced(t, "local", "", 60*time.Second)

	// Nothing changes in git: the app must notice the cluster is gone
	// although its informers still answer from their cache.
	proxy.Set(faulttest.Down)
	e.watchRetries(t, "remote", 4, 60*time.Second, "cluster edge ("+remoteCfg.Host+") is unreachable")
	outage := repo.Commit(t, map[string]string{"remote/cm.yaml": configMap("remote", "during"), "local/cm.yaml": configMap("local", "during")}, "during the outage")
	e.waitSynced(t, "local", outage, 30*time.Second)
	if v := configMapValue(t, kc, remoteNS, "remote"); v != "before" {
		t.Errorf("the remote ConfigMap changed while its cluster was unreachable: %q", v)
	}

	proxy.Set(faulttest.Pass)
	e.waitSynced(t, "remote", outage, 30*time.Second)
	if v := configMapValue(t, kc, remoteNS, "remote"); v != "during" {
		t.Errorf("after recovery the remote ConfigMap holds %q, want the commit of the outage", v)
	}
}
