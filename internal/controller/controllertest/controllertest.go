// Package controllertest runs an in-process flotilla controller on the
// shared control plane of package kubetest, for the tests of packages that
// need Applications really reconciled (the controller's own, the CLI's, the
// server's).
//
//	func TestMain(m *testing.M) { os.Exit(kubetest.Main(m)) }
//
//	func TestX(t *testing.T) {
//		c := controllertest.Start(t, "argocd")
//		…
//	}
package controllertest

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"flotilla.dev/flotilla/internal/apply"
	"flotilla.dev/flotilla/internal/controller"
	"flotilla.dev/flotilla/internal/controlplane/kubetest"
	"flotilla.dev/flotilla/internal/install"
)

var (
	mu      sync.Mutex
	started = map[string]*result{}
)

type result struct {
	c   client.Client
	err error
}

// Options are the test controller's timing: polls are left to the tests
// (an hour), self-heal and custom health checks react within a second.
func Options(namespace string) controller.Options {
	return controller.Options{
		Namespace:          namespace,
		PollInterval:       time.Hour,
		SelfHealBackoff:    time.Second,
		Workers:            4,
		LeaderElection:     true,
		HealthChecksReload: time.Second,
	}
}

// Start installs the CRDs, creates namespace and starts one controller
// for Applications in it, once per test binary and namespace; it stops
// before the shared plane does. It returns a client that knows the Argo
// CD kinds. With -short the test is skipped (there is no plane).
func Start(tb testing.TB, namespace string) client.Client {
	tb.Helper()
	return StartWith(tb, Options(namespace))
}

// StartWith is Start with the controller's options given (Namespace must
// be set; CacheDir is a fresh temporary directory when empty).
func StartWith(tb testing.TB, opts controller.Options) client.Client {
	tb.Helper()
	cfg := kubetest.Plane(tb).RESTConfig()
	mu.Lock()
	defer mu.Unlock()
	r, ok := started[opts.Namespace]
	if !ok {
		c, err := start(cfg, opts)
		r = &result{c: c, err: err}
		started[opts.Namespace] = r
	}
	if r.err != nil {
		tb.Fatalf("start controller: %v", r.err)
	}
	return r.c
}

func start(cfg *rest.Config, opts controller.Options) (client.Client, error) {
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
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: opts.Namespace}}
	if err := c.Create(ctx, ns); client.IgnoreAlreadyExists(err) != nil {
		return nil, fmt.Errorf("create namespace: %w", err)
	}
	if opts.CacheDir == "" {
		if opts.CacheDir, err = os.MkdirTemp("", "flotilla-controller-test-"); err != nil {
			return nil, err
		}
	}
	mgr, err := controller.NewManager(cfg, opts)
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
	kubetest.BeforeStop(func() { cancel(); <-done; _ = os.RemoveAll(opts.CacheDir) })
	return c, nil
}

func installCRDs(ctx context.Context, cfg *rest.Config) error {
	c, err := apply.NewForConfig(cfg)
	if err != nil {
		return fmt.Errorf("create apply client: %w", err)
	}
	if err := install.ApplyCRDs(ctx, c); err != nil {
		return fmt.Errorf("install crds: %w", err)
	}
	return waitDiscovery(ctx, cfg)
}

// waitDiscovery waits until the API server's discovery serves the Argo
// CD kinds: an Established CRD can still be missing there for a moment,
// and a manager started then cannot map the kinds it caches.
func waitDiscovery(ctx context.Context, cfg *rest.Config) error {
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return fmt.Errorf("create discovery client: %w", err)
	}
	want := []string{"applications", "applicationsets", "appprojects"}
	return wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, time.Minute, true, func(context.Context) (bool, error) {
		list, err := dc.ServerResourcesForGroupVersion("argoproj.io/v1alpha1")
		if err != nil {
			return false, nil
		}
		served := map[string]bool{}
		for _, r := range list.APIResources {
			served[r.Name] = true
		}
		for _, w := range want {
			if !served[w] {
				return false, nil
			}
		}
		return true, nil
	})
}
