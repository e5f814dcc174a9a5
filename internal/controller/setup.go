package controller

import (
	"context"
	"fmt"
	"sync"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/controller/priorityqueue"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/source"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/cluster"
)

// SetupWithManager registers the reconciler for Applications in namespace,
// with workers reconciles in parallel.
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager, namespace string, workers int) error {
	if err := mgr.GetFieldIndexer().IndexField(context.Background(), &v1alpha1.Application{}, dependsOnIndex, indexDependencies); err != nil {
		return fmt.Errorf("index dependencies: %w", err)
	}
	r.fresh = &sync.Map{}
	r.statusPosts = &sync.Map{}
	r.pending = &pendingWrites{}
	r.failures = &failureCounts{}
	r.nudge = make(chan event.TypedGenericEvent[*v1alpha1.Application], 1024)
	r.urgent = make(chan event.TypedGenericEvent[*v1alpha1.Application], 1024)
	c, err := ctrl.NewControllerManagedBy(mgr).
		For(&v1alpha1.Application{}, builder.WithPredicates(r.inWatchedNamespace(), intentChanged())).
		Watches(&v1alpha1.Application{}, handler.EnqueueRequestsFromMapFunc(r.dependents), builder.WithPredicates(r.inWatchedNamespace())).
		WatchesRawSource(source.Channel(r.nudge, &handler.TypedEnqueueRequestForObject[*v1alpha1.Application]{})).
		WatchesRawSource(source.Channel(r.urgent, jumpQueue())).
		WithOptions(controller.Options{MaxConcurrentReconciles: max(workers, 1), RateLimiter: failedReconcileLimiter(r.ErrorBackoffMax)}).
		Named("application").
		Build(r)
	if err != nil {
		return fmt.Errorf("build application controller: %w", err)
	}
	r.watches = &watchSet{ctrl: c, cache: mgr.GetCache(), apps: mgr.GetCache(), namespace: namespace, watched: map[schema.GroupVersionKind]bool{}}
	r.synced = &syncedCache{meta: mgr.GetCache(), apps: mgr.GetClient()}
	cfg := mgr.GetConfig()
	registry := cluster.NewRegistry(cfg)
	registry.Namespace = namespace
	r.clusters = &clusterSet{
		reader: r.Secrets, namespace: namespace, scheme: mgr.GetScheme(), ctrl: c, registry: registry,
		local: &target{client: r.Cluster, watches: r.watches, synced: r.synced, kubeVersion: r.KubeVersion},
		qps:   cfg.QPS, burst: cfg.Burst,
	}
	if err := mgr.Add(r.clusters); err != nil {
		return fmt.Errorf("add cluster set: %w", err)
	}
	clusterSecrets := predicate.NewPredicateFuncs(func(o client.Object) bool {
		return o.GetLabels()[cluster.SecretTypeLabel] == cluster.SecretTypeCluster
	})
	if err := c.Watch(source.Kind(r.Secrets, client.Object(&corev1.Secret{}), handler.EnqueueRequestsFromMapFunc(r.appsOfClusterSecret), clusterSecrets)); err != nil {
		return fmt.Errorf("watch cluster secrets: %w", err)
	}
	return nil
}

// intentChanged passes Application updates that change what is asked of
// the controller (spec, operation, annotations, labels, finalizers,
// deletion) and drops the controller's own status writes. Status changes of
// child Applications reach their parent through the managed-object watch.
func intentChanged() predicate.Predicate {
	return predicate.Funcs{
		UpdateFunc: func(e event.UpdateEvent) bool {
			oldApp, ok1 := e.ObjectOld.(*v1alpha1.Application)
			newApp, ok2 := e.ObjectNew.(*v1alpha1.Application)
			if !ok1 || !ok2 {
				return true
			}
			return !equality.Semantic.DeepEqual(oldApp.Spec, newApp.Spec) ||
				!equality.Semantic.DeepEqual(oldApp.Operation, newApp.Operation) ||
				!equality.Semantic.DeepEqual(oldApp.Annotations, newApp.Annotations) ||
				!equality.Semantic.DeepEqual(oldApp.Labels, newApp.Labels) ||
				!equality.Semantic.DeepEqual(oldApp.Finalizers, newApp.Finalizers) ||
				!oldApp.DeletionTimestamp.Equal(newApp.DeletionTimestamp)
		},
	}
}

// enqueueAll reconciles every watched Application again: after this
// replica's shard changed, the Applications it now owns are picked up and
// those it gave away are dropped at their next event.
func (r *Reconciler) enqueueAll(ctx context.Context) {
	if r.sets != nil {
		r.sets.enqueueAll(ctx)
	}
	var apps v1alpha1.ApplicationList
	if err := r.Client.List(ctx, &apps); err != nil {
		return
	}
	go func() {
		for i := range apps.Items {
			select {
			case r.nudge <- event.TypedGenericEvent[*v1alpha1.Application]{Object: &apps.Items[i]}:
			case <-ctx.Done():
				return
			}
		}
	}()
}

// urgentPriority puts the apps a git push touched before every resync
// waiting in the queue (controller-runtime's default priority is 0).
const urgentPriority = 100

// jumpQueue enqueues an Application ahead of the others: a fleet's
// periodic resyncs come in bursts, and a push should not wait behind them.
func jumpQueue() handler.TypedEventHandler[*v1alpha1.Application, reconcile.Request] {
	return handler.TypedFuncs[*v1alpha1.Application, reconcile.Request]{
		GenericFunc: func(_ context.Context, e event.TypedGenericEvent[*v1alpha1.Application], q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
			req := reconcile.Request{NamespacedName: client.ObjectKeyFromObject(e.Object)}
			if pq, ok := q.(priorityqueue.PriorityQueue[reconcile.Request]); ok {
				pq.AddWithOpts(priorityqueue.AddOpts{Priority: ptr.To(urgentPriority)}, req)
				return
			}
			q.Add(req)
		},
	}
}
