package controller

import (
	"context"
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/selection"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/workqueue"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/source"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/appset"
	"flotilla.dev/flotilla/internal/cluster"
)

// setupAppSets registers the ApplicationSet reconciler beside the
// Application reconciler r, sharing its namespaces, shards and caches.
func setupAppSets(mgr ctrl.Manager, r *Reconciler, opts Options) (*AppSetReconciler, error) {
	s := &AppSetReconciler{
		apps:   r,
		client: client.WithFieldOwner(mgr.GetClient(), "flotilla-applicationset-controller"),
		reader: mgr.GetAPIReader(),
		urgent: make(chan event.TypedGenericEvent[*v1alpha1.ApplicationSet], 256),
	}
	s.env = appset.Env{
		Namespace: r.Namespace,
		Reader:    &appSetReader{secrets: r.Secrets, api: mgr.GetAPIReader(), mapper: mgr.GetRESTMapper()},
		Git:       r.Manifests,
		SCM:       appset.SCMOptions{AllowedAPIURLs: opts.SCMAllowedAPIURLs, TokenRefStrictMode: opts.SCMTokenRefStrictMode},
	}
	clusterSecrets := predicate.NewPredicateFuncs(func(o client.Object) bool {
		return o.GetLabels()[cluster.SecretTypeLabel] == cluster.SecretTypeCluster
	})
	err := ctrl.NewControllerManagedBy(mgr).
		For(&v1alpha1.ApplicationSet{}, builder.WithPredicates(r.inWatchedNamespace(), appSetIntentChanged())).
		Watches(&v1alpha1.Application{}, generatedAppHandler(), builder.WithPredicates(r.inWatchedNamespace(), generatedAppChanged())).
		WatchesRawSource(source.Kind(r.Secrets, client.Object(&corev1.Secret{}), handler.EnqueueRequestsFromMapFunc(s.allSets), clusterSecrets)).
		WatchesRawSource(source.Channel(s.urgent, &handler.TypedEnqueueRequestForObject[*v1alpha1.ApplicationSet]{})).
		WithOptions(controller.Options{MaxConcurrentReconciles: max(opts.Workers/2, 1)}).
		Named("applicationset").
		Complete(s)
	if err != nil {
		return nil, fmt.Errorf("build applicationset controller: %w", err)
	}
	r.sets = s
	return s, nil
}

// appSetIntentChanged passes changes to a set's spec, annotations, labels
// and deletion, and drops its own status writes.
func appSetIntentChanged() predicate.Predicate {
	return predicate.Funcs{UpdateFunc: func(e event.UpdateEvent) bool {
		a, ok1 := e.ObjectOld.(*v1alpha1.ApplicationSet)
		b, ok2 := e.ObjectNew.(*v1alpha1.ApplicationSet)
		if !ok1 || !ok2 {
			return true
		}
		return !equality.Semantic.DeepEqual(a.Spec, b.Spec) || !equality.Semantic.DeepEqual(a.Annotations, b.Annotations) ||
			!equality.Semantic.DeepEqual(a.Labels, b.Labels) || !equality.Semantic.DeepEqual(a.Finalizers, b.Finalizers) ||
			!a.DeletionTimestamp.Equal(b.DeletionTimestamp)
	}}
}

// generatedAppChanged passes the changes of a generated Application that
// its set acts on: what the set writes, deletion, and the sync, health and
// operation a rollout and status.resources follow.
func generatedAppChanged() predicate.Predicate {
	return predicate.Funcs{UpdateFunc: func(e event.UpdateEvent) bool {
		a, ok1 := e.ObjectOld.(*v1alpha1.Application)
		b, ok2 := e.ObjectNew.(*v1alpha1.Application)
		if !ok1 || !ok2 {
			return true
		}
		return intentOf(a) != intentOf(b) || !a.DeletionTimestamp.Equal(b.DeletionTimestamp) ||
			a.Status.Sync.Status != b.Status.Sync.Status || a.Status.Health.Status != b.Status.Health.Status ||
			phaseOf(a) != phaseOf(b) || !equality.Semantic.DeepEqual(a.Operation, b.Operation) ||
			!equality.Semantic.DeepEqual(a.Status.GetRevisions(), b.Status.GetRevisions())
	}}
}

// statusSettle is how long a set waits after a generated Application's
// sync or health changed before its next pass: a fleet's Applications
// change status in bursts while they sync, and one pass serves a burst.
const statusSettle = 2 * time.Second

// generatedAppHandler queues the set that owns an Application: at once
// when the Application appears, goes or is edited, after statusSettle
// when only its sync, health or operation changed.
func generatedAppHandler() handler.EventHandler {
	owner := func(o client.Object) (reconcile.Request, bool) {
		ref := metav1.GetControllerOfNoCopy(o)
		if ref == nil || ref.Kind != "ApplicationSet" || ref.APIVersion != v1alpha1.SchemeGroupVersion.String() {
			return reconcile.Request{}, false
		}
		return reconcile.Request{NamespacedName: types.NamespacedName{Namespace: o.GetNamespace(), Name: ref.Name}}, true
	}
	now := func(o client.Object, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
		if req, ok := owner(o); ok {
			q.Add(req)
		}
	}
	return handler.Funcs{
		CreateFunc: func(_ context.Context, e event.CreateEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
			now(e.Object, q)
		},
		DeleteFunc: func(_ context.Context, e event.DeleteEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
			now(e.Object, q)
		},
		GenericFunc: func(_ context.Context, e event.GenericEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
			now(e.Object, q)
		},
		UpdateFunc: func(_ context.Context, e event.UpdateEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
			a, ok1 := e.ObjectOld.(*v1alpha1.Application)
			b, ok2 := e.ObjectNew.(*v1alpha1.Application)
			if !ok1 || !ok2 || intentOf(a) != intentOf(b) || !a.DeletionTimestamp.Equal(b.DeletionTimestamp) {
				now(e.ObjectNew, q)
				now(e.ObjectOld, q)
				return
			}
			if req, ok := owner(e.ObjectNew); ok {
				q.AddAfter(req, statusSettle)
			}
		},
	}
}

// allSets queues every watched set: a cluster Secret changed, which any
// clusters or clusterDecisionResource generator may read.
func (s *AppSetReconciler) allSets(ctx context.Context, _ client.Object) []reconcile.Request {
	var sets v1alpha1.ApplicationSetList
	if err := s.client.List(ctx, &sets); err != nil {
		return nil
	}
	var out []reconcile.Request
	for i := range sets.Items {
		if s.apps.watchesNamespace(sets.Items[i].Namespace) {
			out = append(out, reconcile.Request{NamespacedName: appSetKey(&sets.Items[i])})
		}
	}
	return out
}

// appSetReader gives generators cluster Secrets from the Argo CD Secret
// cache, and ConfigMaps, other Secrets and duck-typed resources from the
// API server (read rarely: plugins and decision resources).
type appSetReader struct {
	secrets client.Reader
	api     client.Reader
	mapper  meta.RESTMapper
}

func (a *appSetReader) ClusterSecrets(ctx context.Context, namespace string, selector labels.Selector) ([]corev1.Secret, error) {
	req, err := labels.NewRequirement(cluster.SecretTypeLabel, selection.Equals, []string{cluster.SecretTypeCluster})
	if err != nil {
		return nil, err
	}
	if selector == nil {
		selector = labels.Everything()
	}
	var list corev1.SecretList
	if err := a.secrets.List(ctx, &list, client.InNamespace(namespace), client.MatchingLabelsSelector{Selector: selector.Add(*req)}); err != nil {
		return nil, fmt.Errorf("list cluster secrets: %w", err)
	}
	return list.Items, nil
}

func (a *appSetReader) Secret(ctx context.Context, namespace, name string) (*corev1.Secret, error) {
	s := &corev1.Secret{}
	if err := a.api.Get(ctx, client.ObjectKey{Namespace: namespace, Name: name}, s); err != nil {
		return nil, fmt.Errorf("get secret %s/%s: %w", namespace, name, err)
	}
	return s, nil
}

func (a *appSetReader) ConfigMap(ctx context.Context, namespace, name string) (*corev1.ConfigMap, error) {
	cm := &corev1.ConfigMap{}
	if err := a.api.Get(ctx, client.ObjectKey{Namespace: namespace, Name: name}, cm); err != nil {
		return nil, fmt.Errorf("get configmap %s/%s: %w", namespace, name, err)
	}
	return cm, nil
}

func (a *appSetReader) Resources(ctx context.Context, gvk schema.GroupVersionKind, namespace string, selector labels.Selector) ([]unstructured.Unstructured, error) {
	// A cluster decision ConfigMap names a resource ("placementdecisions")
	// where Argo CD reads it, or a kind.
	if k, err := a.mapper.KindFor(gvk.GroupVersion().WithResource(strings.ToLower(gvk.Kind))); err == nil {
		gvk = k
	}
	list := &unstructured.UnstructuredList{}
	list.SetGroupVersionKind(gvk.GroupVersion().WithKind(gvk.Kind + "List"))
	opts := []client.ListOption{client.InNamespace(namespace)}
	if selector != nil {
		opts = append(opts, client.MatchingLabelsSelector{Selector: selector})
	}
	if err := a.api.List(ctx, list, opts...); err != nil {
		return nil, fmt.Errorf("list %s in %s: %w", gvk.Kind, namespace, err)
	}
	return list.Items, nil
}

// enqueueAll passes every watched set again: after this replica's shard
// changed, the sets it now owns are picked up.
func (s *AppSetReconciler) enqueueAll(ctx context.Context) {
	var sets v1alpha1.ApplicationSetList
	if err := s.client.List(ctx, &sets); err != nil {
		return
	}
	for i := range sets.Items {
		s.enqueue(&sets.Items[i])
	}
}
