// Package kubetest shares one control plane (package controlplane) among the
// tests of a test binary.
//
// Use it from TestMain:
//
//	func TestMain(m *testing.M) { os.Exit(kubetest.Main(m)) }
//
// and in tests:
//
//	c := kubetest.Client(t)
//	ns := kubetest.NewNamespace(t, c)
//
// With -short no plane starts and Plane skips the test.
package kubetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"flotilla.dev/flotilla/internal/controlplane"
)

// startTimeout bounds the whole start of the shared plane.
const startTimeout = 5 * time.Minute

// shared is the plane started by Main, nil when none is running.
var shared *controlplane.Plane

// beforeStop are run by Main after the tests and before the plane stops.
var beforeStop []func()

// BeforeStop registers fn to run after all tests, before the shared plane
// stops: the place to stop controllers a test binary started, so they do
// not log errors about a vanished API server.
func BeforeStop(fn func()) { beforeStop = append(beforeStop, fn) }

// Main is for TestMain: it starts one shared plane for the test binary
// (unless -short), runs the tests, stops the plane and returns the exit
// code. A plane that does not start fails the whole binary.
func Main(m *testing.M) int {
	if !flag.Parsed() {
		flag.Parse()
	}
	if testing.Short() {
		return m.Run()
	}
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	p, err := controlplane.Start(ctx, controlplane.Options{})
	cancel()
	if err != nil {
		fmt.Fprintf(os.Stderr, "kubetest: %v\n", err)
		return 1
	}
	if testing.Verbose() {
		fmt.Fprintf(os.Stderr, "kubetest: control plane at %s started in %s (kubeconfig %s)\n",
			p.Host(), p.StartupDuration().Round(time.Millisecond), p.KubeconfigPath())
	}
	shared = p

	// On Ctrl-C or SIGTERM, stop the plane before dying so its temp dir
	// goes too (its daemons would die with us anyway).
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	stopped := make(chan struct{})
	go func() {
		select {
		case sig := <-sigs:
			fmt.Fprintf(os.Stderr, "kubetest: %v: stopping control plane\n", sig)
			_ = p.Stop()
			os.Exit(1)
		case <-stopped:
		}
	}()

	code := m.Run()
	for i := len(beforeStop) - 1; i >= 0; i-- {
		beforeStop[i]()
	}

	signal.Stop(sigs)
	close(stopped)
	shared = nil
	if err := p.Stop(); err != nil {
		fmt.Fprintf(os.Stderr, "kubetest: %v\n", err)
		if code == 0 {
			code = 1
		}
	}
	return code
}

// Plane returns the shared plane. It skips the test with -short and fails it
// when Main did not start a plane.
func Plane(t testing.TB) *controlplane.Plane {
	t.Helper()
	if shared != nil {
		return shared
	}
	if testing.Short() {
		t.Skip("kubetest: no control plane with -short")
	}
	t.Fatal("kubetest: no control plane; call kubetest.Main from TestMain")
	return nil
}

// Client returns a controller-runtime client for the shared plane, as admin.
func Client(t testing.TB) client.Client {
	t.Helper()
	c, err := client.New(Plane(t).RESTConfig(), client.Options{})
	if err != nil {
		t.Fatalf("kubetest: client: %v", err)
	}
	return c
}

// NewNamespace creates a namespace named after the test with a random
// suffix, waits for its default ServiceAccount (Pods are refused before it
// exists), and deletes the namespace in t.Cleanup.
func NewNamespace(t testing.TB, c client.Client) string {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: namespaceName(t.Name())}}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := c.Create(ctx, ns); err != nil {
		t.Fatalf("kubetest: create namespace %s: %v", ns.Name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := c.Delete(ctx, ns); client.IgnoreNotFound(err) != nil {
			t.Errorf("kubetest: delete namespace %s: %v", ns.Name, err)
		}
	})
	var last error
	err := wait.PollUntilContextCancel(ctx, 100*time.Millisecond, true, func(ctx context.Context) (bool, error) {
		last = c.Get(ctx, client.ObjectKey{Namespace: ns.Name, Name: "default"}, &corev1.ServiceAccount{})
		return last == nil, nil
	})
	if err != nil {
		t.Fatalf("kubetest: namespace %s has no default ServiceAccount: %v (last: %v)", ns.Name, err, last)
	}
	return ns.Name
}

var notDNSLabel = regexp.MustCompile(`[^a-z0-9]+`)

// namespaceName turns a test name into a DNS label: lowercase, dashes, at
// most 63 characters including a random suffix.
func namespaceName(testName string) string {
	base := strings.Trim(notDNSLabel.ReplaceAllString(strings.ToLower(testName), "-"), "-")
	if len(base) > 50 {
		base = strings.TrimRight(base[:50], "-")
	}
	if base == "" {
		base = "test"
	}
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return base + "-" + hex.EncodeToString(b)
}

// Poll calls cond every interval until it reports done or timeout has
// passed; it returns whether cond was met and cond's last explanation.
// The tests' eventually helpers fail with it in their own words.
func Poll(timeout, interval time.Duration, cond func() (bool, string)) (bool, string) {
	deadline := time.Now().Add(timeout)
	for {
		ok, why := cond()
		if ok {
			return true, ""
		}
		if time.Now().After(deadline) {
			return false, why
		}
		time.Sleep(interval)
	}
}
