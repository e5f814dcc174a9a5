package controller_test

import (
	"context"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/controlplane"
	"flotilla.dev/flotilla/internal/source/git/gittest"
)

// apiFailures is how many requests of this process's Kubernetes clients
// to host failed without an answer or with a 5xx, from client-go's
// rest_client_requests_total.
func apiFailures(t *testing.T, host string) float64 {
	t.Helper()
	families, err := metrics.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var n float64
	for _, f := range families {
		if f.GetName() != "rest_client_requests_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["host"] == host && (labels["code"] == "<error>" || strings.HasPrefix(labels["code"], "5")) {
				n += m.GetCounter().GetValue()
			}
		}
	}
	return n
}

// createNamespaceOn creates namespace name with client c.
func createNamespaceOn(t *testing.T, c client.Client, name string) string {
	t.Helper()
	if err := c.Create(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}); err != nil {
		t.Fatal(err)
	}
	return name
}

// The kube-apiserver of the controller's own cluster restarts in the
// middle of a sync (the controller meets the outage: its requests fail),
// and then etcd is gone for a moment under the running apiserver. The
// Applications live in that cluster, so no condition can be written
// meanwhile; afterwards the sync goes on where it was, as the same
// operation, and finishes; an app that was Synced stays so and applies the commit made
// during the outage on its own. The test has a control plane of its own,
// whose components it stops and starts again (controlplane.StopComponent,
// StartComponent): a real restart, which also breaks every watch.
func TestFaultAPIServerRestartMidSync(t *testing.T) {
	plane := startRemotePlane(t)
	e := startFaultController(t, plane.RESTConfig(), nil)
	host := strings.TrimPrefix(plane.Host(), "https://")
	ctx := context.Background()
	heldNS, steadyNS := createNamespaceOn(t, e.c, "held"), createNamespaceOn(t, e.c, "steady")
	repo := gittest.NewServer(t).NewRepo(t, "restart")
	repo.Commit(t, map[string]string{
		"held/a.yaml":    configMap("first", "1"),
		"held/b.yaml":    wave(gatedDeployment("held", "restart", ""), "1"),
		"held/c.yaml":    wave(configMap("after", "1"), "2"),
		"steady/cm.yaml": configMap("steady", "before"),
	}, "apps")
	e.createApp(t, directoryApp("held", repo.URL(), "held", heldNS, false))
	e.createApp(t, directoryApp("steady", repo.URL(), "steady", steadyNS, false))
	e.waitSynced(t, "steady", "", 60*time.Second)
	waiting := "waiting for healthy state of apps/Deployment " + heldNS + "/held"
	before := e.waitApp(t, "held", 60*time.Second, func(app *v1alpha1.Application) bool {
		op := app.Status.OperationState
		return op != nil && op.Phase == v1alpha1.OperationRunning && strings.Contains(op.Message, waiting)
	}).Status.OperationState

	// The apiserver goes away mid-sync, and the controller notices.
	failed := apiFailures(t, host)
	if err := plane.StopComponent(controlplane.APIServer); err != nil {
		t.Fatal(err)
	}
	outage := repo.Commit(t, map[string]string{"steady/cm.yaml": configMap("steady", "during")}, "during the outage")
	eventually(t, 60*time.Second, func() (bool, string) {
		return apiFailures(t, host) > failed, "the controller sent no request while the apiserver was down"
	})
	if err := plane.StartComponent(ctx, controlplane.APIServer); err != nil {
		t.Fatal(err)
	}

	// etcd is gone for a moment under the running apiserver: requests
	// hang (the held app's sync is stepped every two seconds, and the
	// controller reads its health checks each time), which the test's own
	// write, given two seconds, confirms.
	if err := plane.StopComponent(controlplane.Etcd); err != nil {
		t.Fatal(err)
	}
	probe := plane.RESTConfig()
	probe.Timeout = 2 * time.Second
	pc, err := client.New(probe, client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: steadyNS, Name: "probe"}}
	if err := pc.Create(ctx, cm); err == nil {
		t.Fatal("a write succeeded with etcd stopped")
	}
	if err := plane.StartComponent(ctx, controlplane.Etcd); err != nil {
		t.Fatal(err)
	}

	// The sync is still the one that was running, still waiting for the
	// held Deployment: not failed, not started again.
	app := e.waitApp(t, "held", 60*time.Second, func(app *v1alpha1.Application) bool {
		op := app.Status.OperationState
		return op != nil && op.Phase == v1alpha1.OperationRunning && strings.Contains(op.Message, waiting)
	})
	if op := app.Status.OperationState; !op.StartedAt.Equal(&before.StartedAt) {
		t.Errorf("the sync started again at %s after the restart (first at %s)", op.StartedAt, before.StartedAt)
	}
	openGate(t, e.c, "restart")
	app = e.waitSynced(t, "held", "", 90*time.Second)
	// The held sync's own history entry: it finished as the operation that
	// started before the restart. (An automated sync of the outage's
	// commit may follow it, so the last operation need not be that one.)
	finished := 0
	for _, h := range app.Status.History {
		if h.DeployStartedAt != nil && h.DeployStartedAt.Equal(&before.StartedAt) {
			finished++
		}
	}
	if finished != 1 {
		t.Errorf("the sync running before the restart did not finish once as itself (%d history entries started at %s): %s", finished, before.StartedAt, describe(app))
	}
	if !exists(e.c, &corev1.ConfigMap{}, heldNS, "after") {
		t.Errorf("the last wave was not applied: %s", describe(app))
	}
	e.waitSynced(t, "steady", outage, 60*time.Second)
	if v := configMapValue(t, e.c, steadyNS, "steady"); v != "during" {
		t.Errorf("the steady app's ConfigMap holds %q, want the commit of the outage", v)
	}
}
