package controller

import (
	"context"
	"fmt"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/apply"
	"flotilla.dev/flotilla/internal/health"
)

// ArgoCDConfigMap is Argo CD's settings ConfigMap in the controller's
// namespace; flotilla reads its tracking settings from it, as Argo CD does.
const ArgoCDConfigMap = "argocd-cm"

// Keys of argocd-cm that decide how objects are tracked.
const (
	trackingMethodKey   = "application.resourceTrackingMethod"
	instanceLabelKeyKey = "application.instanceLabelKey"
)

// trackingSettings reads the tracking method and instance label key from
// argocd-cm now and then (every ttl, default healthChecksTTL). A missing
// ConfigMap or key means Argo CD's defaults: annotation tracking, label
// app.kubernetes.io/instance. An unknown method is logged and read as
// annotation.
type trackingSettings struct {
	reader    client.Reader
	namespace string
	ttl       time.Duration

	mu      sync.Mutex
	current apply.Tracking
	loaded  time.Time
	// seen is the resourceVersion of argocd-cm last read, so its Lua
	// health checks are reported once per change.
	seen string
}

// get returns the tracking in force (the default for a nil receiver).
func (s *trackingSettings) get() apply.Tracking {
	if s == nil {
		return apply.Tracking{}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.current
}

// refresh reads argocd-cm again when the settings are older than the ttl.
func (s *trackingSettings) refresh(ctx context.Context) {
	if s == nil || s.reader == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ttl := s.ttl
	if ttl <= 0 {
		ttl = healthChecksTTL
	}
	if time.Since(s.loaded) < ttl {
		return
	}
	s.loaded = time.Now()
	var cm corev1.ConfigMap
	err := s.reader.Get(ctx, client.ObjectKey{Namespace: s.namespace, Name: ArgoCDConfigMap}, &cm)
	switch {
	case apierrors.IsNotFound(err):
		s.current = apply.Tracking{}
	case err != nil:
		log.FromContext(ctx).Error(err, "read tracking settings", "configmap", ArgoCDConfigMap)
	default:
		s.current = trackingOf(ctx, cm.Data)
		if cm.ResourceVersion != s.seen {
			s.seen = cm.ResourceVersion
			reportLuaChecks(ctx, cm.Data)
		}
	}
}

// reportLuaChecks logs, for each Lua health check of argocd-cm, that it is
// not run and which check applies instead (health.IgnoredLuaChecks).
func reportLuaChecks(ctx context.Context, data map[string]string) {
	for _, msg := range health.IgnoredLuaChecks(data) {
		log.FromContext(ctx).Info(msg, "configmap", ArgoCDConfigMap)
	}
}

// trackingOf is the tracking argocd-cm's data asks for.
func trackingOf(ctx context.Context, data map[string]string) apply.Tracking {
	t, ok := apply.ParseTracking(data[trackingMethodKey], data[instanceLabelKeyKey])
	if !ok {
		log.FromContext(ctx).Info("unknown resource tracking method, using annotation", "configmap", ArgoCDConfigMap, "method", data[trackingMethodKey])
	}
	return t
}

// tracking is the tracking in force for this reconcile.
func (r *Reconciler) tracking() apply.Tracking {
	return r.trackings.get()
}

// setLabels writes the instance label onto objs when the tracking method
// uses labels (after manifests.Prepare wrote the tracking ids).
func (r *Reconciler) setLabels(app *v1alpha1.Application, objs []*unstructured.Unstructured) error {
	t := r.tracking()
	for _, u := range objs {
		if err := t.SetLabel(u, r.instance(app)); err != nil {
			return fmt.Errorf("%s %s: %w", u.GetKind(), u.GetName(), err)
		}
	}
	return nil
}
