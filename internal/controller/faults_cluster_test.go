package controller_test

import (
	"context"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/controller"
	"flotilla.dev/flotilla/internal/controlplane/kubetest"
	"flotilla.dev/flotilla/internal/faulttest"
	"flotilla.dev/flotilla/internal/source/git/gittest"
)

// A remote cluster that becomes unreachable in the middle of a sync while
// the local one works: the app deploying there names the cluster (whether
// its comparison fails reading the cluster, or the probe before it does),
// backs off, leaves the cluster alone and keeps its sync running (not
// failed);
// once the cluster answers again the sync finishes as the same operation
// and the commit made meanwhile is applied, on its own. The app deploying
// locally keeps syncing. The "remote" cluster is the shared control plane
// reached through a TCP proxy under another server URL, so cutting the
// proxy cuts exactly the controller's connection to it.
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

	// The ConfigMap of wave 2 exists with other data: out of sync until
	// the sync reaches wave 2, so every comparison reads it live.
	after := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: remoteNS, Name: "after"}, Data: map[string]string{"value": "old"}}
	if err := kc.Create(context.Background(), after); err != nil {
		t.Fatal(err)
	}
	repo := gittest.NewServer(t).NewRepo(t, "apps")
	repo.Commit(t, map[string]string{
		"remote/cm.yaml":    configMap("remote", "before"),
		"remote/held.yaml":  wave(gatedDeployment("held", "faults-remote", ""), "1"),
		"remote/after.yaml": wave(configMap("after", "1"), "2"),
		"local/cm.yaml":     configMap("local", "before"),
	}, "apps")
	e.createApp(t, strings.Replace(directoryApp("remote", repo.URL(), "remote", remoteNS, false),
		"server: https://kubernetes.default.svc", "name: edge", 1))
	e.createApp(t, directoryApp("local", repo.URL(), "local", localNS, false))
	e.waitSynced(t, "local", "", 60*time.Second)
	waiting := "waiting for healthy state of apps/Deployment " + remoteNS + "/held"
	before := e.waitApp(t, "remote", 60*time.Second, func(app *v1alpha1.Application) bool {
		op := app.Status.OperationState
		return op != nil && op.Phase == v1alpha1.OperationRunning && strings.Contains(op.Message, waiting)
	}).Status.OperationState

	// The cluster dies after its last probe (trusted for an hour here,
	// so it is not asked again): the comparison itself fails, reading the
	// ConfigMap of wave 2, and the sync waits.
	restore := controller.TrustReachableClusterFor(time.Hour)
	t.Cleanup(restore)
	proxy.Set(faulttest.Down)
	named := "cluster edge (" + remoteCfg.Host + ")"
	e.watchRetries(t, "remote", 3, 60*time.Second, named+": get ConfigMap "+remoteNS+"/after")
	app := e.app(t, "remote")
	if op := app.Status.OperationState; op.Phase != v1alpha1.OperationRunning || !op.StartedAt.Equal(&before.StartedAt) ||
		!strings.Contains(op.Message, "retrying after an error: "+named) {
		t.Fatalf("the sync running when the cluster went away did not wait for it: %s", describe(app))
	}

	// With the usual trust the cluster is probed again: although nothing
	// changed in git and its informers still answer from their cache, the
	// app says the cluster is unreachable.
	restore()
	e.waitApp(t, "remote", 30*time.Second, func(app *v1alpha1.Application) bool {
		return strings.Contains(condition(app, v1alpha1.ApplicationConditionComparisonError), named+" is unreachable")
	})
	e.watchRetries(t, "remote", 6, 60*time.Second, named+" is unreachable")
	app = e.app(t, "remote")
	if op := app.Status.OperationState; op.Phase != v1alpha1.OperationRunning || !op.StartedAt.Equal(&before.StartedAt) {
		t.Fatalf("the sync running when the cluster went away did not wait for it: %s", describe(app))
	}
	outage := repo.Commit(t, map[string]string{"remote/cm.yaml": configMap("remote", "during"), "local/cm.yaml": configMap("local", "during")}, "during the outage")
	e.waitSynced(t, "local", outage, 30*time.Second)
	if v := configMapValue(t, kc, remoteNS, "remote"); v != "before" {
		t.Errorf("the remote ConfigMap changed while its cluster was unreachable: %q", v)
	}

	proxy.Set(faulttest.Pass)
	openGate(t, kc, "faults-remote")
	e.waitSynced(t, "remote", outage, 60*time.Second)
	if v := configMapValue(t, kc, remoteNS, "remote"); v != "during" {
		t.Errorf("after recovery the remote ConfigMap holds %q, want the commit of the outage", v)
	}
	app = e.app(t, "remote")
	finished := false
	for _, h := range app.Status.History {
		finished = finished || (h.DeployStartedAt != nil && h.DeployStartedAt.Equal(&before.StartedAt))
	}
	if !finished {
		t.Errorf("the sync running when the cluster went away never finished: %s", describe(app))
	}
}
