package controller_test

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/apply"
	"flotilla.dev/flotilla/internal/controller"
	"flotilla.dev/flotilla/internal/install"
)

// The fault tests' controller timing: sources are polled every few
// seconds (so apps whose dependency is fine visibly keep syncing on their
// own, and a failing one notices the failure without a refresh), a fetch
// gives up after two seconds, and a failed comparison is retried after
// 0.5s, 1s, 2s, then every 4s.
const (
	faultPoll         = 3 * time.Second
	faultFetchTimeout = 2 * time.Second
	faultBackoff      = 500 * time.Millisecond
	faultBackoffMax   = 4 * time.Second
)

// faultEnv is a controller of one fault test, with its own namespace for
// its Applications, repository and cluster Secrets.
type faultEnv struct {
	c  client.Client
	ns string
}

// startFaultController installs the CRDs on the cluster of cfg and runs a
// controller of its own (fault timing, tune may change more) for
// Applications in a new namespace, until the test ends.
func startFaultController(t *testing.T, cfg *rest.Config, tune func(*controller.Options)) *faultEnv {
	t.Helper()
	ctx := context.Background()
	installCRDsOn(t, cfg)
	scheme, err := controller.Scheme()
	if err != nil {
		t.Fatal(err)
	}
	c, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		t.Fatal(err)
	}
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "faults-"}}
	if err := c.Create(ctx, ns); err != nil {
		t.Fatalf("create controller namespace: %v", err)
	}
	t.Cleanup(func() { _ = c.Delete(context.Background(), ns) })
	opts := controller.Options{
		Namespace: ns.Name, CacheDir: t.TempDir(), Workers: 4, Embedded: true,
		PollInterval: faultPoll, SelfHealBackoff: time.Second, HealthChecksReload: time.Second,
		FetchTimeout: faultFetchTimeout, ErrorBackoff: faultBackoff, ErrorBackoffMax: faultBackoffMax,
	}
	if tune != nil {
		tune(&opts)
	}
	mgr, err := controller.NewManager(cfg, opts)
	if err != nil {
		t.Fatalf("new controller: %v", err)
	}
	run, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := mgr.Start(run); err != nil {
			t.Errorf("controller stopped: %v", err)
		}
	}()
	// Registered after the namespace's cleanup, so it runs first: the
	// controller stops before its Applications and namespace go.
	t.Cleanup(func() { cancel(); <-done })
	return &faultEnv{c: c, ns: ns.Name}
}

// installCRDsOn applies the Argo CD CRDs and waits until discovery
// serves them.
func installCRDsOn(t *testing.T, cfg *rest.Config) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	ac, err := apply.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := install.ApplyCRDs(ctx, ac); err != nil {
		t.Fatal(err)
	}
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	err = wait.PollUntilContextCancel(ctx, 100*time.Millisecond, true, func(context.Context) (bool, error) {
		list, err := dc.ServerResourcesForGroupVersion("argoproj.io/v1alpha1")
		if err != nil {
			return false, nil
		}
		served := map[string]bool{}
		for _, r := range list.APIResources {
			served[r.Name] = true
		}
		return served["applications"] && served["applicationsets"] && served["appprojects"], nil
	})
	if err != nil {
		t.Fatalf("discovery does not serve the Argo CD kinds: %v", err)
	}
}

func (e *faultEnv) createApp(t *testing.T, manifest string) {
	t.Helper()
	createAppIn(t, e.c, e.ns, manifest)
}

func (e *faultEnv) app(t *testing.T, name string) *v1alpha1.Application {
	t.Helper()
	return getAppIn(t, e.c, e.ns, name)
}

// waitApp waits until cond holds for the Application name.
func (e *faultEnv) waitApp(t *testing.T, name string, timeout time.Duration, cond func(*v1alpha1.Application) bool) *v1alpha1.Application {
	t.Helper()
	var app *v1alpha1.Application
	eventually(t, timeout, func() (bool, string) {
		app = e.app(t, name)
		return cond(app), describe(app)
	})
	return app
}

// waitSynced waits until the app is Synced and Healthy at revision (any
// when empty), with no condition and no operation running.
func (e *faultEnv) waitSynced(t *testing.T, name, revision string, timeout time.Duration) *v1alpha1.Application {
	t.Helper()
	return e.waitApp(t, name, timeout, func(app *v1alpha1.Application) bool { return syncedAt(app, revision) })
}

// syncedAt reports an app Synced and Healthy at revision (any when empty)
// with no condition and no operation running.
func syncedAt(app *v1alpha1.Application, revision string) bool {
	st := app.Status
	return st.Sync.Status == v1alpha1.SyncStatusCodeSynced && st.Health.Status == v1alpha1.HealthStatusHealthy &&
		(revision == "" || st.Sync.Revision == revision) && len(st.Conditions) == 0 &&
		(st.OperationState == nil || st.OperationState.Phase != v1alpha1.OperationRunning)
}

// retryNote is what comparisonFailed appends to the ComparisonError.
var retryNote = regexp.MustCompile(`\(attempt (\d+) failed; retrying in ([^)]+)\)$`)

// retry is one failed attempt as the ComparisonError condition tells it.
type retry struct {
	attempt int
	wait    time.Duration
}

// parseRetry reads the attempt and the announced wait from a
// ComparisonError message.
func parseRetry(msg string) (retry, bool) {
	m := retryNote.FindStringSubmatch(msg)
	if m == nil {
		return retry{}, false
	}
	n, err := strconv.Atoi(m[1])
	if err != nil {
		return retry{}, false
	}
	d, err := time.ParseDuration(m[2])
	if err != nil {
		return retry{}, false
	}
	return retry{attempt: n, wait: d}, true
}

// watchRetries follows the ComparisonError of app name until attempt
// `until` has failed, checking that every message names the dependency
// (each of names) and that the retries back off: the attempts counted up,
// each announcing faultBackoff doubled per earlier failure, at most
// faultBackoffMax. It returns the attempts seen.
func (e *faultEnv) watchRetries(t *testing.T, name string, until int, timeout time.Duration, names ...string) []retry {
	t.Helper()
	var (
		seen []retry
		msg  string
	)
	eventually(t, timeout, func() (bool, string) {
		app := e.app(t, name)
		msg = condition(app, v1alpha1.ApplicationConditionComparisonError)
		if msg == "" {
			return false, "no ComparisonError yet: " + describe(app)
		}
		for _, n := range names {
			if !strings.Contains(msg, n) {
				t.Fatalf("the ComparisonError does not name %q: %s", n, msg)
			}
		}
		r, ok := parseRetry(msg)
		if !ok {
			t.Fatalf("the ComparisonError does not say when it is retried: %s", msg)
		}
		if len(seen) == 0 || seen[len(seen)-1].attempt != r.attempt {
			if len(seen) > 0 && r.attempt < seen[len(seen)-1].attempt {
				t.Fatalf("attempts went back from %d to %d: %s", seen[len(seen)-1].attempt, r.attempt, msg)
			}
			seen = append(seen, r)
		}
		return r.attempt >= until, fmt.Sprintf("attempts seen %v; %s", seen, describe(app))
	})
	t.Logf("%s: ComparisonError: %s", name, msg)
	for _, r := range seen {
		want := faultBackoff
		for i := 1; i < r.attempt && want < faultBackoffMax; i++ {
			want *= 2
		}
		want = min(want, faultBackoffMax)
		if r.wait != want {
			t.Errorf("attempt %d announced a retry in %s, want %s (backoff %s doubling up to %s); attempts %v", r.attempt, r.wait, want, faultBackoff, faultBackoffMax, seen)
		}
	}
	return seen
}
