package controller

import (
	"context"
	"fmt"
	"net/http"
	"net/http/pprof"
	"time"

	"github.com/go-logr/logr"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/selection"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/dynamic"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/config"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/apply"
	"flotilla.dev/flotilla/internal/health"
	"flotilla.dev/flotilla/internal/manifests"
	"flotilla.dev/flotilla/internal/source"
	"flotilla.dev/flotilla/internal/webhook"
)

// Options configure a controller process.
type Options struct {
	// Namespace holds the Applications to reconcile (Argo CD's "argocd").
	Namespace string
	// CacheDir holds fetched repositories.
	CacheDir string
	// PollInterval is how often sources are polled (default 3m).
	PollInterval time.Duration
	// SelfHealBackoff is the least time between self-heal syncs (default 5s).
	SelfHealBackoff time.Duration
	// Workers is the number of Applications reconciled in parallel.
	Workers int
	// LeaderElection makes only one replica active.
	LeaderElection bool
	// MetricsAddr and HealthAddr are listen addresses ("0" disables).
	MetricsAddr, HealthAddr string
	// HealthChecksReload is how often the flotilla-health ConfigMap of
	// custom health checks, and argocd-cm's tracking settings, are read
	// again (default 30s).
	HealthChecksReload time.Duration
	// QPS > 0 limits requests to the API server to QPS a second, Burst
	// at once (default 2×QPS). 0 sets no client-side limit: the API
	// server's priority and fairness paces the controller (client-go
	// retries its 429 answers after their Retry-After), and the workers
	// bound how many requests are in flight.
	QPS   float32
	Burst int
	// AppNamespaces are globs (or /regexps/) of further namespaces whose
	// Applications are reconciled, when their project's sourceNamespaces
	// also list the namespace (Argo CD's application.namespaces).
	AppNamespaces []string
	// Sharding splits the Applications among all replicas running with it,
	// which find each other through Leases; leader election is then off.
	Sharding bool
	// ShardIdentity names this replica among the shards (default: the
	// host name and a random suffix).
	ShardIdentity string
	// ShardCount > 0 fixes this replica's shard to ShardIndex of
	// ShardCount instead of finding the other replicas.
	ShardCount, ShardIndex int
	// WebhookAddr is the listen address of the git push webhook,
	// served at /api/webhook ("" or "0" disables).
	WebhookAddr string
	// FetchTimeout bounds each fetch of a source (default
	// manifests.DefaultFetchTimeout, 90s).
	FetchTimeout time.Duration
	// ErrorBackoff is the first wait before an app whose comparison failed
	// is tried again; it doubles with every failure in a row up to
	// ErrorBackoffMax (defaults 5s and 3m).
	ErrorBackoff, ErrorBackoffMax time.Duration
	// Embedded allows more than one controller in a process (tests that
	// run several replicas): controller names are then not checked for
	// uniqueness.
	Embedded bool
	// Namespaced, when not empty, is a namespaced install's namespaces:
	// the controller watches and writes only there (and the Argo CD kinds
	// in Namespace), on its own cluster, and refuses apps that need more
	// (see namespaceScope). Its RBAC needs no cluster-wide rights.
	Namespaced []string
	// UIURL is the web UI's external root, linked from commit statuses.
	UIURL string
	// SCMAllowedAPIURLs is the allow-list of SCM API URLs the
	// pull-request and SCM-provider generators may call (empty allows all).
	SCMAllowedAPIURLs []string
	// SCMTokenRefStrictMode reads generator tokens only from Secrets
	// labelled argocd.argoproj.io/secret-type=scm-creds.
	SCMTokenRefStrictMode bool
	// Logger is the manager's logger (default controller-runtime's).
	Logger logr.Logger
}

// Scheme knows the built-in kinds and the Argo CD kinds.
func Scheme() (*runtime.Scheme, error) {
	s := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(s); err != nil {
		return nil, fmt.Errorf("add client-go scheme: %w", err)
	}
	if err := v1alpha1.AddToScheme(s); err != nil {
		return nil, fmt.Errorf("add argoproj.io scheme: %w", err)
	}
	return s, nil
}

// NewManager wires a controller-runtime manager with the Application
// reconciler. Start it with mgr.Start(ctx).
func NewManager(cfg *rest.Config, opts Options) (ctrl.Manager, error) {
	if opts.Namespace == "" {
		return nil, fmt.Errorf("controller namespace is empty")
	}
	scheme, err := Scheme()
	if err != nil {
		return nil, err
	}
	cfg = rest.CopyConfig(cfg)
	cfg.QPS, cfg.Burst, cfg.RateLimiter = opts.QPS, opts.Burst, nil
	switch {
	case opts.QPS <= 0:
		cfg.QPS = -1 // client-go: no rate limiter
	case opts.Burst <= 0:
		cfg.Burst = max(int(2*opts.QPS), 1)
	}
	countRequests(cfg)
	if err := opts.validateSharding(); err != nil {
		return nil, err
	}
	if opts.Sharding && opts.ShardIdentity == "" {
		opts.ShardIdentity = opts.identity()
	}
	scope, err := newNamespaceScope(opts.Namespace, opts.Namespaced)
	if err != nil {
		return nil, err
	}
	if opts.Logger.GetSink() == nil {
		opts.Logger = ctrl.Log
	}
	// Nothing reads managedFields from the caches (diffs GET the live
	// object): dropping them keeps a fleet's informers small.
	cacheOpts := cache.Options{ByObject: cachedObjects(opts), DefaultTransform: cache.TransformStripManagedFields(),
		DefaultWatchErrorHandler: logWatchErrors(opts.Logger)}
	scope.restrictCache(&cacheOpts, opts.AppNamespaces)
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme:                  scheme,
		MapperProvider:          newRESTMapper,
		Logger:                  opts.Logger,
		Cache:                   cacheOpts,
		LeaderElection:          opts.LeaderElection && !opts.sharded(),
		Controller:              config.Controller{SkipNameValidation: &opts.Embedded},
		LeaderElectionID:        "flotilla-controller",
		LeaderElectionNamespace: opts.Namespace,
		Metrics:                 metricsserver.Options{BindAddress: orDisabled(opts.MetricsAddr), ExtraHandlers: profiling()},
		HealthProbeBindAddress:  orDisabled(opts.HealthAddr),
	})
	if err != nil {
		return nil, fmt.Errorf("create manager: %w", err)
	}
	dyn, err := dynamic.NewForConfigAndClient(cfg, mgr.GetHTTPClient())
	if err != nil {
		return nil, fmt.Errorf("create dynamic client: %w", err)
	}
	gen := manifests.NewGenerator(opts.CacheDir)
	gen.PollInterval = opts.PollInterval
	if opts.FetchTimeout > 0 {
		gen.FetchTimeout = opts.FetchTimeout
	}
	secrets, err := argoSecrets(mgr, opts.Namespace)
	if err != nil {
		return nil, err
	}
	gen.Credentials = manifests.SecretCredentials(secrets, opts.Namespace)
	gen.Observe = observeStage
	r := &Reconciler{
		Secrets:         secrets,
		Namespace:       opts.Namespace,
		AppNamespaces:   opts.AppNamespaces,
		Client:          client.WithFieldOwner(mgr.GetClient(), "flotilla-controller"),
		Reader:          mgr.GetAPIReader(),
		Cluster:         apply.NewClient(dyn, mgr.GetRESTMapper()),
		Manifests:       gen,
		PollInterval:    opts.PollInterval,
		SelfHealBackoff: opts.SelfHealBackoff,
		ErrorBackoff:    opts.ErrorBackoff,
		ErrorBackoffMax: opts.ErrorBackoffMax,
		KubeVersion:     ServerVersion(cfg),
		Events:          mgr.GetEventRecorderFor(eventSource(opts)),
		scope:           scope,
	}
	r.checks = &healthChecks{reader: mgr.GetAPIReader(), namespace: opts.Namespace, ttl: opts.HealthChecksReload}
	if scope == nil {
		// StorageClasses are cluster-scoped: a namespaced install may not
		// read them, and judges Pending claims without (Progressing).
		r.checks.classes = health.ClusterStorageClasses(mgr.GetClient(), mgr.GetAPIReader())
	}
	r.trackings = &trackingSettings{reader: mgr.GetAPIReader(), namespace: opts.Namespace, ttl: opts.HealthChecksReload}
	if err := r.SetupWithManager(mgr, opts.Namespace, opts.Workers); err != nil {
		return nil, err
	}
	sets, err := setupAppSets(mgr, r, opts)
	if err != nil {
		return nil, err
	}
	if err := setupCommitStatuses(mgr, r, opts); err != nil {
		return nil, err
	}
	if err := setupSharding(mgr, r, opts); err != nil {
		return nil, err
	}
	r.elected = func() bool { return isClosed(mgr.Elected()) }
	if err := setupWebhook(mgr, r, sets, opts); err != nil {
		return nil, err
	}
	if opts.HealthAddr != "" && opts.HealthAddr != "0" {
		if err := mgr.AddHealthzCheck("ping", healthz.Ping); err != nil {
			return nil, fmt.Errorf("add health check: %w", err)
		}
		if err := mgr.AddReadyzCheck("ping", healthz.Ping); err != nil {
			return nil, fmt.Errorf("add readiness check: %w", err)
		}
	}
	return mgr, nil
}

// setupWebhook serves the git push webhook when an address is given.
func setupWebhook(mgr ctrl.Manager, r *Reconciler, sets *AppSetReconciler, opts Options) error {
	if opts.WebhookAddr == "" || opts.WebhookAddr == "0" {
		return nil
	}
	secrets := &webhookSecrets{reader: mgr.GetAPIReader(), namespace: opts.Namespace}
	mux := http.NewServeMux()
	pushed := func(ctx context.Context, p webhook.Push) (int, error) {
		if p.PullRequest != nil {
			return sets.refreshPullRequestSets(ctx, p), nil
		}
		n, err := r.refreshPushed(ctx, p)
		return n + sets.refreshPushedSets(ctx, p), err
	}
	mux.Handle(WebhookPath, webhook.NewHandler(secrets.get, pushed, mgr.GetLogger().WithName("webhook")))
	if err := mgr.Add(&httpServer{addr: opts.WebhookAddr, handler: mux}); err != nil {
		return fmt.Errorf("add webhook server: %w", err)
	}
	return nil
}

// profiling serves Go's profiles at /debug/pprof/ beside the metrics, as
// Argo CD's components do: `go tool pprof http://<metrics-addr>/debug/pprof/profile`.
func profiling() map[string]http.Handler {
	return map[string]http.Handler{
		"/debug/pprof/":        http.HandlerFunc(pprof.Index),
		"/debug/pprof/cmdline": http.HandlerFunc(pprof.Cmdline),
		"/debug/pprof/profile": http.HandlerFunc(pprof.Profile),
		"/debug/pprof/symbol":  http.HandlerFunc(pprof.Symbol),
		"/debug/pprof/trace":   http.HandlerFunc(pprof.Trace),
	}
}

func isClosed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// cachedObjects restricts the caches: Applications to the watched
// namespaces (all, when AppNamespaces has globs), AppProjects to the
// controller's namespace. Managed Secrets are watched metadata-only, like
// every managed kind; Argo CD's own Secrets have a cache of their own
// (argoSecrets).
func cachedObjects(opts Options) map[client.Object]cache.ByObject {
	own := map[string]cache.Config{opts.Namespace: {}}
	objs := map[client.Object]cache.ByObject{
		&v1alpha1.AppProject{}: {Namespaces: own},
	}
	if len(opts.AppNamespaces) == 0 {
		objs[&v1alpha1.Application{}] = cache.ByObject{Namespaces: own}
		objs[&v1alpha1.ApplicationSet{}] = cache.ByObject{Namespaces: own}
	}
	return objs
}

// argoSecrets caches Argo CD's Secrets (repository, repo-creds, cluster:
// those labelled argocd.argoproj.io/secret-type) in the controller's
// namespace, and no others.
func argoSecrets(mgr ctrl.Manager, namespace string) (cache.Cache, error) {
	c, err := cache.New(mgr.GetConfig(), cache.Options{
		Scheme: mgr.GetScheme(), Mapper: mgr.GetRESTMapper(), HTTPClient: mgr.GetHTTPClient(),
		DefaultNamespaces:        map[string]cache.Config{namespace: {}},
		DefaultLabelSelector:     labels.SelectorFromSet(nil).Add(secretTypeExists()),
		DefaultTransform:         cache.TransformStripManagedFields(),
		DefaultWatchErrorHandler: logWatchErrors(mgr.GetLogger()),
	})
	if err != nil {
		return nil, fmt.Errorf("create secret cache: %w", err)
	}
	if err := mgr.Add(c); err != nil {
		return nil, fmt.Errorf("add secret cache: %w", err)
	}
	return c, nil
}

// ServerVersion is the cluster's version ("v1.37.2"), or "" when it cannot
// be read (Helm then uses its default capabilities).
func ServerVersion(cfg *rest.Config) string {
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return ""
	}
	v, err := dc.ServerVersion()
	if err != nil {
		return ""
	}
	return v.GitVersion
}

func secretTypeExists() labels.Requirement {
	req, err := labels.NewRequirement(source.SecretTypeLabel, selection.Exists, nil)
	if err != nil {
		panic(err) // a constant, valid requirement
	}
	return *req
}

func orDisabled(addr string) string {
	if addr == "" {
		return "0"
	}
	return addr
}
