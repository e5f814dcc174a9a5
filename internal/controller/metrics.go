package controller

import (
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

// recordAppInfo keeps exactly one flotilla_app_info series per app.
func recordAppInfo(before, after *v1alpha1.Application) {
	old := prometheus.Labels{"namespace": before.Namespace, "name": before.Name}
	appInfo.DeletePartialMatch(old)
	appInfo.WithLabelValues(after.Namespace, after.Name, after.Spec.GetProject(),
		string(after.Status.Sync.Status), string(after.Status.Health.Status)).Set(1)
}

// observeStage records a fetch or render duration.
func observeStage(stage string, d time.Duration) {
	renderDuration.WithLabelValues(stage).Observe(d.Seconds())
}
