package controller

import (
	"context"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"

	"flotilla.dev/flotilla/internal/health"
)

// HealthConfigMap holds custom health checks written in CEL, under Argo
// CD's key naming: resource.customizations.health.<group>_<Kind>.
const HealthConfigMap = "flotilla-health"

// healthChecksTTL is how long a loaded set of custom checks is used before
// the ConfigMap is read again.
const healthChecksTTL = 30 * time.Second

// healthChecks loads the custom checks of the controller's namespace and
// reloads them now and then. A ConfigMap that does not compile keeps the
// last good checks and is logged. classes, when set, let Pending
// PersistentVolumeClaims whose StorageClass binds WaitForFirstConsumer be
// Healthy (see health.StorageClasses).
type healthChecks struct {
	reader    client.Reader
	namespace string
	ttl       time.Duration
	classes   health.StorageClasses

	mu      sync.Mutex
	checker *health.Checker
	version string // resourceVersion of the ConfigMap the checker was built from
	loaded  time.Time
}

// get returns the checks in force (nil: none).
func (h *healthChecks) get() *health.Checker {
	if h == nil {
		return nil
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.checker == nil {
		// No custom checks: the built-in ones, with the classes. Made
		// once, so that health cached with it stays valid.
		h.checker = (*health.Checker)(nil).WithStorageClasses(h.classes)
	}
	return h.checker
}

// refresh reloads the checks when they are older than healthChecksTTL.
func (h *healthChecks) refresh(ctx context.Context) {
	if h == nil {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	ttl := h.ttl
	if ttl <= 0 {
		ttl = healthChecksTTL
	}
	if h.reader == nil || time.Since(h.loaded) < ttl {
		return
	}
	h.loaded = time.Now()
	var cm corev1.ConfigMap
	err := h.reader.Get(ctx, client.ObjectKey{Namespace: h.namespace, Name: HealthConfigMap}, &cm)
	if apierrors.IsNotFound(err) {
		if h.version != "" { // else the checker has no custom checks already
			h.checker, h.version = nil, ""
		}
		return
	}
	if err == nil && cm.ResourceVersion == h.version {
		return // unchanged: keep the same checker, so cached health stays valid
	}
	if err == nil {
		var exprs map[string]string
		if exprs, err = health.ParseConfigMap(cm.Data); err == nil {
			var checker *health.Checker
			if checker, err = health.NewChecker(exprs); err == nil {
				h.checker, h.version = checker.WithStorageClasses(h.classes), cm.ResourceVersion
			}
		}
	}
	if err != nil {
		log.FromContext(ctx).Error(err, "custom health checks", "configmap", HealthConfigMap)
	}
}

// assess is the health of a live object as this controller sees it:
// custom CEL checks first, then the built-in ones.
func (r *Reconciler) assess(u *unstructured.Unstructured) health.Status {
	return r.checks.get().Assess(u)
}
