package appctl

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"flotilla.dev/flotilla/api/v1alpha1"
)

const (
	shaOne = "1111111111111111111111111111111111111111"
	shaTwo = "2222222222222222222222222222222222222222"
)

func TestAppSyncRequestsOperation(t *testing.T) {
	ctx := context.Background()
	c := fakeClient(t, application("web", nil))
	_, err := Sync(ctx, c, "argocd", "web", SyncOptions{
		Prune: true, Revision: shaOne, Username: "alice",
		Resources: []Resource{{Group: "apps", Kind: "Deployment", Name: "web"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	app, err := Get(ctx, c, "argocd", "web")
	if err != nil {
		t.Fatal(err)
	}
	op := app.Operation
	if op == nil || op.Sync == nil {
		t.Fatalf("no operation written: %+v", app)
	}
	want := v1alpha1.SyncOperation{Revision: shaOne, Prune: true,
		Resources: []v1alpha1.SyncOperationResource{{Group: "apps", Kind: "Deployment", Name: "web"}}}
	if op.Sync.Revision != want.Revision || !op.Sync.Prune || op.Sync.DryRun || !slices.Equal(op.Sync.Resources, want.Resources) {
		t.Errorf("sync = %+v, want %+v", *op.Sync, want)
	}
	if op.InitiatedBy.Username != "alice" {
		t.Errorf("initiated by %+v", op.InitiatedBy)
	}
	if _, asked := app.Annotations[RefreshAnnotation]; asked {
		t.Errorf("a sync to a given revision asked for a refresh: %v", app.Annotations)
	}
}

func TestAppSyncWithoutRevisionRefreshes(t *testing.T) {
	ctx := context.Background()
	c := fakeClient(t, application("web", nil))
	if _, err := Sync(ctx, c, "argocd", "web", SyncOptions{}); err != nil {
		t.Fatal(err)
	}
	app, _ := Get(ctx, c, "argocd", "web")
	if app.Operation == nil || app.Annotations[RefreshAnnotation] != "normal" {
		t.Errorf("operation %+v, annotations %v: want a sync and a normal refresh", app.Operation, app.Annotations)
	}
}

func TestAppSyncRefusedWhileOperationInProgress(t *testing.T) {
	requested := application("requested", nil)
	requested.Operation = &v1alpha1.Operation{Sync: &v1alpha1.SyncOperation{}}
	running := application("running", nil)
	running.Status.OperationState = &v1alpha1.OperationState{Phase: v1alpha1.OperationRunning, Message: "Sync wave 1: waiting"}
	done := application("done", nil)
	done.Status.OperationState = &v1alpha1.OperationState{Phase: v1alpha1.OperationFailed}
	c := fakeClient(t, requested, running, done)
	tests := []struct {
		name, want string
	}{
		{"requested", "waits for the controller"},
		{"running", "a sync is Running since"},
		{"done", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Sync(context.Background(), c, "argocd", tt.name, SyncOptions{})
			if tt.want == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if !errors.Is(err, ErrOperationInProgress) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want ErrOperationInProgress saying %q", err, tt.want)
			}
		})
	}
}

func TestAppSyncNotFound(t *testing.T) {
	_, err := Sync(context.Background(), fakeClient(t), "argocd", "nope", SyncOptions{})
	if !apierrors.IsNotFound(err) {
		t.Fatalf("err = %v, want NotFound", err)
	}
}

func TestAppRollback(t *testing.T) {
	withHistory := func(name string, automated bool) *v1alpha1.Application {
		app := application(name, nil)
		app.Spec.Source = &v1alpha1.ApplicationSource{RepoURL: "https://git.example.com/x", Path: "app"}
		app.Status.History = v1alpha1.RevisionHistories{
			{ID: 0, Revision: shaOne, Source: *app.Spec.Source},
			{ID: 1, Revision: shaTwo, Source: *app.Spec.Source},
		}
		if automated {
			app.Spec.SyncPolicy = &v1alpha1.SyncPolicy{Automated: &v1alpha1.SyncPolicyAutomated{}}
		}
		return app
	}
	disabled := withHistory("disabled", true)
	off := false
	disabled.Spec.SyncPolicy.Automated.Enabled = &off
	c := fakeClient(t, withHistory("manual", false), withHistory("unknown-id", false), withHistory("auto", true), disabled)
	tests := []struct {
		name    string
		id      int64
		wantErr string
		wantRev string
	}{
		{name: "manual", id: 0, wantRev: shaOne},
		{name: "auto", id: 0, wantErr: "disable it first"},
		{name: "disabled", id: 1, wantRev: shaTwo},
		{name: "unknown-id", id: 7, wantErr: "has no history entry 7 (it has ids 0, 1)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			_, err := RollbackWith(ctx, c, "argocd", tt.name, RollbackOptions{ID: tt.id, Prune: true, Username: "bob"})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			app, _ := Get(ctx, c, "argocd", tt.name)
			op := app.Operation
			if op == nil || op.Sync.Revision != tt.wantRev || !op.Sync.Prune || op.Sync.Source == nil || op.InitiatedBy.Username != "bob" {
				t.Fatalf("operation = %+v", op)
			}
			// a second request is refused while the first waits
			if _, err := Rollback(ctx, c, "argocd", tt.name, tt.id, false); !errors.Is(err, ErrOperationInProgress) {
				t.Errorf("second rollback: %v", err)
			}
		})
	}
	if _, err := Rollback(context.Background(), c, "argocd", "auto", 0, false); !errors.Is(err, ErrAutomatedSync) {
		t.Errorf("err = %v, want ErrAutomatedSync", err)
	}
}

func TestAppRefresh(t *testing.T) {
	for _, hard := range []bool{false, true} {
		c := fakeClient(t, application("web", map[string]string{"keep": "me"}))
		if err := Refresh(context.Background(), c, "argocd", "web", hard); err != nil {
			t.Fatal(err)
		}
		app, _ := Get(context.Background(), c, "argocd", "web")
		want := map[bool]string{false: "normal", true: "hard"}[hard]
		if got := app.Annotations[RefreshAnnotation]; got != want || app.Annotations["keep"] != "me" {
			t.Errorf("hard=%t: annotations %v", hard, app.Annotations)
		}
	}
	if err := Refresh(context.Background(), fakeClient(t), "argocd", "nope", false); !apierrors.IsNotFound(err) {
		t.Errorf("err = %v, want NotFound", err)
	}
}

func TestAppDeleteFinalizers(t *testing.T) {
	tests := []struct {
		name    string
		have    []string
		cascade bool
		want    []string
	}{
		{"cascade adds", []string{"other"}, true, []string{"other", ResourcesFinalizer}},
		{"cascade keeps a variant", []string{ResourcesFinalizer + "/background"}, true, []string{ResourcesFinalizer + "/background"}},
		{"non-cascade removes every variant", []string{ResourcesFinalizer, "other", ResourcesFinalizer + "/foreground"}, false, []string{"other"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			app := application("web", nil)
			app.Finalizers = tt.have
			c := fakeClient(t, app)
			if err := Delete(context.Background(), c, "argocd", "web", tt.cascade); err != nil {
				t.Fatal(err)
			}
			got, err := Get(context.Background(), c, "argocd", "web")
			if err != nil {
				t.Fatal(err) // every case keeps a finalizer, so the app stays, being deleted
			}
			if got.DeletionTimestamp == nil || !slices.Equal(got.Finalizers, tt.want) {
				t.Errorf("deleted=%v finalizers %v, want %v", got.DeletionTimestamp != nil, got.Finalizers, tt.want)
			}
		})
	}
}

func TestAppOperationInProgress(t *testing.T) {
	started := metav1.Date(2026, 1, 2, 15, 4, 5, 0, metav1.Now().Location())
	app := application("web", nil)
	if got := OperationInProgress(app); got != "" {
		t.Errorf("idle app: %q", got)
	}
	app.Status.OperationState = &v1alpha1.OperationState{Phase: v1alpha1.OperationRunning, StartedAt: started, Message: "m"}
	if got := OperationInProgress(app); !strings.HasPrefix(got, "a sync is Running since ") || !strings.HasSuffix(got, " (m)") {
		t.Errorf("running: %q", got)
	}
}
