package controller

import (
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	"flotilla.dev/flotilla/api/v1alpha1"
)

// The controller's Prometheus metrics, served on the manager's metrics
// endpoint next to controller-runtime's own (work queue depth, reconcile
// errors).
var (
	syncTotal = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "flotilla_app_sync_total",
		Help: "Sync operations that ended, by application and phase (Succeeded, Failed).",
	}, []string{"namespace", "name", "phase"})
	reconcileDuration = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "flotilla_app_reconcile_duration_seconds",
		Help:    "Duration of one reconcile of one application.",
		Buckets: prometheus.ExponentialBuckets(0.005, 2, 14),
	})
	appInfo = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "flotilla_app_info",
		Help: "Information about an application: 1 for its current project, sync and health status.",
	}, []string{"namespace", "name", "project", "sync_status", "health_status"})
	renderDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "flotilla_manifest_duration_seconds",
		Help:    "Duration of fetching (git, chart) and rendering an application's sources.",
		Buckets: prometheus.ExponentialBuckets(0.001, 2, 16),
	}, []string{"stage"})
)

func init() {
	metrics.Registry.MustRegister(syncTotal, reconcileDuration, appInfo, renderDuration)
}

// appInfoSeries remembers each app's current flotilla_app_info labels, so
// a change deletes exactly the old series: a partial-match delete scans
// every series, which a fleet pays for on every reconcile.
var appInfoSeries = struct {
	sync.Mutex
	labels map[string][5]string
}{labels: map[string][5]string{}}

// recordAppInfo keeps exactly one flotilla_app_info series per app.
func recordAppInfo(_, after *v1alpha1.Application) {
	key := after.Namespace + "/" + after.Name
	now := [5]string{after.Namespace, after.Name, after.Spec.GetProject(),
		string(after.Status.Sync.Status), string(after.Status.Health.Status)}
	appInfoSeries.Lock()
	defer appInfoSeries.Unlock()
	if old, ok := appInfoSeries.labels[key]; ok {
		if old == now {
			return
		}
		appInfo.DeleteLabelValues(old[:]...)
	}
	appInfoSeries.labels[key] = now
	appInfo.WithLabelValues(now[:]...).Set(1)
}

// forgetAppInfo drops a deleted app's series.
func forgetAppInfo(namespace, name string) {
	key := namespace + "/" + name
	appInfoSeries.Lock()
	defer appInfoSeries.Unlock()
	if old, ok := appInfoSeries.labels[key]; ok {
		appInfo.DeleteLabelValues(old[:]...)
		delete(appInfoSeries.labels, key)
	}
}

// observeStage records a fetch or render duration.
func observeStage(stage string, d time.Duration) {
	renderDuration.WithLabelValues(stage).Observe(d.Seconds())
}
