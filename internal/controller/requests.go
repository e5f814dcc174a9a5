package controller

import (
	"net/http"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
)

// kubeRequests counts the controller's requests to Kubernetes API servers
// by verb and resource, as Argo CD's argocd_app_k8s_request_total does: a
// fleet's cost per app is read off it (hack/fleetbench).
var kubeRequests = prometheus.NewCounterVec(prometheus.CounterOpts{
	Name: "flotilla_kube_requests_total",
	Help: "Requests to Kubernetes API servers, by verb (get, list, watch, create, update, patch, delete, dry-run-patch, …) and resource (with /subresource).",
}, []string{"verb", "resource"})

func init() { metrics.Registry.MustRegister(kubeRequests) }

// countRequests wraps cfg's transport so that every request is counted
// in kubeRequests.
func countRequests(cfg *rest.Config) {
	cfg.Wrap(func(rt http.RoundTripper) http.RoundTripper {
		return requestCounter{next: rt}
	})
}

type requestCounter struct{ next http.RoundTripper }

func (c requestCounter) RoundTrip(req *http.Request) (*http.Response, error) {
	verb, resource := describeRequest(req)
	kubeRequests.WithLabelValues(verb, resource).Inc()
	return c.next.RoundTrip(req)
}

// describeRequest names a request's verb and resource from its method and
// path (/api/v1/namespaces/ns/pods/name/status,
// /apis/group/version/resource/name, discovery paths).
func describeRequest(req *http.Request) (verb, resource string) {
	q := req.URL.Query()
	parts := strings.Split(strings.Trim(req.URL.Path, "/"), "/")
	switch {
	case len(parts) >= 2 && parts[0] == "api":
		parts = parts[2:]
	case len(parts) >= 3 && parts[0] == "apis":
		parts = parts[3:]
	default:
		return strings.ToLower(req.Method), "other"
	}
	if len(parts) >= 2 && parts[0] == "namespaces" && len(parts) != 2 {
		parts = parts[2:] // namespaces/ns/<resource>…, not a namespace itself
	}
	named := len(parts) != 1 // a discovery document is read by name too
	switch len(parts) {
	case 0:
		resource = "discovery"
	case 1, 2:
		resource = parts[0]
	default:
		resource = parts[0] + "/" + parts[2]
	}
	switch req.Method {
	case http.MethodGet:
		switch {
		case q.Get("watch") == "true" || q.Get("watch") == "1":
			verb = "watch"
		case named:
			verb = "get"
		default:
			verb = "list"
		}
	default:
		verb = strings.ToLower(req.Method)
	}
	if len(q["dryRun"]) > 0 {
		verb = "dry-run-" + verb
	}
	return verb, resource
}
