package controller_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/controller"
	"flotilla.dev/flotilla/internal/controlplane/kubetest"
	"flotilla.dev/flotilla/internal/source/git/gittest"
)

// startReplica runs a sharded controller for Applications in ns and
// returns the function that stops it (as a replica going away does).
func startReplica(t *testing.T, ns, identity string) (stop func()) {
	t.Helper()
	opts := controller.Options{
		Namespace: ns, CacheDir: t.TempDir(), PollInterval: time.Hour, SelfHealBackoff: time.Second,
		Workers: 2, Sharding: true, ShardIdentity: identity, Embedded: true,
	}
	mgr, err := controller.NewManager(kubetest.Plane(t).RESTConfig(), opts)
	if err != nil {
		t.Fatalf("replica %s: %v", identity, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := mgr.Start(ctx); err != nil {
			fmt.Fprintf(os.Stderr, "replica %s stopped: %v\n", identity, err)
		}
	}()
	stopped := false
	stop = func() {
		if !stopped {
			stopped = true
			cancel()
			<-done
		}
	}
	t.Cleanup(stop)
	return stop
}

// shardMembers lists the shard Leases in ns as "identity index/count",
// the shard each replica last computed for itself.
func shardMembers(t *testing.T, c client.Client, ns string) []string {
	t.Helper()
	var leases coordinationv1.LeaseList
	if err := c.List(context.Background(), &leases, client.InNamespace(ns), client.HasLabels{controller.ShardMemberLabel}); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, l := range leases.Items {
		ids = append(ids, *l.Spec.HolderIdentity+" "+l.Annotations[controller.ShardAnnotation])
	}
	slices.Sort(ids)
	return ids
}

// startedBy returns the Event source of the Events an Application's syncs
// emitted (OperationStarted, OperationCompleted; a quick sync announces
// only its end): which replica synced it.
func startedBy(t *testing.T, c client.Client, ns, app string) []string {
	t.Helper()
	var events corev1.EventList
	if err := c.List(context.Background(), &events, client.InNamespace(ns)); err != nil {
		t.Fatal(err)
	}
	var by []string
	for _, e := range events.Items {
		if e.InvolvedObject.Name == app && (e.Reason == "OperationStarted" || e.Reason == "OperationCompleted") {
			by = append(by, e.Source.Component)
		}
	}
	return by
}

// Two replicas split the Applications by hash(namespace/name) mod 2; when
// one stops, the other takes its Applications over.
func TestShardingSplitsAndRebalances(t *testing.T) {
	c := env(t) // the CRDs
	ctlNS := newNamespaceNamed(t, c, "shards")
	dest := kubetest.NewNamespace(t, c)
	repo := gittest.NewServer(t).NewRepo(t, "sharded")
	const n = 8
	files := map[string]string{}
	for i := range n {
		files[fmt.Sprintf("app-%d/cm.yaml", i)] = configMap(fmt.Sprintf("cm-%d", i), "1")
	}
	repo.Commit(t, files, "eight apps")

	stopB := startReplica(t, ctlNS, "replica-b")
	startReplica(t, ctlNS, "replica-a")
	eventually(t, 30*time.Second, func() (bool, string) {
		m := shardMembers(t, c, ctlNS)
		return slices.Equal(m, []string{"replica-a 0/2", "replica-b 1/2"}), fmt.Sprintf("members %v", m)
	})
	owner := map[string]string{}
	for i := range n {
		name := fmt.Sprintf("app-%d", i)
		owner[name] = []string{"replica-a", "replica-b"}[controller.ShardOf(ctlNS, name, 2)]
		createAppIn(t, c, ctlNS, directoryApp(name, repo.URL(), name, dest, false))
	}
	for name := range owner {
		eventually(t, 60*time.Second, func() (bool, string) {
			app := getAppIn(t, c, ctlNS, name)
			return app.Status.Sync.Status == v1alpha1.SyncStatusCodeSynced && app.Status.Health.Status == v1alpha1.HealthStatusHealthy, describe(app)
		})
	}
	served := map[string]int{}
	for name, want := range owner {
		by := startedBy(t, c, ctlNS, name)
		for _, b := range by {
			if b != "flotilla-controller/"+want {
				t.Errorf("%s was synced by %s, its shard is %s's", name, b, want)
			}
		}
		served[want] += len(by)
	}
	if served["replica-a"] == 0 || served["replica-b"] == 0 {
		t.Fatalf("the replicas did not share the work: %v", served)
	}

	// replica-b goes away: replica-a takes every app over.
	stopB()
	eventually(t, 30*time.Second, func() (bool, string) {
		m := shardMembers(t, c, ctlNS)
		return slices.Equal(m, []string{"replica-a 0/1"}), fmt.Sprintf("members %v", m)
	})
	for i := range n {
		files[fmt.Sprintf("app-%d/cm.yaml", i)] = configMap(fmt.Sprintf("cm-%d", i), "2")
	}
	sha := repo.Commit(t, files, "change all")
	for name := range owner {
		app := getAppIn(t, c, ctlNS, name)
		app.Annotations = map[string]string{"argocd.argoproj.io/refresh": "normal"}
		if err := c.Update(context.Background(), app); err != nil {
			t.Fatal(err)
		}
	}
	for name := range owner {
		eventually(t, 60*time.Second, func() (bool, string) {
			app := getAppIn(t, c, ctlNS, name)
			return app.Status.Sync.Revision == sha && app.Status.Sync.Status == v1alpha1.SyncStatusCodeSynced, describe(app)
		})
	}
}
