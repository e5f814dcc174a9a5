package controller_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/apply"
	"flotilla.dev/flotilla/internal/controller/controllertest"
	"flotilla.dev/flotilla/internal/controlplane/kubetest"
	"flotilla.dev/flotilla/internal/source/git/gittest"
)

// handOverNamespace plays Argo CD's namespace for the hand-over test: a
// controller of its own, so the argocd-cm written there is read by it
// alone.
const handOverNamespace = "handover-cd"

// handOverApp is the Application Argo CD managed, taken over as it is:
// no automated sync, so its first status is compare alone.
func handOverApp(repoURL, dest string) string {
	return fmt.Sprintf(`apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: handover
spec:
  project: default
  source: {repoURL: %s, path: app, targetRevision: HEAD}
  destination: {server: "https://kubernetes.default.svc", namespace: %s}
`, repoURL, dest)
}

func handOverConfigMap(name string, data map[string]string) string {
	b, _ := yaml.Marshal(map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]any{"name": name}, "data": data})
	return string(b)
}

func handOverClusterRole(name string, verbs ...string) string {
	b, _ := yaml.Marshal(map[string]any{
		"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": map[string]any{"name": name},
		"rules": []any{map[string]any{"apiGroups": []string{""}, "resources": []string{"configmaps"}, "verbs": verbs}},
	})
	return string(b)
}

// TestHandOverFromArgoCD takes over objects Argo CD left behind: one
// created by client-side apply under label tracking (instance label, the
// last-applied annotation, manager kubectl-client-side-apply), and two
// server-side applied by argocd-controller with tracking ids (one
// cluster-scoped, whose id carries the destination namespace).
func TestHandOverFromArgoCD(t *testing.T) {
	opts := controllertest.Options(handOverNamespace)
	opts.Embedded = true // other tests of this binary start controllers too
	c := controllertest.StartWith(t, opts)
	ctx := context.Background()
	argocdCM := &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Namespace: handOverNamespace, Name: "argocd-cm"},
		Data:       map[string]string{"application.resourceTrackingMethod": "annotation+label"},
	}
	if err := c.Create(ctx, argocdCM); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Delete(ctx, argocdCM) })
	dest := kubetest.NewNamespace(t, c)
	role := "handover-" + dest
	repo := gittest.NewServer(t).NewRepo(t, "handover")
	data := map[string]string{"keep": "1", "drop": "2"}
	repo.Commit(t, map[string]string{
		"app/legacy.yaml": handOverConfigMap("legacy", data),
		"app/modern.yaml": handOverConfigMap("modern", data),
		"app/role.yaml":   handOverClusterRole(role, "get", "list"),
	}, "as argo cd synced it")

	uids := map[string]types.UID{
		"legacy": createClientSideApplied(t, c, dest, "legacy", data),
		"modern": serverSideAppliedByArgoCD(t, c, handOverConfigMap("modern", data), dest, "handover:/ConfigMap:"+dest+"/modern"),
		"role":   serverSideAppliedByArgoCD(t, c, handOverClusterRole(role, "get", "list"), "", "handover:rbac.authorization.k8s.io/ClusterRole:"+dest+"/"+role),
	}
	t.Cleanup(func() { _ = c.Delete(ctx, &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: role}}) })

	createAppIn(t, c, handOverNamespace, handOverApp(repo.URL(), dest))
	t.Run("adopted without a diff", func(t *testing.T) {
		app := waitHandOver(t, c, func(app *v1alpha1.Application) bool { return app.Status.Sync.Status == v1alpha1.SyncStatusCodeSynced })
		if app.Status.OperationState != nil || len(app.Status.Conditions) != 0 {
			t.Errorf("adoption ran an operation or raised conditions: %s", describe(app))
		}
		for _, r := range app.Status.Resources {
			if r.Status != v1alpha1.SyncStatusCodeSynced || r.RequiresPruning {
				t.Errorf("resource %s/%s is %s (prune %t)", r.Kind, r.Name, r.Status, r.RequiresPruning)
			}
		}
		assertUIDs(t, c, dest, role, uids)
	})

	sha := repo.Commit(t, map[string]string{
		"app/legacy.yaml": handOverConfigMap("legacy", map[string]string{"keep": "1"}),
		"app/modern.yaml": handOverConfigMap("modern", map[string]string{"keep": "1"}),
		"app/role.yaml":   handOverClusterRole(role, "get"),
	}, "drop a field")
	refreshApp(t, c, "handover")
	t.Run("a field removed in git is a diff", func(t *testing.T) {
		waitHandOver(t, c, func(app *v1alpha1.Application) bool {
			return app.Status.Sync.Status == v1alpha1.SyncStatusCodeOutOfSync && app.Status.Sync.Revision == sha
		})
	})

	enableAutoSync(t, c, "handover")
	t.Run("synced: fields removed, nothing re-created or pruned", func(t *testing.T) {
		waitHandOver(t, c, func(app *v1alpha1.Application) bool {
			op := app.Status.OperationState
			return app.Status.Sync.Status == v1alpha1.SyncStatusCodeSynced && op != nil && op.Phase == v1alpha1.OperationSucceeded && app.Status.Sync.Revision == sha
		})
		assertUIDs(t, c, dest, role, uids)
		for _, name := range []string{"legacy", "modern"} {
			cm := &corev1.ConfigMap{}
			if err := c.Get(ctx, client.ObjectKey{Namespace: dest, Name: name}, cm); err != nil {
				t.Fatal(err)
			}
			if _, ok := cm.Data["drop"]; ok || cm.Data["keep"] != "1" {
				t.Errorf("%s data = %v, want only keep", name, cm.Data)
			}
			assertArgoCDTracking(t, cm.ObjectMeta, "handover:/ConfigMap:"+dest+"/"+name)
			if _, ok := cm.Annotations[corev1.LastAppliedConfigAnnotation]; ok {
				t.Errorf("%s keeps kubectl's last-applied annotation", name)
			}
		}
		cr := &rbacv1.ClusterRole{}
		if err := c.Get(ctx, client.ObjectKey{Name: role}, cr); err != nil {
			t.Fatal(err)
		}
		if len(cr.Rules) != 1 || strings.Join(cr.Rules[0].Verbs, ",") != "get" {
			t.Errorf("cluster role rules = %+v, want verbs [get]", cr.Rules)
		}
		assertArgoCDTracking(t, cr.ObjectMeta, "handover:rbac.authorization.k8s.io/ClusterRole:"+dest+"/"+role)
	})
}

// createClientSideApplied creates a ConfigMap as `kubectl apply` (Argo
// CD's client-side apply under label tracking) does, and returns its UID.
func createClientSideApplied(t *testing.T, c client.Client, ns, name string, data map[string]string) types.UID {
	t.Helper()
	labels := map[string]string{apply.DefaultInstanceLabel: "handover"}
	last, err := json.Marshal(map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "data": data,
		"metadata": map[string]any{"name": name, "namespace": ns, "labels": labels}})
	if err != nil {
		t.Fatal(err)
	}
	cm := &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: labels,
			Annotations: map[string]string{corev1.LastAppliedConfigAnnotation: string(last)}},
		Data: data,
	}
	if err := c.Create(context.Background(), cm, client.FieldOwner("kubectl-client-side-apply")); err != nil {
		t.Fatal(err)
	}
	return cm.UID
}

// serverSideAppliedByArgoCD applies manifest as Argo CD's server-side
// apply with annotation+label tracking does, and returns its UID.
func serverSideAppliedByArgoCD(t *testing.T, c client.Client, manifest, ns, id string) types.UID {
	t.Helper()
	u := &unstructured.Unstructured{}
	if err := yaml.Unmarshal([]byte(manifest), &u.Object); err != nil {
		t.Fatal(err)
	}
	u.SetNamespace(ns)
	u.SetAnnotations(map[string]string{apply.TrackingAnnotation: id})
	u.SetLabels(map[string]string{apply.DefaultInstanceLabel: "handover"})
	if err := c.Patch(context.Background(), u, client.Apply, client.FieldOwner("argocd-controller"), client.ForceOwnership); err != nil {
		t.Fatal(err)
	}
	return u.GetUID()
}

// waitHandOver waits until the hand-over app meets cond.
func waitHandOver(t *testing.T, c client.Client, cond func(*v1alpha1.Application) bool) *v1alpha1.Application {
	t.Helper()
	var app *v1alpha1.Application
	eventually(t, 60*time.Second, func() (bool, string) {
		app = getAppIn(t, c, handOverNamespace, "handover")
		return cond(app), describe(app)
	})
	return app
}

func refreshApp(t *testing.T, c client.Client, name string) {
	t.Helper()
	patch := []byte(`{"metadata":{"annotations":{"argocd.argoproj.io/refresh":"normal"}}}`)
	app := &v1alpha1.Application{ObjectMeta: objectMetaIn(handOverNamespace, name)}
	if err := c.Patch(context.Background(), app, client.RawPatch(types.MergePatchType, patch)); err != nil {
		t.Fatal(err)
	}
}

func enableAutoSync(t *testing.T, c client.Client, name string) {
	t.Helper()
	patch := []byte(`{"spec":{"syncPolicy":{"automated":{"prune":true}}}}`)
	app := &v1alpha1.Application{ObjectMeta: objectMetaIn(handOverNamespace, name)}
	if err := c.Patch(context.Background(), app, client.RawPatch(types.MergePatchType, patch)); err != nil {
		t.Fatal(err)
	}
}

// assertUIDs fails when an object was re-created or is gone.
func assertUIDs(t *testing.T, c client.Client, ns, role string, uids map[string]types.UID) {
	t.Helper()
	for name, uid := range uids {
		var obj client.Object = &corev1.ConfigMap{}
		key := client.ObjectKey{Namespace: ns, Name: name}
		if name == "role" {
			obj, key = &rbacv1.ClusterRole{}, client.ObjectKey{Name: role}
		}
		if err := c.Get(context.Background(), key, obj); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if obj.GetUID() != uid {
			t.Errorf("%s was re-created: uid %s, was %s", name, obj.GetUID(), uid)
		}
	}
}

// assertArgoCDTracking checks that Argo CD recognises the object under
// annotation+label: its tracking id and instance label, and that no field
// is left to Argo CD's managers.
func assertArgoCDTracking(t *testing.T, m metav1.ObjectMeta, id string) {
	t.Helper()
	if got := m.Annotations[apply.TrackingAnnotation]; got != id {
		t.Errorf("%s: tracking id %q, want %q", m.Name, got, id)
	}
	if got := m.Labels[apply.DefaultInstanceLabel]; got != "handover" {
		t.Errorf("%s: instance label %q, want handover", m.Name, got)
	}
	for _, e := range m.ManagedFields {
		if e.Manager == "argocd-controller" || e.Manager == "kubectl-client-side-apply" {
			t.Errorf("%s: %s still manages fields (%s)", m.Name, e.Manager, e.Operation)
		}
	}
}
