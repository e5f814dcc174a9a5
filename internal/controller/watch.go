package controller

import (
	"context"
	"encoding/json"
	"maps"
	"strings"
	"sync"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/source"

	"flotilla.dev/flotilla/api/v1alpha1"
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
	// apps, on the controller's own cluster, is the full cache of
	// Applications: child Applications are watched through it, and only
	// changes their parent cares about (intent, sync and health, not every
	// status write) wake the parent.
	apps cache.Cache

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
	if w.apps != nil && gvk.GroupKind() == applicationGK {
		return w.ctrl.Watch(source.Kind(w.apps, &v1alpha1.Application{},
			handler.TypedEnqueueRequestsFromMapFunc(func(ctx context.Context, a *v1alpha1.Application) []reconcile.Request { return w.owner(ctx, a) }),
			childChanged()))
	}
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

// childChanged passes the changes of a child Application that matter to
// its parent: what the parent manages (labels, annotations, finalizers,
// spec), deletion, and the sync, health and operation phase its health as
// a child is made of.
func childChanged() predicate.TypedPredicate[*v1alpha1.Application] {
	return predicate.TypedFuncs[*v1alpha1.Application]{
		UpdateFunc: func(e event.TypedUpdateEvent[*v1alpha1.Application]) bool {
			a, b := e.ObjectOld, e.ObjectNew
			return intentOf(a) != intentOf(b) || !a.DeletionTimestamp.Equal(b.DeletionTimestamp) ||
				a.Status.Sync.Status != b.Status.Sync.Status || a.Status.Health.Status != b.Status.Health.Status ||
				a.Status.Health.Message != b.Status.Health.Message || phaseOf(a) != phaseOf(b)
		},
	}
}

func intentOf(a *v1alpha1.Application) string {
	ann := maps.Clone(a.Annotations)
	delete(ann, RefreshAnnotation)
	b, _ := json.Marshal([]any{a.Labels, ann, a.Finalizers, a.Spec})
	return string(b)
}

func phaseOf(a *v1alpha1.Application) v1alpha1.OperationPhase {
	if a.Status.OperationState == nil {
		return ""
	}
	return a.Status.OperationState.Phase
}
