package controller

import (
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"flotilla.dev/flotilla/api/v1alpha1"
)

func TestAutoSyncSkipReason(t *testing.T) {
	const rev = "1111111111111111111111111111111111111111"
	outOfSync := func() *comparison {
		return &comparison{
			revisions:  []string{rev},
			desired:    []*unstructured.Unstructured{{}},
			syncStatus: v1alpha1.SyncStatusCodeOutOfSync,
			resources:  []v1alpha1.ResourceStatus{{Name: "a", Status: v1alpha1.SyncStatusCodeOutOfSync}},
		}
	}
	lastSync := func(phase v1alpha1.OperationPhase, revision string, ago time.Duration) *v1alpha1.OperationState {
		finished := metav1.NewTime(time.Now().Add(-ago))
		return &v1alpha1.OperationState{
			Operation:  v1alpha1.Operation{Sync: &v1alpha1.SyncOperation{Revision: revision}},
			Phase:      phase,
			SyncResult: &v1alpha1.SyncOperationResult{Revision: revision},
			FinishedAt: &finished,
		}
	}
	disabled := false
	tests := []struct {
		name   string
		policy *v1alpha1.SyncPolicy
		cmp    func(*comparison)
		last   *v1alpha1.OperationState
		skip   bool
	}{
		{name: "no policy", policy: nil, skip: true},
		{name: "automated disabled by enabled=false", policy: &v1alpha1.SyncPolicy{Automated: &v1alpha1.SyncPolicyAutomated{Enabled: &disabled}}, skip: true},
		{name: "new revision syncs", policy: auto(false, false)},
		{name: "already synced", policy: auto(false, false), cmp: func(c *comparison) { c.syncStatus = v1alpha1.SyncStatusCodeSynced }, skip: true},
		{name: "comparison errors", policy: auto(false, false), cmp: func(c *comparison) { c.errs = []string{"x"} }, skip: true},
		{name: "only pruning without prune", policy: auto(false, false), cmp: func(c *comparison) { c.resources[0].RequiresPruning = true }, skip: true},
		{name: "only pruning with prune", policy: auto(true, false), cmp: func(c *comparison) { c.resources[0].RequiresPruning = true }},
		{name: "empty without allowEmpty", policy: auto(true, false), cmp: func(c *comparison) { c.desired = nil }, skip: true},
		{name: "drift without selfHeal", policy: auto(false, false), last: lastSync(v1alpha1.OperationSucceeded, rev, time.Minute), skip: true},
		{name: "drift with selfHeal", policy: auto(false, true), last: lastSync(v1alpha1.OperationSucceeded, rev, time.Minute)},
		{name: "drift with selfHeal inside backoff", policy: auto(false, true), last: lastSync(v1alpha1.OperationSucceeded, rev, time.Millisecond), skip: true},
		{name: "failed sync of same revision without selfHeal", policy: auto(false, false), last: lastSync(v1alpha1.OperationFailed, rev, time.Minute), skip: true},
		{name: "failed sync of same revision with selfHeal retries after backoff", policy: auto(false, true), last: lastSync(v1alpha1.OperationFailed, rev, time.Minute)},
		{name: "failed sync of older revision", policy: auto(false, false), last: lastSync(v1alpha1.OperationFailed, "2222222222222222222222222222222222222222", time.Minute)},
	}
	r := &Reconciler{SelfHealBackoff: time.Second}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmp := outOfSync()
			if tt.cmp != nil {
				tt.cmp(cmp)
			}
			app := &v1alpha1.Application{Spec: v1alpha1.ApplicationSpec{SyncPolicy: tt.policy}}
			app.Status.OperationState = tt.last
			why := r.autoSyncSkipReason(app, cmp)
			if tt.policy == nil || !tt.policy.IsAutomatedSyncEnabled() {
				op, _ := r.nextOperation(app, cmp)
				if op != nil {
					t.Fatal("an operation was started without automated sync")
				}
				return
			}
			if (why != "") != tt.skip {
				t.Fatalf("skip reason %q, want skip=%t", why, tt.skip)
			}
		})
	}
}

func auto(prune, selfHeal bool) *v1alpha1.SyncPolicy {
	return &v1alpha1.SyncPolicy{Automated: &v1alpha1.SyncPolicyAutomated{Prune: prune, SelfHeal: selfHeal}}
}

func TestAddHistoryKeepsLimit(t *testing.T) {
	limit := int64(3)
	app := &v1alpha1.Application{Spec: v1alpha1.ApplicationSpec{RevisionHistoryLimit: &limit}}
	for i := 0; i < 5; i++ {
		now := metav1.Now()
		st := &v1alpha1.OperationState{SyncResult: &v1alpha1.SyncOperationResult{Revision: string(rune('a' + i))}, FinishedAt: &now}
		addHistory(app, st, now)
	}
	if len(app.Status.History) != 3 {
		t.Fatalf("history has %d entries, want 3", len(app.Status.History))
	}
	if app.Status.History[0].ID != 2 || app.Status.History[2].ID != 4 || app.Status.History[2].Revision != "e" {
		t.Fatalf("history = %+v", app.Status.History)
	}
}

func TestSelfHealBackoffIncreases(t *testing.T) {
	r := &Reconciler{SelfHealBackoff: 5 * time.Second}
	want := []time.Duration{5 * time.Second, 10 * time.Second, 20 * time.Second, 40 * time.Second}
	for n, w := range want {
		if got := r.selfHealBackoff(int64(n)); got != w {
			t.Errorf("attempt %d: %s, want %s", n, got, w)
		}
	}
	if got := r.selfHealBackoff(20); got != maxSelfHealBackoff {
		t.Errorf("capped backoff = %s", got)
	}
}

func TestRetryBackoff(t *testing.T) {
	factor := int64(3)
	tests := []struct {
		b    *v1alpha1.Backoff
		n    int64
		want time.Duration
	}{
		{nil, 0, 5 * time.Second},
		{nil, 1, 10 * time.Second},
		{nil, 10, 3 * time.Minute},
		{&v1alpha1.Backoff{Duration: "2s", Factor: &factor, MaxDuration: "1m"}, 2, 18 * time.Second},
		{&v1alpha1.Backoff{Duration: "30", MaxDuration: "40s"}, 1, 40 * time.Second},
	}
	for _, tt := range tests {
		if got := backoff(tt.b, tt.n); got != tt.want {
			t.Errorf("backoff(%+v, %d) = %s, want %s", tt.b, tt.n, got, tt.want)
		}
	}
	st := &v1alpha1.OperationState{Operation: v1alpha1.Operation{Retry: v1alpha1.RetryStrategy{Limit: 2}}}
	for i := 0; i < 2; i++ {
		if _, ok := nextRetry(st); !ok {
			t.Fatalf("attempt %d not retried", i)
		}
		st.RetryCount++
	}
	if _, ok := nextRetry(st); ok {
		t.Fatal("retried past the limit")
	}
	st.Operation.Retry.Limit = -1
	if _, ok := nextRetry(st); !ok {
		t.Fatal("negative limit must retry forever")
	}
}
