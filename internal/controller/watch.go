package controller

import (
	"context"
	"strings"
	"sync"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/source"

	"flotilla.dev/flotilla/internal/apply"
)

// watchSet adds a metadata-only watch for every kind an Application
// manages, the first time the kind is seen. An event on an object is mapped
// through its tracking id to the Application that manages it, so drift and
// health changes are noticed at once. Metadata-only informers keep memory
// small: no spec or status of managed objects is cached.
type watchSet struct {
	ctrl      controller.Controller
	cache     cache.Cache
	namespace string

	mu      sync.Mutex
	watched map[schema.GroupVersionKind]bool
}

func (w *watchSet) ensure(ctx context.Context, objs []*unstructured.Unstructured) {
	for _, u := range objs {
		gvk := u.GroupVersionKind()
		w.mu.Lock()
		done := w.watched[gvk]
		if !done {
			w.watched[gvk] = true
		}
		w.mu.Unlock()
		if done {
			continue
		}
		if err := w.add(gvk); err != nil {
			log.FromContext(ctx).Error(err, "watch managed kind", "gvk", gvk.String())
			w.mu.Lock()
			delete(w.watched, gvk)
			w.mu.Unlock()
		}
	}
}

func (w *watchSet) add(gvk schema.GroupVersionKind) error {
	meta := &metav1.PartialObjectMetadata{}
	meta.SetGroupVersionKind(gvk)
	return w.ctrl.Watch(source.Kind[client.Object](w.cache, meta, handler.EnqueueRequestsFromMapFunc(w.owner)))
}

// owner maps a managed object to the Application named in its tracking id.
func (w *watchSet) owner(_ context.Context, obj client.Object) []reconcile.Request {
	id := obj.GetAnnotations()[apply.TrackingAnnotation]
	if id == "" {
		return nil
	}
	app, _, ok := apply.ParseTrackingID(id)
	if !ok {
		return nil
	}
	ns := w.namespace
	if before, after, found := strings.Cut(app, "_"); found {
		ns, app = before, after
	}
	return []reconcile.Request{{NamespacedName: types.NamespacedName{Namespace: ns, Name: app}}}
}
