package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"flotilla.dev/flotilla/internal/controller"
	"flotilla.dev/flotilla/internal/manifests"
)

func newControllerCmd(opts *options) *cobra.Command {
	var c controller.Options
	var development bool
	var gcPercent int
	cmd := &cobra.Command{
		Use:   "controller",
		Short: "Run the controller that reconciles Applications",
		Long: `Run the controller: it watches Argo CD Applications in one namespace,
fetches their sources from git, applies them with server-side apply, and
writes sync and health status back, as Argo CD's application controller does.`,
		Example: `  # reconcile the Applications in namespace argocd of the current context
  flotilla controller

  # against a given cluster, polling git every minute
  flotilla controller --kubeconfig ./kubeconfig -n argocd --poll-interval 1m

  # also Applications in the team-* namespaces (their projects must list
  # them in sourceNamespaces), split among every replica run so
  flotilla controller --application-namespaces 'team-*' --sharding

  # a namespaced install (flotilla bootstrap --namespaced): watch and write
  # only in team-a and team-b, refusing apps that need more
  flotilla controller -n gitops --namespaced team-a,team-b`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctrl.SetLogger(zap.New(zap.UseDevMode(development), zap.WriteTo(opts.err)))
			if os.Getenv("GOGC") == "" {
				debug.SetGCPercent(gcPercent)
			}
			cfg, err := opts.restConfig()
			if err != nil {
				return err
			}
			c.Namespace = opts.appNamespace()
			if c.CacheDir == "" {
				c.CacheDir = defaultCacheDir()
			}
			mgr, err := controller.NewManager(cfg, c)
			if err != nil {
				return err
			}
			fmt.Fprintf(opts.err, "flotilla controller: reconciling Applications in namespace %s\n", strings.Join(append([]string{c.Namespace}, c.AppNamespaces...), ", "))
			if len(c.Namespaced) > 0 {
				fmt.Fprintf(opts.err, "flotilla controller: namespaced: managing namespaces %s only\n", strings.Join(c.Namespaced, ", "))
			}
			if err := mgr.Start(cmd.Context()); err != nil {
				return fmt.Errorf("controller: %w", err)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&c.CacheDir, "cache-dir", "", "where fetched repositories are kept (default: $XDG_CACHE_HOME/flotilla or ~/.cache/flotilla)")
	f.DurationVar(&c.PollInterval, "poll-interval", controller.DefaultPollInterval, "how often git sources are polled for new commits")
	f.DurationVar(&c.SelfHealBackoff, "self-heal-backoff", controller.DefaultSelfHealBackoff, "least time between two self-heal syncs of one app")
	f.DurationVar(&c.FetchTimeout, "fetch-timeout", manifests.DefaultFetchTimeout, "how long one fetch of a source (git, chart repository, OCI registry) may take")
	f.DurationVar(&c.ErrorBackoff, "error-backoff", controller.DefaultErrorBackoff, "first wait before an app whose comparison failed is tried again; doubled per failure in a row")
	f.DurationVar(&c.ErrorBackoffMax, "error-backoff-max", controller.DefaultErrorBackoffMax, "longest wait between attempts of an app whose comparison keeps failing")
	f.IntVar(&c.Workers, "workers", 4, "Applications reconciled in parallel")
	f.BoolVar(&c.LeaderElection, "leader-elect", true, "elect a leader so only one replica reconciles")
	f.StringVar(&c.MetricsAddr, "metrics-addr", ":8080", `address of the Prometheus metrics endpoint ("0" disables)`)
	f.StringVar(&c.HealthAddr, "health-addr", ":8081", `address of the /healthz and /readyz endpoints ("0" disables)`)
	f.Float32Var(&c.QPS, "kube-api-qps", 0, "requests per second to the Kubernetes API; 0: no client-side limit, the API server's priority and fairness paces the controller (its 429 answers are retried when they say)")
	f.IntVar(&c.Burst, "kube-api-burst", 0, "burst of requests to the Kubernetes API with --kube-api-qps (default twice the QPS)")
	f.BoolVar(&development, "dev-log", false, "human-readable logs instead of JSON")
	f.IntVar(&gcPercent, "gc-percent", defaultGCPercent, "heap growth before a garbage collection, as GOGC (which wins when set): lower keeps less memory for a little more CPU")
	f.StringSliceVar(&c.AppNamespaces, "application-namespaces", nil, "further namespaces (globs, or /regexps/) whose Applications are reconciled when their project's sourceNamespaces allow it")
	f.StringVar(&c.WebhookAddr, "webhook-addr", ":8082", `address of the git push webhook, served at /api/webhook ("0" disables)`)
	f.BoolVar(&c.Sharding, "sharding", false, "split Applications among all replicas run with --sharding (found through Leases; no leader election)")
	f.StringVar(&c.ShardIdentity, "shard-identity", "", "this replica's name among the shards (default: host name and a random suffix)")
	f.IntVar(&c.ShardCount, "shard-count", 0, "fix the number of shards instead of finding the replicas (with --shard-index)")
	f.IntVar(&c.ShardIndex, "shard-index", 0, "this replica's shard, 0..shard-count-1 (with --shard-count)")
	f.StringVar(&c.UIURL, "ui-url", "", "the web UI's external URL, linked from commit statuses (e.g. https://flotilla.example.com)")
	f.StringSliceVar(&c.SCMAllowedAPIURLs, "allowed-scm-providers", nil, "API URLs the pull-request and SCM-provider generators may call besides the public GitHub, GitLab, Bitbucket and Azure DevOps ones (Argo CD's applicationsetcontroller.allowed.scm.providers; empty allows all)")
	f.BoolVar(&c.SCMTokenRefStrictMode, "token-ref-strict-mode", false, "read generator tokens only from Secrets labelled argocd.argoproj.io/secret-type=scm-creds")
	f.StringSliceVar(&c.Namespaced, "namespaced", nil, "a namespaced install: watch and write only in these namespaces (and Applications, ApplicationSets and AppProjects in -n), on this cluster; apps that need more get an InvalidSpecError")
	return cmd
}

// defaultGCPercent lets the controller's heap grow a third past its live
// data before a collection (Go's default lets it double): a fleet's caches
// are most of a controller's memory, and its allocation rate is low; at
// 1000 apps this keeps the anonymous memory under 60 MiB for about 8% more
// CPU (docs/benchmarks.md).
const defaultGCPercent = 35

func defaultCacheDir() string {
	if d, err := os.UserCacheDir(); err == nil {
		return filepath.Join(d, "flotilla")
	}
	return filepath.Join(os.TempDir(), "flotilla-cache")
}
