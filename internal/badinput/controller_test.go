package badinput

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/controller"
	"flotilla.dev/flotilla/internal/controlplane/kubetest"
	"flotilla.dev/flotilla/internal/source/git/gittest"
)

// badRevisionPushed syncs the good revision, snapshots the namespace,
// pushes the bad revision (changing the Application as the case says),
// waits for the condition and checks that nothing changed.
func badRevisionPushed(t *testing.T, c client.Client, srv *gittest.Server, bc badCase, ns string) (string, usage) {
	repo := srv.NewRepo(t, bc.name)
	good := publishGood(t, repo, bc.good)
	createApp(t, c, application(bc, repo.URL(), "HEAD", ns))
	waitSynced(t, c, bc.name, good)
	before := snapshot(t, c, ns)
	pushBad(t, repo, badRevision(t, bc))
	u := measure(func() {
		refreshApp(t, c, bc.name, bc.app)
		waitCondition(t, c, bc, nil)
	})
	nothingChanged(t, c, bc.name, ns, good, before)
	return repo.URL(), u
}

// credentialsGoWrong syncs the good revision of a private repository
// with the right password in a repository Secret, then changes the
// Secret's password to a wrong one.
func credentialsGoWrong(t *testing.T, c client.Client, bc badCase, ns string) (string, usage) {
	private := gittest.NewServer(t, gittest.WithBasicAuth("bot", password))
	repo := private.NewRepo(t, bc.name)
	good := publishGood(t, repo, bc.good)
	secret := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{
			Namespace: appNamespace, Name: "repo-" + bc.name,
			Labels: map[string]string{"argocd.argoproj.io/secret-type": "repository"},
		},
		StringData: map[string]string{"type": "git", "url": repo.URL(), "username": "bot", "password": password},
	}
	if err := c.Create(context.Background(), secret); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Delete(context.Background(), secret) })
	createApp(t, c, application(bc, repo.URL(), "HEAD", ns))
	waitSynced(t, c, bc.name, good)
	before := snapshot(t, c, ns)
	u := measure(func() {
		err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
			if err := c.Get(context.Background(), client.ObjectKeyFromObject(secret), secret); err != nil {
				return err
			}
			secret.StringData = map[string]string{"password": wrongPassword}
			return c.Update(context.Background(), secret)
		})
		if err != nil {
			t.Fatalf("change the password: %v", err)
		}
		refreshApp(t, c, bc.name, nil)
		// The controller reads Secrets from its cache: ask again until
		// the new password has reached it.
		waitCondition(t, c, bc, func() { refreshApp(t, c, bc.name, nil) })
	})
	nothingChanged(t, c, bc.name, ns, good, before)
	return repo.URL(), u
}

// revisionGoesAway syncs the good revision through tag v1 (or its SHA,
// for commitGone), then force-pushes a history without it and collects
// the server's garbage.
func revisionGoesAway(t *testing.T, c client.Client, srv *gittest.Server, bc badCase, ns string) (string, usage) {
	repo := srv.NewRepo(t, bc.name)
	good := publishGood(t, repo, bc.good)
	repo.Tag(t, "v1")
	revision := "v1"
	if bc.flow == commitGone {
		revision = good
	}
	createApp(t, c, application(bc, repo.URL(), revision, ns))
	waitSynced(t, c, bc.name, good)
	before := snapshot(t, c, ns)
	forcePushAway(t, repo)
	u := measure(func() {
		asked := time.Now().Truncate(time.Second)
		refreshApp(t, c, bc.name, nil)
		if !bc.cached {
			waitCondition(t, c, bc, nil)
			return
		}
		eventually(t, func() (bool, string) {
			app := getApp(t, c, bc.name)
			_, pending := app.Annotations[controller.RefreshAnnotation]
			done := !pending && app.Status.ReconciledAt != nil && !app.Status.ReconciledAt.Time.Before(asked)
			return done, describe(app)
		})
	})
	nothingChanged(t, c, bc.name, ns, good, before)
	if bc.cached {
		app := waitSynced(t, c, bc.name, good)
		if msg := conditionMessage(app, v1alpha1.ApplicationConditionComparisonError); msg != "" {
			t.Errorf("a cached commit gave a condition: %s", msg)
		}
	}
	return repo.URL(), u
}

func createApp(t *testing.T, c client.Client, app *v1alpha1.Application) {
	t.Helper()
	if err := c.Create(context.Background(), app); err != nil {
		t.Fatalf("create application: %v", err)
	}
	t.Cleanup(func() { _ = c.Delete(context.Background(), app) })
}

func getApp(t *testing.T, c client.Client, name string) *v1alpha1.Application {
	t.Helper()
	app := &v1alpha1.Application{}
	if err := c.Get(context.Background(), client.ObjectKey{Namespace: appNamespace, Name: name}, app); err != nil {
		t.Fatalf("get application %s: %v", name, err)
	}
	return app
}

// refreshApp changes the Application with mutate (when given) and asks
// for a refresh, as `argocd app get --refresh` does.
func refreshApp(t *testing.T, c client.Client, name string, mutate func(*v1alpha1.Application)) {
	t.Helper()
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		app := getApp(t, c, name)
		if mutate != nil {
			mutate(app)
		}
		if app.Annotations == nil {
			app.Annotations = map[string]string{}
		}
		app.Annotations[controller.RefreshAnnotation] = "normal"
		return c.Update(context.Background(), app)
	})
	if err != nil {
		t.Fatalf("refresh %s: %v", name, err)
	}
}

// eventually polls cond until it holds, failing after hangLimit: a case
// that takes that long counts as a hang.
func eventually(t *testing.T, cond func() (bool, string)) {
	t.Helper()
	if ok, why := kubetest.Poll(hangLimit, 100*time.Millisecond, cond); !ok {
		t.Fatalf("no outcome within %s (a hang): %s", hangLimit, why)
	}
}

// waitSynced waits until the app is Synced and Healthy at revision with
// no operation running.
func waitSynced(t *testing.T, c client.Client, name, revision string) *v1alpha1.Application {
	t.Helper()
	var app *v1alpha1.Application
	eventually(t, func() (bool, string) {
		app = getApp(t, c, name)
		st := app.Status
		return st.Sync.Status == v1alpha1.SyncStatusCodeSynced && st.Health.Status == v1alpha1.HealthStatusHealthy &&
			st.Sync.Revision == revision && (st.OperationState == nil || st.OperationState.Phase != v1alpha1.OperationRunning), describe(app)
	})
	return app
}

// waitCondition waits for a ComparisonError saying all of bc.want,
// calling again (when given) every five seconds meanwhile.
func waitCondition(t *testing.T, c client.Client, bc badCase, again func()) {
	t.Helper()
	last := time.Now()
	eventually(t, func() (bool, string) {
		app := getApp(t, c, bc.name)
		msg := conditionMessage(app, v1alpha1.ApplicationConditionComparisonError)
		ok := msg != ""
		for _, w := range bc.want {
			ok = ok && strings.Contains(msg, w)
		}
		if !ok && again != nil && time.Since(last) > 5*time.Second {
			again()
			last = time.Now()
		}
		return ok, fmt.Sprintf("want a ComparisonError saying %q; %s", bc.want, describe(app))
	})
}

// snapshot is every ConfigMap of the namespace but kube-root-ca.crt, by
// name: its uid, resourceVersion and data.
func snapshot(t *testing.T, c client.Client, ns string) map[string]string {
	t.Helper()
	var list corev1.ConfigMapList
	if err := c.List(context.Background(), &list, client.InNamespace(ns)); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, cm := range list.Items {
		if cm.Name != "kube-root-ca.crt" {
			out[cm.Name] = fmt.Sprintf("uid=%s rv=%s data=%v", cm.UID, cm.ResourceVersion, cm.Data)
		}
	}
	return out
}

// nothingChanged checks that the objects of the good revision run as
// before (none changed, none pruned, none added) and that no sync ran
// since the good one.
func nothingChanged(t *testing.T, c client.Client, name, ns, good string, before map[string]string) {
	t.Helper()
	if len(before) != 2 || !strings.Contains(before["settings"], "value:good") || !strings.Contains(before["keep"], "value:good") {
		t.Fatalf("the good revision did not run settings and keep: %v", before)
	}
	after := snapshot(t, c, ns)
	for _, n := range sortedKeys(before, after) {
		if before[n] != after[n] {
			t.Errorf("ConfigMap %s changed:\n  before: %s\n  after:  %s", n, before[n], after[n])
		}
	}
	app := getApp(t, c, name)
	if op := app.Status.OperationState; op == nil || op.SyncResult == nil || op.SyncResult.Revision != good {
		t.Errorf("a sync ran after the good revision %.7s: %s", good, describe(app))
	}
}

func sortedKeys(maps ...map[string]string) []string {
	seen := map[string]bool{}
	var keys []string
	for _, m := range maps {
		for k := range m {
			if !seen[k] {
				seen[k] = true
				keys = append(keys, k)
			}
		}
	}
	sort.Strings(keys)
	return keys
}

func conditionMessage(app *v1alpha1.Application, typ v1alpha1.ApplicationConditionType) string {
	for _, c := range app.Status.Conditions {
		if c.Type == typ {
			return c.Message
		}
	}
	return ""
}

func describe(app *v1alpha1.Application) string {
	var b strings.Builder
	fmt.Fprintf(&b, "app %s: sync=%s health=%s revision=%.7s", app.Name, app.Status.Sync.Status, app.Status.Health.Status, app.Status.Sync.Revision)
	for _, c := range app.Status.Conditions {
		fmt.Fprintf(&b, "\n  condition %s: %s", c.Type, c.Message)
	}
	if op := app.Status.OperationState; op != nil {
		fmt.Fprintf(&b, "\n  operation %s: %s", op.Phase, op.Message)
	}
	return b.String()
}
