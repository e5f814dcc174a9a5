package controller_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/controlplane/kubetest"
	"flotilla.dev/flotilla/internal/source/git/gittest"
)

// gateLabel on the fake node lets Pods that select it run; without it
// they stay Pending, which holds a wave open for as long as a test needs.
const gateLabel = "flotilla.dev/test-gate"

func withAnnotations(manifest string, ann map[string]string) string {
	var b strings.Builder
	b.WriteString("metadata:\n  annotations:\n")
	for k, v := range ann {
		fmt.Fprintf(&b, "    %s: %q\n", k, v)
	}
	return strings.Replace(manifest, "metadata:\n", b.String(), 1)
}

func wave(manifest, w string) string {
	return withAnnotations(manifest, map[string]string{"argocd.argoproj.io/sync-wave": w})
}

// gatedDeployment needs the gate label on a node before its Pods run.
func gatedDeployment(name, gate string, extraSpec string) string {
	d := deployment(name, 1)
	d = strings.Replace(d, "    spec:\n      containers:", "    spec:\n      nodeSelector: {"+gateLabel+": "+gate+"}\n      containers:", 1)
	return strings.Replace(d, "spec:\n  replicas:", "spec:\n"+extraSpec+"  replicas:", 1)
}

func job(name string, ann map[string]string) string {
	return withAnnotations(fmt.Sprintf(`apiVersion: batch/v1
kind: Job
metadata:
  name: %s
spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: run
        image: busybox:1.36
`, name), ann)
}

// openGate labels every fake node with the gate value, and removes the
// label when the test ends.
func openGate(t *testing.T, c client.Client, gate string) {
	t.Helper()
	kubetest.OpenGate(t, c, gateLabel, gate)
}

func exists(c client.Client, obj client.Object, ns, name string) bool {
	return c.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, obj) == nil
}

func waitOperation(t *testing.T, c client.Client, name string, phase v1alpha1.OperationPhase, timeout time.Duration) *v1alpha1.Application {
	t.Helper()
	var app *v1alpha1.Application
	eventually(t, timeout, func() (bool, string) {
		app = getApp(t, c, name)
		op := app.Status.OperationState
		return op != nil && op.Phase == phase, describe(app)
	})
	return app
}

func TestWavesWaitForHealth(t *testing.T) {
	c := env(t)
	ns := kubetest.NewNamespace(t, c)
	srv := gittest.NewServer(t)
	repo := srv.NewRepo(t, "waves")
	repo.Commit(t, map[string]string{
		"app/a.yaml": wave(configMap("minus-one", "1"), "-1"),
		"app/b.yaml": configMap("zero", "1"),
		"app/c.yaml": wave(gatedDeployment("slow", "waves", ""), "1"),
		"app/d.yaml": wave(configMap("after", "1"), "2"),
	}, "waves")
	createApp(t, c, directoryApp("waves", repo.URL(), "app", ns, false))

	eventually(t, 60*time.Second, func() (bool, string) {
		app := getApp(t, c, "waves")
		op := app.Status.OperationState
		return op != nil && strings.Contains(op.Message, "Sync wave 1: waiting for healthy state of apps/Deployment "+ns+"/slow"), describe(app)
	})
	for _, n := range []string{"minus-one", "zero"} {
		if !exists(c, &corev1.ConfigMap{}, ns, n) {
			t.Errorf("%s of an earlier wave was not applied", n)
		}
	}
	time.Sleep(2 * time.Second) // give a wrong implementation the chance to apply wave 2
	if exists(c, &corev1.ConfigMap{}, ns, "after") {
		t.Fatal("wave 2 was applied before wave 1's Deployment was available")
	}
	openGate(t, c, "waves")
	app := waitOperation(t, c, "waves", v1alpha1.OperationSucceeded, 60*time.Second)
	var d appsv1.Deployment
	var after corev1.ConfigMap
	if !exists(c, &d, ns, "slow") || !exists(c, &after, ns, "after") {
		t.Fatalf("objects missing after the sync: %s", describe(app))
	}
	available := deploymentAvailableSince(&d)
	if after.CreationTimestamp.Before(&available) {
		t.Errorf("wave 2 created at %s, before wave 1 became available at %s", after.CreationTimestamp, available)
	}
}

func deploymentAvailableSince(d *appsv1.Deployment) metav1.Time {
	for _, c := range d.Status.Conditions {
		if c.Type == appsv1.DeploymentAvailable && c.Status == corev1.ConditionTrue {
			return c.LastTransitionTime
		}
	}
	return metav1.Time{}
}

func TestDegradedStopsSyncAndRunsSyncFailHooks(t *testing.T) {
	c := env(t)
	ns := kubetest.NewNamespace(t, c)
	srv := gittest.NewServer(t)
	repo := srv.NewRepo(t, "degraded")
	repo.Commit(t, map[string]string{
		"app/deploy.yaml":   wave(gatedDeployment("stuck", "never", "  progressDeadlineSeconds: 1\n"), "1"),
		"app/after.yaml":    wave(configMap("after", "1"), "2"),
		"app/on-fail.yaml":  job("on-fail", map[string]string{"argocd.argoproj.io/hook": "SyncFail"}),
		"app/presync.yaml":  job("pre", map[string]string{"argocd.argoproj.io/hook": "PreSync"}),
		"app/postsync.yaml": job("post", map[string]string{"argocd.argoproj.io/hook": "PostSync"}),
	}, "degraded")
	createApp(t, c, directoryApp("degraded", repo.URL(), "app", ns, false))

	app := waitOperation(t, c, "degraded", v1alpha1.OperationFailed, 90*time.Second)
	if msg := app.Status.OperationState.Message; !strings.Contains(msg, "apps/Deployment "+ns+"/stuck is Degraded") {
		t.Errorf("operation message %q does not name the Degraded Deployment", msg)
	}
	if !strings.Contains(condition(app, v1alpha1.ApplicationConditionSyncError), "Degraded") {
		t.Errorf("no SyncError condition: %s", describe(app))
	}
	var onFail batchv1.Job
	if !exists(c, &onFail, ns, "on-fail") {
		t.Error("the SyncFail hook did not run")
	}
	if exists(c, &corev1.ConfigMap{}, ns, "after") || exists(c, &batchv1.Job{}, ns, "post") {
		t.Error("the sync went on after a Degraded wave")
	}
	// The failed revision is not retried by automated sync without a retry policy.
	time.Sleep(3 * time.Second)
	if got := getApp(t, c, "degraded").Status.OperationState.Phase; got != v1alpha1.OperationFailed {
		t.Errorf("operation phase went to %s: a failed revision was synced again", got)
	}
}

func TestHooksRunInTheirPhases(t *testing.T) {
	c := env(t)
	ns := kubetest.NewNamespace(t, c)
	srv := gittest.NewServer(t)
	repo := srv.NewRepo(t, "hooks")
	repo.Commit(t, map[string]string{
		"app/deploy.yaml":   deployment("web", 1),
		"app/cm.yaml":       configMap("settings", "1"),
		"app/migrate.yaml":  job("migrate", map[string]string{"argocd.argoproj.io/hook": "PreSync"}),
		"app/smoke.yaml":    job("smoke", map[string]string{"argocd.argoproj.io/hook": "PostSync", "argocd.argoproj.io/hook-delete-policy": "HookSucceeded"}),
		"app/report.yaml":   job("report", map[string]string{"argocd.argoproj.io/hook": "PostSync", "argocd.argoproj.io/hook-delete-policy": "HookFailed"}),
		"app/helm-pre.yaml": job("helm-pre", map[string]string{"helm.sh/hook": "pre-install", "helm.sh/hook-delete-policy": "hook-succeeded"}),
		"app/skipped.yaml":  withAnnotations(configMap("skipped", "1"), map[string]string{"argocd.argoproj.io/hook": "Skip"}),
	}, "hooks")
	createApp(t, c, directoryApp("hooks", repo.URL(), "app", ns, false))
	app := waitOperation(t, c, "hooks", v1alpha1.OperationSucceeded, 90*time.Second)

	var migrate, report batchv1.Job
	var web appsv1.Deployment
	var settings corev1.ConfigMap
	if !exists(c, &migrate, ns, "migrate") || !exists(c, &report, ns, "report") || !exists(c, &web, ns, "web") || !exists(c, &settings, ns, "settings") {
		t.Fatalf("expected objects missing: %s", describe(app))
	}
	// (TestPreSyncHoldsSyncPhase and TestPostSyncWaitsForHealthySync hold
	// each phase open to show the order.)
	// Delete policies: HookSucceeded hooks are gone, the others stay.
	for _, gone := range []string{"smoke", "helm-pre"} {
		if exists(c, &batchv1.Job{}, ns, gone) {
			t.Errorf("hook %s with a hook-succeeded policy was not deleted", gone)
		}
	}
	if exists(c, &corev1.ConfigMap{}, ns, "skipped") {
		t.Error("a Skip hook was applied")
	}
	hooks := 0
	for _, r := range app.Status.OperationState.SyncResult.Resources {
		if r.HookType != "" {
			hooks++
			if r.HookPhase != v1alpha1.OperationSucceeded {
				t.Errorf("hook %s phase %s", r.Name, r.HookPhase)
			}
		}
	}
	if hooks != 4 {
		t.Errorf("%d hook results, want 4: %s", hooks, describe(app))
	}
	for _, r := range app.Status.Resources {
		if r.Kind == "Job" {
			t.Errorf("hook %s listed as a managed resource", r.Name)
		}
	}
}

func TestCRDAndCustomResourceInOneSync(t *testing.T) {
	c := env(t)
	ns := kubetest.NewNamespace(t, c)
	srv := gittest.NewServer(t)
	repo := srv.NewRepo(t, "crd")
	group := "t" + strings.ReplaceAll(ns[len(ns)-8:], "-", "") + ".example.com"
	repo.Commit(t, map[string]string{
		"app/crd.yaml":    crdManifest(group, "Widget", "widgets"),
		"app/widget.yaml": fmt.Sprintf("apiVersion: %s/v1\nkind: Widget\nmetadata:\n  name: w\nspec:\n  size: 3\n", group),
	}, "crd")
	createApp(t, c, directoryApp("crd", repo.URL(), "app", ns, false))
	deleteCRDWhenDone(t, c, "widgets."+group)
	waitSyncedHealthy(t, c, "crd", "", 90*time.Second)
	w := &unstructured.Unstructured{}
	w.SetAPIVersion(group + "/v1")
	w.SetKind("Widget")
	if err := c.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: "w"}, w); err != nil {
		t.Fatalf("custom resource: %v", err)
	}
}

func TestAppOfAppsWavesWaitForChildren(t *testing.T) {
	c := env(t)
	srv := gittest.NewServer(t)
	repo := srv.NewRepo(t, "waved-fleet")
	files := map[string]string{}
	var names []string
	for i := 1; i <= 4; i++ {
		ns := kubetest.NewNamespace(t, c)
		name := fmt.Sprintf("waved-%d", i)
		names = append(names, name)
		child := strings.Replace(directoryApp(name, repo.URL(), "workloads/"+name, ns, true), "metadata:\n", "metadata:\n  namespace: argocd\n", 1)
		files["apps/"+name+".yaml"] = wave(child, fmt.Sprint(i))
		files["workloads/"+name+"/deployment.yaml"] = deployment("web", 1)
		if i == 1 {
			files["workloads/"+name+"/deployment.yaml"] = gatedDeployment("web", "child-waves", "")
		}
	}
	repo.Commit(t, files, "waved fleet")
	createApp(t, c, directoryApp("waved-root", repo.URL(), "apps", appNamespace, true))
	t.Cleanup(func() {
		for _, n := range names {
			_ = c.Delete(context.Background(), &v1alpha1.Application{ObjectMeta: objectMeta(n)})
		}
	})
	// Child 1 is held unhealthy by the gate: child 2 must not be created.
	eventually(t, 60*time.Second, func() (bool, string) {
		app := &v1alpha1.Application{}
		if err := c.Get(context.Background(), client.ObjectKey{Namespace: appNamespace, Name: names[0]}, app); err != nil {
			return false, err.Error()
		}
		return app.Status.Sync.Status == v1alpha1.SyncStatusCodeSynced && app.Status.Health.Status == v1alpha1.HealthStatusProgressing, describe(app)
	})
	holdsFor(t, func() (bool, string) {
		return exists(c, &v1alpha1.Application{}, appNamespace, names[1]), names[1] + " was created while " + names[0] + " of the wave before was not Healthy"
	})
	openGate(t, c, "child-waves")
	waitSyncedHealthy(t, c, "waved-root", "", 180*time.Second)
	for _, n := range names {
		if app := getApp(t, c, n); app.Status.Health.Status != v1alpha1.HealthStatusHealthy || app.Status.Sync.Status != v1alpha1.SyncStatusCodeSynced {
			t.Fatalf("%s: %s", n, describe(app))
		}
	}
}

// TestPreSyncHoldsSyncPhase holds a PreSync hook Job open (its Pod waits
// for a gate) and shows that no Sync-phase object is applied until it
// completes.
func TestPreSyncHoldsSyncPhase(t *testing.T) {
	c := env(t)
	ns := kubetest.NewNamespace(t, c)
	repo := gittest.NewServer(t).NewRepo(t, "presync-gate")
	repo.Commit(t, map[string]string{
		"app/migrate.yaml": gatedJob(job("migrate", map[string]string{"argocd.argoproj.io/hook": "PreSync"}), "presync"),
		"app/cm.yaml":      configMap("settings", "1"),
	}, "gated presync")
	createApp(t, c, directoryApp("presync-gate", repo.URL(), "app", ns, false))
	eventually(t, 60*time.Second, func() (bool, string) {
		return exists(c, &batchv1.Job{}, ns, "migrate"), "the PreSync Job was not created"
	})
	holdsFor(t, func() (bool, string) {
		return exists(c, &corev1.ConfigMap{}, ns, "settings"), "a Sync-phase object was applied while the PreSync hook was running"
	})
	openGate(t, c, "presync")
	waitOperation(t, c, "presync-gate", v1alpha1.OperationSucceeded, 90*time.Second)
	if !exists(c, &corev1.ConfigMap{}, ns, "settings") {
		t.Fatal("the Sync phase did not run after the PreSync hook completed")
	}
}

// TestPostSyncWaitsForHealthySync holds a Sync-phase Deployment unhealthy
// behind a gate and shows that the PostSync hook is not created until it
// is Healthy.
func TestPostSyncWaitsForHealthySync(t *testing.T) {
	c := env(t)
	ns := kubetest.NewNamespace(t, c)
	repo := gittest.NewServer(t).NewRepo(t, "postsync-gate")
	repo.Commit(t, map[string]string{
		"app/deploy.yaml": gatedDeployment("web", "postsync", ""),
		"app/smoke.yaml":  job("smoke", map[string]string{"argocd.argoproj.io/hook": "PostSync"}),
	}, "gated sync")
	createApp(t, c, directoryApp("postsync-gate", repo.URL(), "app", ns, false))
	eventually(t, 60*time.Second, func() (bool, string) {
		return exists(c, &appsv1.Deployment{}, ns, "web"), "the Deployment was not applied"
	})
	holdsFor(t, func() (bool, string) {
		return exists(c, &batchv1.Job{}, ns, "smoke"), "the PostSync hook ran while the Sync phase was not Healthy"
	})
	openGate(t, c, "postsync")
	waitOperation(t, c, "postsync-gate", v1alpha1.OperationSucceeded, 90*time.Second)
	if !exists(c, &batchv1.Job{}, ns, "smoke") {
		t.Fatal("the PostSync hook did not run once the Sync phase was Healthy")
	}
}

// gatedJob makes a Job's Pod wait for the gate label on a node.
func gatedJob(manifest, gate string) string {
	return strings.Replace(manifest, "      restartPolicy: Never\n", "      restartPolicy: Never\n      nodeSelector: {"+gateLabel+": "+gate+"}\n", 1)
}

func TestKilledControllerResumesOperation(t *testing.T) {
	c := env(t)
	const appNS = "argocd-restart"
	if err := c.Create(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: appNS}}); client.IgnoreAlreadyExists(err) != nil {
		t.Fatal(err)
	}
	ns := kubetest.NewNamespace(t, c)
	srv := gittest.NewServer(t)
	repo := srv.NewRepo(t, "restart")
	repo.Commit(t, map[string]string{
		"app/pre.yaml":   job("pre", map[string]string{"argocd.argoproj.io/hook": "PreSync"}),
		"app/slow.yaml":  wave(gatedDeployment("slow", "restart", ""), "1"),
		"app/after.yaml": wave(configMap("after", "1"), "2"),
		"app/post.yaml":  job("post", map[string]string{"argocd.argoproj.io/hook": "PostSync"}),
	}, "restart")
	kubeconfig := kubetest.Plane(t).KubeconfigPath()
	first := startControllerProcess(t, kubeconfig, appNS)
	app := &v1alpha1.Application{}
	manifest := directoryApp("restart", repo.URL(), "app", ns, false)
	if err := yamlInto(manifest, app); err != nil {
		t.Fatal(err)
	}
	app.Namespace = appNS
	if err := c.Create(context.Background(), app); err != nil {
		t.Fatal(err)
	}
	key := client.ObjectKey{Namespace: appNS, Name: "restart"}
	eventually(t, 60*time.Second, func() (bool, string) {
		_ = c.Get(context.Background(), key, app)
		op := app.Status.OperationState
		return op != nil && strings.Contains(op.Message, "wave 1: waiting"), describe(app) + "\n" + first.log.String()
	})
	var pre batchv1.Job
	if !exists(c, &pre, ns, "pre") {
		t.Fatal("PreSync hook missing")
	}
	first.kill()

	second := startControllerProcess(t, kubeconfig, appNS)
	openGate(t, c, "restart")
	eventually(t, 90*time.Second, func() (bool, string) {
		_ = c.Get(context.Background(), key, app)
		op := app.Status.OperationState
		return op != nil && op.Phase == v1alpha1.OperationSucceeded, describe(app) + "\n" + second.log.String()
	})
	var preAfter, post batchv1.Job
	if !exists(c, &preAfter, ns, "pre") || preAfter.UID != pre.UID {
		t.Errorf("the PreSync hook ran again after the restart (uid %s -> %s)", pre.UID, preAfter.UID)
	}
	if !exists(c, &post, ns, "post") || !exists(c, &corev1.ConfigMap{}, ns, "after") {
		t.Errorf("the operation did not complete after the restart: %s", describe(app))
	}
	if app.Status.OperationState.StartedAt.IsZero() || len(app.Status.History) != 1 {
		t.Errorf("want one operation and one history entry: %s", describe(app))
	}
	_ = c.Delete(context.Background(), app)
	if err := c.Get(context.Background(), key, app); err != nil && !apierrors.IsNotFound(err) {
		t.Log(err)
	}
}

func TestIgnoreDifferencesKeepsScaledDeploymentSynced(t *testing.T) {
	c := env(t)
	ns := kubetest.NewNamespace(t, c)
	srv := gittest.NewServer(t)
	repo := srv.NewRepo(t, "scaled")
	repo.Commit(t, map[string]string{"app/deployment.yaml": deployment("web", 1)}, "web")
	manifest := directoryApp("scaled", repo.URL(), "app", ns, true) + `  ignoreDifferences:
  - group: apps
    kind: Deployment
    jsonPointers: [/spec/replicas]
`
	createApp(t, c, manifest)
	waitSyncedHealthy(t, c, "scaled", "", 60*time.Second)

	// The autoscaler scales the Deployment through its scale subresource.
	var d appsv1.Deployment
	if !exists(c, &d, ns, "web") {
		t.Fatal("deployment missing")
	}
	scale := &autoscalingv1.Scale{}
	if err := c.SubResource("scale").Get(context.Background(), &d, scale); err != nil {
		t.Fatal(err)
	}
	scale.Spec.Replicas = 3
	if err := c.SubResource("scale").Update(context.Background(), &d, client.WithSubResourceBody(scale), client.FieldOwner("horizontal-pod-autoscaler")); err != nil {
		t.Fatal(err)
	}
	refresh(t, c, "scaled")
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		app := getApp(t, c, "scaled")
		if app.Status.Sync.Status == v1alpha1.SyncStatusCodeOutOfSync {
			t.Fatalf("scaled Deployment made the app OutOfSync: %s", describe(app))
		}
		time.Sleep(250 * time.Millisecond)
	}
	if !exists(c, &d, ns, "web") || *d.Spec.Replicas != 3 {
		t.Fatalf("replicas = %d, want the autoscaler's 3 kept", *d.Spec.Replicas)
	}
	// Without the rule the same drift is OutOfSync (and selfHeal reverts it).
	app := getApp(t, c, "scaled")
	app.Spec.IgnoreDifferences = nil
	if err := c.Update(context.Background(), app); err != nil {
		t.Fatal(err)
	}
	eventually(t, 30*time.Second, func() (bool, string) {
		return exists(c, &d, ns, "web") && *d.Spec.Replicas == 1, fmt.Sprintf("replicas = %d", *d.Spec.Replicas)
	})
}

func TestCELHealthCheckFromConfigMap(t *testing.T) {
	c := env(t)
	ns := kubetest.NewNamespace(t, c)
	group := "h" + strings.ReplaceAll(ns[len(ns)-8:], "-", "") + ".example.com"
	cm := &corev1.ConfigMap{ObjectMeta: objectMeta("flotilla-health"), Data: map[string]string{
		"resource.customizations.health." + group + "_Gadget": `has(obj.status) && has(obj.status.ready) && obj.status.ready ? {"status": "Healthy"} : {"status": "Progressing", "message": "gadget warming up"}`,
	}}
	if err := c.Create(context.Background(), cm); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Delete(context.Background(), cm) })
	srv := gittest.NewServer(t)
	repo := srv.NewRepo(t, "cel")
	repo.Commit(t, map[string]string{
		"app/crd.yaml":    crdManifest(group, "Gadget", "gadgets"),
		"app/gadget.yaml": fmt.Sprintf("apiVersion: %s/v1\nkind: Gadget\nmetadata:\n  name: g\n", group),
	}, "cel")
	createApp(t, c, directoryApp("cel", repo.URL(), "app", ns, false))
	deleteCRDWhenDone(t, c, "gadgets."+group)
	eventually(t, 60*time.Second, func() (bool, string) {
		app := getApp(t, c, "cel")
		for _, r := range app.Status.Resources {
			if r.Kind == "Gadget" && r.Health != nil && r.Health.Message == "gadget warming up" {
				return app.Status.Health.Status == v1alpha1.HealthStatusProgressing, describe(app)
			}
		}
		return false, describe(app)
	})
	g := &unstructured.Unstructured{}
	g.SetAPIVersion(group + "/v1")
	g.SetKind("Gadget")
	if err := c.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: "g"}, g); err != nil {
		t.Fatal(err)
	}
	_ = unstructured.SetNestedField(g.Object, true, "status", "ready")
	if err := c.Update(context.Background(), g); err != nil {
		t.Fatal(err)
	}
	waitSyncedHealthy(t, c, "cel", "", 30*time.Second)
}

// crdManifest is a namespaced CRD of kind in group whose objects may hold
// any fields (status included, as it has no status subresource).
func crdManifest(group, kind, plural string) string {
	return fmt.Sprintf(`apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: %[3]s.%[1]s
spec:
  group: %[1]s
  scope: Namespaced
  names: {plural: %[3]s, singular: %[4]s, kind: %[2]s, listKind: %[2]sList}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        x-kubernetes-preserve-unknown-fields: true
`, group, kind, plural, strings.ToLower(kind))
}

// deleteCRDWhenDone removes a test's CRD (and so its objects) at the end.
func deleteCRDWhenDone(t *testing.T, c client.Client, name string) {
	t.Cleanup(func() {
		crd := &unstructured.Unstructured{}
		crd.SetAPIVersion("apiextensions.k8s.io/v1")
		crd.SetKind("CustomResourceDefinition")
		crd.SetName(name)
		_ = c.Delete(context.Background(), crd)
	})
}
