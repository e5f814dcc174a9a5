package controller

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/apiutil"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/apply"
	"flotilla.dev/flotilla/internal/cluster"
)

// probeTimeout bounds the version request to a newly connected cluster.
const probeTimeout = 10 * time.Second

// target is one destination cluster and what reconciling against it
// needs: a client that applies, predicts, reads and deletes; metadata-only
// watches of the kinds managed there; the in-sync cache over them; and
// the cluster's version for Helm.
type target struct {
	cluster     *cluster.Cluster
	client      *apply.Client
	watches     *watchSet
	synced      *syncedCache
	kubeVersion string
	stop        context.CancelFunc // stops a remote cluster's informers
	hash        string
	// reach probes a remote cluster before its apps are compared; nil
	// for the local cluster.
	reach *reachability
}

// clusterSet keeps the destination clusters: the local one, and those of
// Argo CD's cluster Secrets in the controller's namespace, whose clients
// and informers are built when an Application first targets them and
// rebuilt when their Secret changes.
type clusterSet struct {
	reader    client.Reader // the cached Secrets
	namespace string
	scheme    *runtime.Scheme
	ctrl      controller.Controller
	local     *target
	registry  *cluster.Registry

	mu      sync.Mutex
	run     context.Context // the manager's, for remote informers
	remotes map[string]*target
	current atomic.Bool       // the registry holds the Secrets as cached now
	loaded  map[string]bool   // Secret keys set into the registry
	invalid map[string]string // Secret key → why it is not a cluster
	qps     float32
	burst   int
}

// Start implements manager.Runnable: it keeps the manager's context for
// the informers of remote clusters and stops them at the end.
func (s *clusterSet) Start(ctx context.Context) error {
	s.mu.Lock()
	s.run = ctx
	s.mu.Unlock()
	<-ctx.Done()
	return nil
}

// NeedLeaderElection implements manager.LeaderElectionRunnable.
func (s *clusterSet) NeedLeaderElection() bool { return false }

// resolve returns the target of a destination, loading cluster Secrets
// that changed first.
func (s *clusterSet) resolve(ctx context.Context, dest v1alpha1.ApplicationDestination) (*target, error) {
	if err := s.load(ctx); err != nil {
		return nil, err
	}
	c, err := s.registry.Resolve(dest)
	if errors.Is(err, cluster.ErrUnknownCluster) {
		// The Secret may be in the cache before its watch invalidated
		// the registry: read the Secrets again before refusing.
		s.invalidate()
		if err := s.load(ctx); err != nil {
			return nil, err
		}
		c, err = s.registry.Resolve(dest)
	}
	if err != nil {
		return nil, s.explain(err)
	}
	if c.IsInCluster() {
		t := *s.local
		t.cluster = c
		return &t, nil
	}
	return s.remote(ctx, c)
}

// explain adds the invalid cluster Secrets to an unknown-cluster error:
// the cluster the user meant is most likely among them.
func (s *clusterSet) explain(err error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !errors.Is(err, cluster.ErrUnknownCluster) || len(s.invalid) == 0 {
		return err
	}
	keys := make([]string, 0, len(s.invalid))
	for k := range s.invalid {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString(err.Error())
	for _, k := range keys {
		fmt.Fprintf(&b, "; cluster Secret %s is invalid: %s", k, s.invalid[k])
	}
	return errors.New(b.String())
}

// load reads the cluster Secrets into the registry when one changed
// since the last load (the Secret watch calls invalidate), so a reconcile
// normally costs nothing here.
func (s *clusterSet) load(ctx context.Context) error {
	if s.current.Swap(true) {
		return nil
	}
	var secrets corev1.SecretList
	if err := s.reader.List(ctx, &secrets, client.InNamespace(s.namespace), client.MatchingLabels{cluster.SecretTypeLabel: cluster.SecretTypeCluster}); err != nil {
		s.current.Store(false)
		return fmt.Errorf("list cluster secrets: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	known := map[string]bool{}
	s.invalid = map[string]string{}
	for i := range secrets.Items {
		key := cluster.SecretKey(&secrets.Items[i])
		c, err := cluster.FromSecret(&secrets.Items[i])
		if err != nil {
			s.invalid[key] = err.Error()
			continue
		}
		known[key] = true
		s.registry.Set(key, c)
	}
	for key := range s.loaded { // Secrets deleted or turned invalid
		if !known[key] {
			s.registry.Delete(key)
		}
	}
	s.loaded = known
	return nil
}

// invalidate makes the next resolve read the cluster Secrets again.
func (s *clusterSet) invalidate() { s.current.Store(false) }

// remote returns the target of a cluster Secret's cluster, building its
// client and informers the first time and again when the Secret changed.
func (s *clusterSet) remote(ctx context.Context, c *cluster.Cluster) (*target, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	h := c.Hash()
	if t, ok := s.remotes[c.Server]; ok && t.hash == h {
		return t, nil
	}
	if old, ok := s.remotes[c.Server]; ok {
		old.stop()
		delete(s.remotes, c.Server)
	}
	if s.run == nil {
		return nil, fmt.Errorf("cluster %s: the controller is not running yet", c)
	}
	t, err := s.newRemote(c)
	if err != nil {
		return nil, fmt.Errorf("cluster %s: %w", c, err)
	}
	t.hash = h
	if s.remotes == nil {
		s.remotes = map[string]*target{}
	}
	s.remotes[c.Server] = t
	log.FromContext(ctx).Info("connected destination cluster", "cluster", c.String(), "version", t.kubeVersion)
	return t, nil
}

func (s *clusterSet) newRemote(c *cluster.Cluster) (*target, error) {
	cfg := rest.CopyConfig(c.Config)
	if cfg.QPS == 0 {
		cfg.QPS, cfg.Burst = s.qps, s.burst
	}
	httpClient, err := rest.HTTPClientFor(cfg)
	if err != nil {
		return nil, fmt.Errorf("create http client: %w", err)
	}
	mapper, err := apiutil.NewDynamicRESTMapper(cfg, httpClient)
	if err != nil {
		return nil, fmt.Errorf("create rest mapper: %w", err)
	}
	dyn, err := dynamic.NewForConfigAndClient(cfg, httpClient)
	if err != nil {
		return nil, fmt.Errorf("create dynamic client: %w", err)
	}
	informers, err := cache.New(cfg, cache.Options{HTTPClient: httpClient, Scheme: s.scheme, Mapper: mapper, DefaultTransform: cache.TransformStripManagedFields()})
	if err != nil {
		return nil, fmt.Errorf("create cache: %w", err)
	}
	ctx, cancel := context.WithCancel(s.run)
	go func() { _ = informers.Start(ctx) }()
	probe := rest.CopyConfig(cfg)
	probe.Timeout = probeTimeout
	return &target{
		cluster:     c,
		client:      apply.NewClient(dyn, mapper),
		watches:     &watchSet{ctrl: s.ctrl, cache: informers, namespace: s.namespace, watched: map[schema.GroupVersionKind]bool{}},
		synced:      &syncedCache{meta: informers},
		kubeVersion: ServerVersion(probe),
		stop:        cancel,
		reach:       newReachability(c.String(), cfg.Host, httpClient),
	}, nil
}

// appsOfClusterSecret maps a changed cluster Secret to the Applications
// that name its cluster, so they pick the change up at once.
func (r *Reconciler) appsOfClusterSecret(ctx context.Context, obj client.Object) []reconcile.Request {
	sec, ok := obj.(*corev1.Secret)
	if !ok {
		return nil
	}
	r.clusters.invalidate()
	name, server := secretField(sec, "name"), strings.TrimSuffix(secretField(sec, "server"), "/")
	var apps v1alpha1.ApplicationList
	if err := r.Client.List(ctx, &apps); err != nil {
		return nil
	}
	var out []reconcile.Request
	for i := range apps.Items {
		d := apps.Items[i].Spec.Destination
		if (d.Name != "" && d.Name == name) || (d.Server != "" && strings.TrimSuffix(d.Server, "/") == server) {
			out = append(out, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&apps.Items[i])})
		}
	}
	return out
}

func secretField(s *corev1.Secret, key string) string {
	if v, ok := s.StringData[key]; ok {
		return v
	}
	return string(s.Data[key])
}
