package controller

import (
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"flotilla.dev/flotilla/api/v1alpha1"
)

func runningApp(started time.Time, resources ...*v1alpha1.ResourceResult) *v1alpha1.Application {
	app := &v1alpha1.Application{ObjectMeta: metav1.ObjectMeta{Namespace: "argocd", Name: "a", ResourceVersion: "7"}}
	app.Status.OperationState = &v1alpha1.OperationState{
		Operation:  v1alpha1.Operation{Sync: &v1alpha1.SyncOperation{}, Info: []*v1alpha1.Info{{Name: operationIDInfo, Value: "op-1"}}},
		Phase:      v1alpha1.OperationRunning,
		StartedAt:  metav1.NewTime(started),
		SyncResult: &v1alpha1.SyncOperationResult{Resources: resources},
	}
	return app
}

func TestHoldWrite(t *testing.T) {
	now := time.Now()
	cm := &v1alpha1.ResourceResult{Kind: "ConfigMap", Name: "cm", Status: v1alpha1.ResultCodeSynced}
	hook := &v1alpha1.ResourceResult{Kind: "Job", Name: "pre", HookType: "PreSync"}
	stored := &v1alpha1.Application{}
	written := runningApp(now) // the same operation, already stored Running
	done := runningApp(now, cm)
	done.Status.OperationState.Phase = v1alpha1.OperationSucceeded
	tests := []struct {
		name   string
		stored *v1alpha1.Application
		app    *v1alpha1.Application
		hold   bool
	}{
		{"a new operation of resources alone, just begun", stored, runningApp(now, cm), true},
		{"begun longer ago than holdDelay", stored, runningApp(now.Add(-holdDelay-time.Second), cm), false},
		{"with a hook", stored, runningApp(now, cm, hook), false},
		{"no step taken yet (started, to be written first)", stored, runningApp(now), false},
		{"already written Running once", written, runningApp(now, cm), false},
		{"ended", stored, done, false},
	}
	for _, tt := range tests {
		if _, got := holdWrite(tt.stored, tt.app); got != tt.hold {
			t.Errorf("%s: hold = %t, want %t", tt.name, got, tt.hold)
		}
	}
}

func TestPendingWrites(t *testing.T) {
	p := &pendingWrites{}
	stored := runningApp(time.Now())
	stored.Status.OperationState = nil
	stored.Kind, stored.APIVersion = "Application", "argoproj.io/v1alpha1"
	held := runningApp(time.Now(), &v1alpha1.ResourceResult{Name: "cm"})
	p.hold(stored, held)

	got := p.apply(stored)
	if got.Status.OperationState == nil || got.Kind != "Application" {
		t.Fatalf("the stored version gets its held progress with its own type meta: %+v", got)
	}
	got.Status.OperationState.Message = "changed"
	if again := p.apply(stored); again.Status.OperationState.Message == "changed" {
		t.Error("apply must hand out a copy")
	}

	newer := stored.DeepCopy()
	newer.ResourceVersion = "8"
	if got := p.apply(newer); got.Status.OperationState != nil {
		t.Error("another write drops the held progress")
	}
	if got := p.apply(stored); got.Status.OperationState != nil {
		t.Error("dropped progress stays dropped")
	}
}
