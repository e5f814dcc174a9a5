package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

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

// bench is everything fleetbench started, so close can stop it in order.
type bench struct {
	opts       options
	plane      *controlplane.Plane
	git        *gittest.Standalone
	repo       *gittest.Repo
	kube       client.Client
	cfg        *rest.Config
	controller *exec.Cmd
	logPath    string
	webhook    string // http://host:port/api/webhook
	metrics    string // http://host:port/metrics
}

func setUp(ctx context.Context, o options) (b *bench, err error) {
	b = &bench{opts: o}
	defer func() {
		if r := recover(); r != nil { // gittest.Standalone reports failures by panicking
			err = fmt.Errorf("git: %v", r)
		}
	}()
	fmt.Printf("== starting the local control plane (3 fake nodes)\n")
	if b.plane, err = controlplane.Start(ctx, controlplane.Options{Nodes: 3}); err != nil {
		return b, err
	}
	b.cfg = b.plane.RESTConfig()
	b.cfg.WarningHandler = rest.NoWarnings{}
	b.cfg.QPS, b.cfg.Burst = float32(o.qps), 2*o.qps
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
	if b.git, err = gittest.NewStandalone(); err != nil {
		return b, err
	}
	b.repo = gittest.NewLocalRepo(b.git)
	sha := b.repo.Commit(b.git, fleetFiles(b.repo.URL(), o.apps, 0), fmt.Sprintf("a fleet of %d apps", o.apps))
	fmt.Printf("== committed %d Applications (%d objects) to %s at %.7s\n", o.apps, 2*o.apps, b.repo.URL(), sha)
	return b, b.startController()
}

func (b *bench) startController() error {
	hook, err := benchkit.FreePort()
	if err != nil {
		return err
	}
	b.webhook = "http://127.0.0.1:" + strconv.Itoa(hook) + controller.WebhookPath
	metrics, err := benchkit.FreePort()
	if err != nil {
		return err
	}
	b.metrics = "http://127.0.0.1:" + strconv.Itoa(metrics) + "/metrics"
	b.logPath = filepath.Join(b.plane.Dir(), "flotilla-controller.log")
	logFile, err := os.Create(b.logPath)
	if err != nil {
		return err
	}
	b.controller = exec.Command(b.opts.flotilla, "controller",
		"--kubeconfig", b.plane.KubeconfigPath(), "-n", appNamespace,
		"--cache-dir", filepath.Join(b.plane.Dir(), "flotilla-cache"),
		"--poll-interval", b.opts.poll.String(),
		"--workers", strconv.Itoa(b.opts.workers),
		"--kube-api-qps", strconv.Itoa(b.opts.qps), "--kube-api-burst", strconv.Itoa(2*b.opts.qps),
		"--webhook-addr", "127.0.0.1:"+strconv.Itoa(hook),
		"--metrics-addr", "127.0.0.1:"+strconv.Itoa(metrics), "--health-addr", "0")
	b.controller.Stdout, b.controller.Stderr = logFile, logFile
	if err := b.controller.Start(); err != nil {
		return fmt.Errorf("start %s controller: %w (run `make build` first)", b.opts.flotilla, err)
	}
	fmt.Printf("== started `flotilla controller` (pid %d, %d workers, %d QPS, log %s)\n", b.controller.Process.Pid, b.opts.workers, b.opts.qps, b.logPath)
	return benchkit.Poll(context.Background(), 200*time.Millisecond, 30*time.Second, func() (bool, error) {
		_, err := benchkit.ScrapeCounter(b.metrics, "controller_runtime_reconcile_total", "")
		return err == nil, nil
	})
}

func (b *bench) close() {
	if b.controller != nil && b.controller.Process != nil {
		_ = b.controller.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = b.controller.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = b.controller.Process.Kill()
		}
	}
	if b.logPath != "" { // the plane's directory goes away: keep the log
		if data, err := os.ReadFile(b.logPath); err == nil {
			kept := filepath.Join(os.TempDir(), "fleetbench-controller.log")
			if os.WriteFile(kept, data, 0o644) == nil {
				fmt.Printf("== controller log: %s\n", kept)
			}
		}
	}
	if b.git != nil {
		_ = b.git.Close()
	}
	if b.plane != nil {
		_ = b.plane.Stop()
	}
}
