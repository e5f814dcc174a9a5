package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/hack/benchkit"
	"flotilla.dev/flotilla/internal/apply"
	"flotilla.dev/flotilla/internal/controller"
	"flotilla.dev/flotilla/internal/controlplane"
	"flotilla.dev/flotilla/internal/install"
	"flotilla.dev/flotilla/internal/source/git/gittest"
)

// Namespaces of the benchmark: the Applications, the fleet's objects, and
// the bare client's copy of them (its Applications in a namespace the
// controller does not watch).
const (
	appNamespace     = "argocd"
	fleetNamespace   = "fleet"
	bareNamespace    = "fleet-bare"
	bareAppNamespace = "fleet-bare-apps"
)

// session is what every run of one invocation shares: the options, the
// binary, where the controllers' logs go.
type session struct {
	opts     options
	flotilla string // absolute path
	logDir   string // kept after the run
	defaults controllerDefaults
}

// controllerDefaults are the values `flotilla controller --help` names as
// the defaults of the flags fleetbench leaves out unless asked.
type controllerDefaults struct{ workers, qps, burst string }

func newSession(o options) (*session, error) {
	bin, err := filepath.Abs(o.flotilla)
	if err != nil {
		return nil, err
	}
	if st, err := os.Stat(bin); err != nil || st.IsDir() || st.Mode()&0o111 == 0 {
		return nil, fmt.Errorf("no flotilla binary at %s: run `make build` first (or pass --flotilla)", o.flotilla)
	}
	help, err := exec.Command(bin, "controller", "--help").CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("%s controller --help: %w\n%s", bin, err, help)
	}
	d := controllerDefaults{
		workers: flagDefault(string(help), "workers"),
		qps:     flagDefault(string(help), "kube-api-qps"),
		burst:   flagDefault(string(help), "kube-api-burst"),
	}
	dir, err := os.MkdirTemp("", "fleetbench-logs-")
	if err != nil {
		return nil, err
	}
	return &session{opts: o, flotilla: bin, logDir: dir, defaults: d}, nil
}

// flagDefault is the "(default X)" of --name in a cobra help text, "0"
// for a flag cobra shows without one (its zero value), or "?".
func flagDefault(help, name string) string {
	m := regexp.MustCompile(`(?m)^\s+--` + regexp.QuoteMeta(name) + `\s.*\(default ([^)]*)\)\s*$`).FindStringSubmatch(help)
	switch {
	case m != nil:
		return m[1]
	case regexp.MustCompile(`(?m)^\s+--` + regexp.QuoteMeta(name) + `\s`).MatchString(help):
		return "0"
	}
	return "?"
}

// controllerSettings says what the controller ran with: its defaults, or
// the flags given.
func (s *session) controllerSettings() string {
	o, d := s.opts, s.defaults
	if o.workers == 0 && o.qps == 0 {
		return fmt.Sprintf("controller defaults (--workers %s, --kube-api-qps %s, --kube-api-burst %s)", d.workers, d.qps, d.burst)
	}
	var given, left []string
	if o.workers > 0 {
		given = append(given, fmt.Sprintf("--workers %d", o.workers))
	} else {
		left = append(left, "--workers "+d.workers)
	}
	if o.qps > 0 {
		given = append(given, fmt.Sprintf("--kube-api-qps %d --kube-api-burst %d", o.qps, 2*o.qps))
	} else {
		left = append(left, "--kube-api-qps "+d.qps, "--kube-api-burst "+d.burst)
	}
	out := strings.Join(given, " ")
	if len(left) > 0 {
		out += " (controller defaults: " + strings.Join(left, ", ") + ")"
	}
	return out
}

// bareSettings says how the bare client ran.
func (s *session) bareSettings() string {
	if s.opts.bareQPS < 0 {
		return fmt.Sprintf("%d parallel applies, no client-side rate limit", s.opts.bareParallel)
	}
	return fmt.Sprintf("%d parallel applies, %g QPS", s.opts.bareParallel, s.opts.bareQPS)
}

// bench is one fleet on one fresh control plane, and everything started
// for it, so close can stop it in order.
type bench struct {
	s     *session
	opts  options
	apps  int    // N of this run
	label string // names its logs
	nodes int
	plane *controlplane.Plane
	git   *gittest.Standalone
	repo  *gittest.Repo
	kube  client.Client // direct
	// apps reads Applications from a watch, so polling the fleet's
	// status does not list thousands of objects from the API server
	// twice a second.
	appCache  cache.Cache
	stopCache context.CancelFunc
	cfg       *rest.Config // the benchmark's own: no client-side rate limit
	replicas  []*replica
	sharded   bool
}

func setUp(ctx context.Context, s *session, n, pods int, label string) (b *bench, err error) {
	o := s.opts
	b = &bench{s: s, opts: o, apps: n, label: label, nodes: o.nodes}
	defer func() {
		if r := recover(); r != nil { // gittest.Standalone reports failures by panicking
			err = fmt.Errorf("git: %v", r)
		}
	}()
	if b.nodes == 0 {
		b.nodes = benchkit.NodesFor(pods)
	}
	fmt.Printf("== starting a fresh control plane (%d kwok node(s) for %d Pods)\n", b.nodes, pods)
	if b.plane, err = controlplane.Start(ctx, controlplane.Options{Nodes: b.nodes}); err != nil {
		return b, err
	}
	b.cfg = b.plane.RESTConfig()
	b.cfg.WarningHandler = rest.NoWarnings{}
	b.cfg.QPS, b.cfg.Burst = -1, 0 // client-go: no rate limiter
	scheme, err := controller.Scheme()
	if err != nil {
		return b, err
	}
	if b.kube, err = client.New(b.cfg, client.Options{Scheme: scheme}); err != nil {
		return b, err
	}
	ac, err := apply.NewForConfig(b.cfg)
	if err != nil {
		return b, err
	}
	if err := install.ApplyCRDs(ctx, ac); err != nil {
		return b, err
	}
	for _, ns := range []string{appNamespace, fleetNamespace, bareNamespace, bareAppNamespace} {
		if err := b.kube.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}); client.IgnoreAlreadyExists(err) != nil {
			return b, fmt.Errorf("create namespace %s: %w", ns, err)
		}
	}
	if b.appCache, err = cache.New(b.cfg, cache.Options{Scheme: scheme, DefaultNamespaces: map[string]cache.Config{appNamespace: {}}}); err != nil {
		return b, err
	}
	cctx, cancel := context.WithCancel(context.Background())
	b.stopCache = cancel
	go func() { _ = b.appCache.Start(cctx) }()
	if _, err := b.appCache.GetInformer(ctx, &v1alpha1.Application{}); err != nil {
		return b, fmt.Errorf("watch Applications: %w", err)
	}
	if !b.appCache.WaitForCacheSync(ctx) {
		return b, fmt.Errorf("watch Applications: cache not synced")
	}
	if b.git, err = gittest.NewStandalone(); err != nil {
		return b, err
	}
	b.repo = gittest.NewLocalRepo(b.git)
	sha := b.repo.Commit(b.git, fleetFiles(b.repo.URL(), n, 0), fmt.Sprintf("a fleet of %d apps", n))
	fmt.Printf("== committed %d Applications (%d objects) to %s at %.7s\n", n, 2*n, b.repo.URL(), sha)
	return b, nil
}

func (b *bench) close() {
	for _, r := range b.replicas {
		r.stop()
	}
	if b.stopCache != nil {
		b.stopCache()
	}
	if b.git != nil {
		_ = b.git.Close()
	}
	if b.plane != nil {
		fmt.Printf("== stopping the control plane\n")
		if err := b.plane.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "fleetbench:", err)
		}
	}
}
