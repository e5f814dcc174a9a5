package controller_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	"flotilla.dev/flotilla/internal/controlplane/kubetest"
	"flotilla.dev/flotilla/internal/source/git/gittest"
)

// metricValue returns the value of the series of family whose labels
// include all of want, and whether there is one.
func metricValue(t *testing.T, family string, want map[string]string) (float64, bool) {
	t.Helper()
	families, err := metrics.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != family {
			continue
		}
	series:
		for _, m := range f.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			for k, v := range want {
				if labels[k] != v {
					continue series
				}
			}
			switch {
			case m.GetCounter() != nil:
				return m.GetCounter().GetValue(), true
			case m.GetGauge() != nil:
				return m.GetGauge().GetValue(), true
			}
		}
	}
	return 0, false
}

func TestEventsAndMetrics(t *testing.T) {
	c := env(t)
	ns := kubetest.NewNamespace(t, c)
	srv := gittest.NewServer(t)
	repo := srv.NewRepo(t, "observed")
	repo.Commit(t, map[string]string{"app/cm.yaml": configMap("observed", "1"), "app/old.yaml": configMap("old", "1")}, "first")
	createApp(t, c, directoryApp("observed", repo.URL(), "app", ns, false))
	waitSyncedHealthy(t, c, "observed", "", 30*time.Second)
	sha := repo.Remove(t, []string{"app/old.yaml"}, "prune one")
	refresh(t, c, "observed")
	waitSyncedHealthy(t, c, "observed", sha, 30*time.Second)

	eventually(t, 30*time.Second, func() (bool, string) {
		var events corev1.EventList
		if err := c.List(context.Background(), &events, client.InNamespace(appNamespace)); err != nil {
			return false, err.Error()
		}
		reasons := map[string]int{}
		for _, e := range events.Items {
			if e.InvolvedObject.Name == "observed" && e.InvolvedObject.Kind == "Application" {
				reasons[e.Reason] += int(max(e.Count, 1))
			}
		}
		// syncs of ConfigMaps end before their first write: one Event each
		return reasons["OperationCompleted"] >= 2 && reasons["ResourcesPruned"] >= 1, fmt.Sprintf("event reasons: %v", reasons)
	})
	if v, ok := metricValue(t, "flotilla_app_sync_total", map[string]string{"name": "observed", "phase": "Succeeded"}); !ok || v < 2 {
		t.Errorf("flotilla_app_sync_total{name=observed,phase=Succeeded} = %v (present %t), want >= 2", v, ok)
	}
	if v, ok := metricValue(t, "flotilla_app_info", map[string]string{"name": "observed", "sync_status": "Synced", "health_status": "Healthy"}); !ok || v != 1 {
		t.Errorf("flotilla_app_info for observed = %v (present %t)", v, ok)
	}
	if _, ok := metricValue(t, "flotilla_app_info", map[string]string{"name": "observed", "sync_status": "OutOfSync"}); ok {
		t.Error("a stale flotilla_app_info series was kept")
	}
}
