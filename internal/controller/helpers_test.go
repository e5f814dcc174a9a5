package controller_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/controlplane/kubetest"
)

// eventually polls cond until it reports done, failing the test with the
// last explanation after timeout.
func eventually(t *testing.T, timeout time.Duration, cond func() (bool, string)) {
	t.Helper()
	if ok, why := kubetest.Poll(timeout, 150*time.Millisecond, cond); !ok {
		t.Fatalf("condition not met within %s: %s", timeout, why)
	}
}

// holdsFor checks, over a few seconds while a gate holds an earlier step
// open, that what must wait has not happened: cond reports whether it did
// and what it was.
func holdsFor(t *testing.T, cond func() (bool, string)) {
	t.Helper()
	for range 20 {
		if happened, what := cond(); happened {
			t.Fatal(what)
		}
		time.Sleep(150 * time.Millisecond)
	}
}

// createApp creates an Application from YAML in the test namespace and
// deletes it when the test ends.
func createApp(t *testing.T, c client.Client, manifest string) *v1alpha1.Application {
	t.Helper()
	return createAppIn(t, c, appNamespace, manifest)
}

// createAppIn creates the Application of manifest in namespace ns and
// deletes it when the test ends.
func createAppIn(t *testing.T, c client.Client, ns, manifest string) *v1alpha1.Application {
	t.Helper()
	app := &v1alpha1.Application{}
	if err := yaml.UnmarshalStrict([]byte(manifest), app); err != nil {
		t.Fatalf("decode application: %v", err)
	}
	app.Namespace = ns
	if err := c.Create(context.Background(), app); err != nil {
		t.Fatalf("create application: %v", err)
	}
	t.Cleanup(func() { _ = c.Delete(context.Background(), app) })
	return app
}

func getApp(t *testing.T, c client.Client, name string) *v1alpha1.Application {
	t.Helper()
	return getAppIn(t, c, appNamespace, name)
}

func getAppIn(t *testing.T, c client.Client, ns, name string) *v1alpha1.Application {
	t.Helper()
	app := &v1alpha1.Application{}
	if err := c.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, app); err != nil {
		t.Fatalf("get application %s: %v", name, err)
	}
	return app
}

// waitSyncedHealthy waits until the app is Synced and Healthy at revision
// (any revision when empty) with no sync operation still running (the
// last step of a sync may record its end one reconcile after the objects
// turned healthy).
func waitSyncedHealthy(t *testing.T, c client.Client, name, revision string, timeout time.Duration) *v1alpha1.Application {
	t.Helper()
	var app *v1alpha1.Application
	eventually(t, timeout, func() (bool, string) {
		app = getApp(t, c, name)
		st := app.Status
		ok := st.Sync.Status == v1alpha1.SyncStatusCodeSynced && st.Health.Status == v1alpha1.HealthStatusHealthy &&
			(revision == "" || st.Sync.Revision == revision) &&
			(st.OperationState == nil || st.OperationState.Phase != v1alpha1.OperationRunning)
		return ok, describe(app)
	})
	return app
}

// refresh asks for a refresh, as `argocd app get --refresh` does.
func refresh(t *testing.T, c client.Client, name string) {
	t.Helper()
	app := getApp(t, c, name)
	patch := client.RawPatch("application/merge-patch+json", []byte(`{"metadata":{"annotations":{"argocd.argoproj.io/refresh":"normal"}}}`))
	if err := c.Patch(context.Background(), app, patch); err != nil {
		t.Fatalf("refresh %s: %v", name, err)
	}
}

func describe(app *v1alpha1.Application) string {
	var b strings.Builder
	fmt.Fprintf(&b, "app %s: sync=%s health=%s revision=%.7s", app.Name, app.Status.Sync.Status, app.Status.Health.Status, app.Status.Sync.Revision)
	for _, c := range app.Status.Conditions {
		fmt.Fprintf(&b, "\n  condition %s: %s", c.Type, c.Message)
	}
	for _, r := range app.Status.Resources {
		h := ""
		if r.Health != nil {
			h = string(r.Health.Status) + " " + r.Health.Message
		}
		fmt.Fprintf(&b, "\n  %s/%s %s: %s %s", r.Kind, r.Namespace, r.Name, r.Status, h)
	}
	if op := app.Status.OperationState; op != nil {
		fmt.Fprintf(&b, "\n  operation %s: %s", op.Phase, op.Message)
	}
	return b.String()
}

func condition(app *v1alpha1.Application, t v1alpha1.ApplicationConditionType) string {
	for _, c := range app.Status.Conditions {
		if c.Type == t {
			return c.Message
		}
	}
	return ""
}

func objectMeta(name string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Namespace: appNamespace, Name: name}
}

func objectMetaIn(ns, name string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Namespace: ns, Name: name}
}

func yamlInto(manifest string, into any) error {
	return yaml.UnmarshalStrict([]byte(manifest), into)
}
