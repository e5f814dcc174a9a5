package server

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are the server's own Prometheus metrics, in a registry of their
// own so that several servers (tests) do not collide.
type metrics struct {
	registry   *prometheus.Registry
	requests   *prometheus.CounterVec
	duration   *prometheus.HistogramVec
	sseClients prometheus.Gauge
}

func newMetrics() *metrics {
	m := &metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "flotilla_server_requests_total",
			Help: "HTTP requests served, by route pattern and status code.",
		}, []string{"route", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "flotilla_server_request_duration_seconds",
			Help:    "Time to serve an HTTP request (events streams excluded), by route pattern and status code.",
			Buckets: prometheus.DefBuckets,
		}, []string{"route", "code"}),
		sseClients: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "flotilla_server_sse_clients",
			Help: "Connected clients of the events stream.",
		}),
	}
	m.registry.MustRegister(m.requests, m.duration, m.sseClients,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
}

// eventsRoute is left out of the latency histogram: a stream lasts as long
// as its client.
const eventsRoute = "GET /api/v1/events"

// instrument counts requests by the ServeMux pattern that served them,
// so paths with names in them do not explode the label space.
func (m *metrics) instrument(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		route := r.Pattern
		if route == "" {
			route = "unmatched"
		}
		code := strconv.Itoa(rec.status)
		m.requests.WithLabelValues(route, code).Inc()
		if route != eventsRoute {
			m.duration.WithLabelValues(route, code).Observe(time.Since(start).Seconds())
		}
	})
}

// statusRecorder remembers the status code; Unwrap keeps Flush and
// deadlines reachable through http.ResponseController.
type statusRecorder struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (s *statusRecorder) WriteHeader(code int) {
	if !s.wrote {
		s.status, s.wrote = code, true
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	s.wrote = true
	return s.ResponseWriter.Write(b)
}

func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }
