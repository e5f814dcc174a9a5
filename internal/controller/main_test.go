package controller_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"flotilla.dev/flotilla/internal/apply"
	"flotilla.dev/flotilla/internal/cli"
	"flotilla.dev/flotilla/internal/controller"
	"flotilla.dev/flotilla/internal/controlplane/kubetest"
	"flotilla.dev/flotilla/internal/install"
)

// appNamespace is where the tests' Applications live, as in Argo CD.
const appNamespace = "argocd"

func TestMain(m *testing.M) {
	// The test binary doubles as the flotilla command, so a test can run
	// the controller as a separate process and kill it.
	if args := os.Getenv(reexecEnv); args != "" {
		os.Exit(cli.Execute(context.Background(), strings.Split(args, "\n"), os.Stdout, os.Stderr))
	}
	os.Exit(kubetest.Main(m))
}

func init() {
	out := io.Discard
	if os.Getenv("FLOTILLA_TEST_LOG") != "" {
		out = os.Stderr
	}
	ctrl.SetLogger(zap.New(zap.UseDevMode(true), zap.WriteTo(out)))
}

var (
	envOnce sync.Once
	envErr  error
	envC    client.Client
)

// env installs the CRDs and starts one controller (leader election on) for
// the whole test binary. It returns a client that knows the Argo CD kinds.
func env(t testing.TB) client.Client {
	t.Helper()
	cfg := kubetest.Plane(t).RESTConfig()
	envOnce.Do(func() { envC, envErr = startController(cfg) })
	if envErr != nil {
		t.Fatalf("start controller: %v", envErr)
	}
	return envC
}

func startController(cfg *rest.Config) (client.Client, error) {
	ctx := context.Background()
	scheme, err := controller.Scheme()
	if err != nil {
		return nil, err
	}
	c, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		return nil, err
	}
	if err := installCRDs(ctx, cfg); err != nil {
		return nil, err
	}
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: appNamespace}}
	if err := c.Create(ctx, ns); client.IgnoreAlreadyExists(err) != nil {
		return nil, fmt.Errorf("create namespace: %w", err)
	}
	cacheDir, err := os.MkdirTemp("", "flotilla-controller-test-")
	if err != nil {
		return nil, err
	}
	mgr, err := controller.NewManager(cfg, controller.Options{
		Namespace:       appNamespace,
		CacheDir:        cacheDir,
		PollInterval:    time.Hour, // tests refresh explicitly
		SelfHealBackoff: time.Second,
		Workers:         4,
		LeaderElection:  true,
		// custom health checks written by a test apply within a second
		HealthChecksReload: time.Second,
	})
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := mgr.Start(ctx); err != nil {
			fmt.Fprintln(os.Stderr, "controller stopped:", err)
		}
	}()
	kubetest.BeforeStop(func() { cancel(); <-done })
	return c, nil
}

func installCRDs(ctx context.Context, cfg *rest.Config) error {
	c, err := apply.NewForConfig(cfg)
	if err != nil {
		return err
	}
	return install.ApplyCRDs(ctx, c)
}
