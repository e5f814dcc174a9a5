package controller_test

import (
	"context"
	"strings"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/controlplane/kubetest"
	"flotilla.dev/flotilla/internal/source/git/gittest"
)

func withRetry(manifest, retry string) string {
	return manifest + "    retry:\n" + retry
}

func jobUID(c client.Client, ns, name string) types.UID {
	var j batchv1.Job
	if err := c.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, &j); err != nil {
		return ""
	}
	return j.UID
}

func TestRetryRerunsFailedPreSyncHook(t *testing.T) {
	c := env(t)
	ns := kubetest.NewNamespace(t, c)
	repo := gittest.NewServer(t).NewRepo(t, "retry-hook")
	repo.Commit(t, map[string]string{
		"app/cm.yaml":  configMap("settings", "1"),
		"app/pre.yaml": deadlineJob("migrate", "retry-hook", 3, map[string]string{"argocd.argoproj.io/hook": "PreSync"}),
	}, "retry hook")
	createApp(t, c, withRetry(directoryApp("retry-hook", repo.URL(), "app", ns, false),
		"      limit: 3\n      backoff: {duration: 3s, factor: 1, maxDuration: 3s}\n"))

	var first types.UID
	eventually(t, 60*time.Second, func() (bool, string) {
		first = jobUID(c, ns, "migrate")
		return first != "", "PreSync hook not created"
	})
	// The first attempt fails (its Job's deadline passes behind the gate).
	eventually(t, 60*time.Second, func() (bool, string) {
		app := getApp(t, c, "retry-hook")
		op := app.Status.OperationState
		return op != nil && op.RetryCount == 1 && op.Phase == v1alpha1.OperationRunning, describe(app)
	})
	if exists(c, &batchv1.Job{}, ns, "settings") {
		t.Fatal("the Sync phase ran after a failed PreSync hook")
	}
	openGate(t, c, "retry-hook")
	app := waitOperation(t, c, "retry-hook", v1alpha1.OperationSucceeded, 90*time.Second)
	second := jobUID(c, ns, "migrate")
	if second == "" || second == first {
		t.Fatalf("the retry did not run the PreSync hook again: Job UIDs %q then %q", first, second)
	}
	if n := app.Status.OperationState.RetryCount; n != 1 {
		t.Errorf("retryCount = %d, want 1", n)
	}
	if configValue(t, c, ns, "settings") != "1" {
		t.Errorf("the retry did not sync: %s", describe(app))
	}
}

// attempt is one attempt of a retried operation as the test saw it.
type attempt struct {
	created    time.Time // its hook Job's creationTimestamp
	finishedAt time.Time // the failed attempt's finishedAt, before the retry
	message    string
}

func TestRetryBackoffTiming(t *testing.T) {
	c := env(t)
	ns := kubetest.NewNamespace(t, c)
	repo := gittest.NewServer(t).NewRepo(t, "retry-timing")
	repo.Commit(t, map[string]string{
		"app/cm.yaml":  configMap("settings", "1"),
		"app/pre.yaml": deadlineJob("doomed", "never", 1, map[string]string{"argocd.argoproj.io/hook": "PreSync"}),
	}, "always fails")
	// Waits 2s, then 2s×2 capped at 3s.
	createApp(t, c, withRetry(directoryApp("retry-timing", repo.URL(), "app", ns, false),
		"      limit: 2\n      backoff: {duration: 2s, factor: 2, maxDuration: 3s}\n"))

	attempts := map[types.UID]*attempt{}
	var order []types.UID
	var app *v1alpha1.Application
	deadline := time.Now().Add(120 * time.Second)
	for {
		if time.Now().After(deadline) {
			t.Fatalf("operation did not fail after its retries: %s", describe(app))
		}
		var j batchv1.Job
		if exists(c, &j, ns, "doomed") && attempts[j.UID] == nil {
			attempts[j.UID] = &attempt{created: j.CreationTimestamp.Time}
			order = append(order, j.UID)
		}
		app = getApp(t, c, "retry-timing")
		op := app.Status.OperationState
		if op != nil && op.FinishedAt != nil && op.Phase == v1alpha1.OperationRunning && len(order) > 0 {
			a := attempts[order[len(order)-1]]
			a.finishedAt, a.message = op.FinishedAt.Time, op.Message
		}
		if op != nil && (op.Phase == v1alpha1.OperationFailed || op.Phase == v1alpha1.OperationSucceeded) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if op := app.Status.OperationState; op.Phase != v1alpha1.OperationFailed || op.RetryCount != 2 || len(order) != 3 {
		t.Fatalf("operation %s after %d retries and %d hook Jobs, want Failed, 2 and 3: %s: %s", op.Phase, op.RetryCount, len(order), op.Message, describe(app))
	}
	for i, want := range []time.Duration{2 * time.Second, 3 * time.Second} {
		failed, next := attempts[order[i]], attempts[order[i+1]]
		if failed.finishedAt.IsZero() {
			t.Fatalf("attempt %d: no retry seen", i+1)
		}
		// Both times are whole seconds; the retry is due at finishedAt +
		// backoff, and its Job is created no sooner.
		gap := next.created.Sub(failed.finishedAt)
		t.Logf("attempt %d: retried %s after the failure (backoff %s)", i+2, gap, want)
		if gap < want || gap > want+8*time.Second {
			t.Errorf("attempt %d started %s after attempt %d failed, want %s (message %q)", i+2, gap, i+1, want, failed.message)
		}
		if !strings.Contains(failed.message, "in "+want.String()) {
			t.Errorf("attempt %d message %q does not announce the %s backoff", i+1, failed.message, want)
		}
	}
}

func TestRetryRefreshSyncsNewestRevision(t *testing.T) {
	c := env(t)
	ns := kubetest.NewNamespace(t, c)
	repo := gittest.NewServer(t).NewRepo(t, "retry-refresh")
	broken := repo.Commit(t, map[string]string{
		"app/cm.yaml":  configMap("settings", "broken"),
		"app/pre.yaml": deadlineJob("check", "never", 1, map[string]string{"argocd.argoproj.io/hook": "PreSync"}),
	}, "broken")
	createApp(t, c, withRetry(directoryApp("retry-refresh", repo.URL(), "app", ns, false),
		"      limit: 5\n      refresh: true\n      backoff: {duration: 3s, factor: 1, maxDuration: 3s}\n"))
	var started time.Time
	eventually(t, 60*time.Second, func() (bool, string) {
		app := getApp(t, c, "retry-refresh")
		op := app.Status.OperationState
		if op != nil {
			started = op.StartedAt.Time
		}
		return op != nil && op.RetryCount >= 1 && op.SyncResult != nil && op.SyncResult.Revision == broken, describe(app)
	})
	repo.Commit(t, map[string]string{"app/cm.yaml": configMap("settings", "fixed")}, "settings fixed")
	fixed := repo.Remove(t, []string{"app/pre.yaml"}, "failing check removed")
	app := waitOperation(t, c, "retry-refresh", v1alpha1.OperationSucceeded, 90*time.Second)
	op := app.Status.OperationState
	if op.SyncResult.Revision != fixed || op.Operation.Sync.Revision != fixed {
		t.Errorf("the retry synced %s (operation %s), want the newest %s", op.SyncResult.Revision, op.Operation.Sync.Revision, fixed)
	}
	if op.RetryCount < 1 || !op.StartedAt.Time.Equal(started) {
		t.Errorf("not the retried operation (retryCount %d, started %s, first started %s)", op.RetryCount, op.StartedAt, started)
	}
	if got := configValue(t, c, ns, "settings"); got != "fixed" {
		t.Errorf("settings = %s, want fixed", got)
	}
}
