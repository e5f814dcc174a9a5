package controller_test

import (
	"context"
	"fmt"
	"syscall"
	"testing"
	"time"

	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/apply"
	"flotilla.dev/flotilla/internal/controlplane/kubetest"
	"flotilla.dev/flotilla/internal/object"
	"flotilla.dev/flotilla/internal/source/git/gittest"
)

const benchObjects = 1000

func benchConfigMaps() map[string]string {
	files := map[string]string{}
	for i := 0; i < benchObjects; i++ {
		files[fmt.Sprintf("app/cm-%04d.yaml", i)] = configMap(fmt.Sprintf("cm-%04d", i), "value")
	}
	return files
}

// cpuTime is this process's user+system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkSync1000 syncs one Application of 1000 ConfigMaps from scratch
// (objects/s), then measures the controller's CPU time for one full
// resync with nothing changed, and the rate of a bare client applying the
// same 1000 objects with server-side apply as the limit to compare with.
// Run: go test ./internal/controller -run XXX -bench Sync1000 -benchtime 1x
func BenchmarkSync1000(b *testing.B) {
	c := env(b)
	for i := 0; i < b.N; i++ {
		ns := kubetest.NewNamespace(b, c)
		repo := gittest.NewLocalRepo(b)
		repo.Commit(b, benchConfigMaps(), "1000 configmaps")
		app := &v1alpha1.Application{}
		name := fmt.Sprintf("bench-%d-%d", i, time.Now().UnixNano()%100000)
		if err := yamlInto(directoryApp(name, repo.URL(), "app", ns, false), app); err != nil {
			b.Fatal(err)
		}
		app.Namespace = appNamespace
		start := time.Now()
		if err := c.Create(context.Background(), app); err != nil {
			b.Fatal(err)
		}
		waitFor(b, 10*time.Minute, func() bool {
			got := &v1alpha1.Application{}
			_ = c.Get(context.Background(), client.ObjectKeyFromObject(app), got)
			op := got.Status.OperationState
			return op != nil && op.Phase == v1alpha1.OperationSucceeded && got.Status.Sync.Status == v1alpha1.SyncStatusCodeSynced
		})
		syncTime := time.Since(start)
		b.ReportMetric(float64(benchObjects)/syncTime.Seconds(), "objects/s")

		time.Sleep(2 * time.Second) // let the events of the sync settle
		cpu0, t0 := cpuTime(), time.Now()
		patch := client.RawPatch("application/merge-patch+json", []byte(`{"metadata":{"annotations":{"argocd.argoproj.io/refresh":"normal"}}}`))
		if err := c.Patch(context.Background(), app, patch); err != nil {
			b.Fatal(err)
		}
		waitFor(b, 5*time.Minute, func() bool {
			got := &v1alpha1.Application{}
			_ = c.Get(context.Background(), client.ObjectKeyFromObject(app), got)
			_, pending := got.Annotations["argocd.argoproj.io/refresh"]
			return !pending
		})
		b.ReportMetric((cpuTime() - cpu0).Seconds(), "nochange-cpu-s")
		b.ReportMetric(time.Since(t0).Seconds(), "nochange-wall-s")
		b.ReportMetric(bareSSARate(b, kubetest.Plane(b).RESTConfig(), kubetest.NewNamespace(b, c)), "bare-ssa-objects/s")
		_ = c.Delete(context.Background(), app)
	}
}

// bareSSARate applies the same 1000 ConfigMaps one by one with server-side
// apply, as the limit a sync can approach.
func bareSSARate(b *testing.B, cfg *rest.Config, ns string) float64 {
	ac, err := apply.NewForConfig(cfg)
	if err != nil {
		b.Fatal(err)
	}
	var objs []string
	for _, f := range benchConfigMaps() {
		objs = append(objs, f)
	}
	start := time.Now()
	for _, f := range objs {
		decoded, err := object.Decode([]byte(f))
		if err != nil {
			b.Fatal(err)
		}
		decoded[0].SetNamespace(ns)
		if _, err := ac.Apply(context.Background(), decoded[0]); err != nil {
			b.Fatal(err)
		}
	}
	return float64(len(objs)) / time.Since(start).Seconds()
}

func waitFor(b *testing.B, timeout time.Duration, cond func() bool) {
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			b.Fatalf("not done within %s", timeout)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
