package controller_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/apply"
	"flotilla.dev/flotilla/internal/controlplane/kubetest"
	"flotilla.dev/flotilla/internal/source/git/gittest"
)

// The tests of this file and syncoptions_prune_test.go prove each sync
// option of docs/sync.md on the live objects. Options proven elsewhere:
// Validate=false and Replace=true (TestValidateAndReplaceSyncOptions),
// Force=true with Replace=true (TestSyncOptionReplaceAndForce below),
// Delete=false (TestDeletionCascadesWithFinalizer), ignoreDifferences in
// compare (TestIgnoreDifferencesKeepsScaledDeploymentSynced).

// withSyncOptions adds Application-level syncOptions to an app manifest
// (as directoryApp or manualApp write it).
func withSyncOptions(manifest string, opts ...string) string {
	var b strings.Builder
	b.WriteString("  syncPolicy:\n    syncOptions:\n")
	for _, o := range opts {
		fmt.Fprintf(&b, "    - %s\n", o)
	}
	if strings.Contains(manifest, "  syncPolicy:\n") {
		return strings.Replace(manifest, "  syncPolicy:\n", b.String(), 1)
	}
	return manifest + b.String()
}

// resourceOptions sets an object's argocd.argoproj.io/sync-options.
func resourceOptions(manifest, opts string) string {
	return withAnnotations(manifest, map[string]string{"argocd.argoproj.io/sync-options": opts})
}

func liveConfigMap(t *testing.T, c client.Client, ns, name string) *corev1.ConfigMap {
	t.Helper()
	var cm corev1.ConfigMap
	if err := c.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, &cm); err != nil {
		t.Fatalf("configmap %s/%s: %v", ns, name, err)
	}
	return &cm
}

// driftConfigMap changes a live ConfigMap's value as another writer would.
func driftConfigMap(t *testing.T, c client.Client, ns, name, value string) *corev1.ConfigMap {
	t.Helper()
	cm := liveConfigMap(t, c, ns, name)
	cm.Data["value"] = value
	if err := c.Update(context.Background(), cm, client.FieldOwner("someone-else")); err != nil {
		t.Fatal(err)
	}
	return cm
}

func TestSyncOptionCreateNamespaceWithManagedMetadata(t *testing.T) {
	c := env(t)
	target := kubetest.NewNamespace(t, c) + "-new" // a name nobody created
	nsObj := &corev1.Namespace{ObjectMeta: objectMetaIn("", target)}
	t.Cleanup(func() { _ = c.Delete(context.Background(), nsObj) })
	repo := gittest.NewServer(t).NewRepo(t, "create-ns")
	repo.Commit(t, map[string]string{"app/cm.yaml": configMap("settings", "1")}, "cm")
	manifest := withSyncOptions(directoryApp("create-ns", repo.URL(), "app", target, false), "CreateNamespace=true") +
		"    managedNamespaceMetadata:\n      labels: {team: blue}\n      annotations: {owner: platform}\n"
	createApp(t, c, manifest)
	waitSyncedHealthy(t, c, "create-ns", "", 60*time.Second)

	if err := c.Get(context.Background(), client.ObjectKey{Name: target}, nsObj); err != nil {
		t.Fatalf("the destination namespace was not created: %v", err)
	}
	if nsObj.Labels["team"] != "blue" || nsObj.Annotations["owner"] != "platform" {
		t.Errorf("namespace metadata: labels %v annotations %v, want managedNamespaceMetadata's", nsObj.Labels, nsObj.Annotations)
	}
	if liveConfigMap(t, c, target, "settings").Data["value"] != "1" {
		t.Error("the app's object was not applied into the created namespace")
	}
	// The namespace is not one of the app's resources, so never pruned.
	for _, r := range getApp(t, c, "create-ns").Status.Resources {
		if r.Kind == "Namespace" {
			t.Errorf("the created namespace is listed as a managed resource: %+v", r)
		}
	}
}

func TestSyncOptionServerSideApply(t *testing.T) {
	c := env(t)
	ns := kubetest.NewNamespace(t, c)
	repo := gittest.NewServer(t).NewRepo(t, "ssa")
	repo.Commit(t, map[string]string{
		"app/app-level.yaml": configMap("app-level", "1"),
		"app/resource.yaml":  resourceOptions(configMap("per-resource", "1"), "ServerSideApply=true"),
	}, "ssa")
	createApp(t, c, withSyncOptions(directoryApp("ssa", repo.URL(), "app", ns, false), "ServerSideApply=true"))
	waitSyncedHealthy(t, c, "ssa", "", 60*time.Second)
	for _, name := range []string{"app-level", "per-resource"} {
		cm := liveConfigMap(t, c, ns, name)
		if !managedBy(cm, "Apply") {
			t.Errorf("%s: no server-side apply by field manager %s: %+v", name, apply.FieldManager, cm.ManagedFields)
		}
		if _, ok := cm.Annotations[corev1.LastAppliedConfigAnnotation]; ok {
			t.Errorf("%s: a server-side applied object carries the client-side last-applied annotation", name)
		}
	}
}

// managedBy reports whether flotilla's field manager holds fields of cm
// through the given operation (Apply: server-side; Update: client-side).
func managedBy(cm *corev1.ConfigMap, operation string) bool {
	for _, mf := range cm.ManagedFields {
		if mf.Manager == apply.FieldManager && string(mf.Operation) == operation {
			return true
		}
	}
	return false
}

// TestSyncOptionServerSideApplyFalse syncs with kubectl's client-side
// apply: the last-applied annotation is written, a field removed in git
// is removed by the three-way patch while a field another writer set is
// kept, and a resource's ServerSideApply=true wins over the app's false.
func TestSyncOptionServerSideApplyFalse(t *testing.T) {
	c := env(t)
	ns := kubetest.NewNamespace(t, c)
	repo := gittest.NewServer(t).NewRepo(t, "csa")
	both := map[string]string{"keep": "1", "drop": "2"}
	repo.Commit(t, map[string]string{
		"app/csa.yaml": handOverConfigMap("csa", both),
		"app/ssa.yaml": resourceOptions(handOverConfigMap("ssa", both), "ServerSideApply=true"),
	}, "v1")
	createApp(t, c, withSyncOptions(directoryApp("csa", repo.URL(), "app", ns, false), "ServerSideApply=false"))
	waitSyncedHealthy(t, c, "csa", "", 60*time.Second)
	csa, ssa := liveConfigMap(t, c, ns, "csa"), liveConfigMap(t, c, ns, "ssa")
	if !managedBy(csa, "Update") || managedBy(csa, "Apply") || !strings.Contains(csa.Annotations[corev1.LastAppliedConfigAnnotation], `"drop":"2"`) {
		t.Errorf("csa was not client-side applied: annotations %v managed fields %+v", csa.Annotations, csa.ManagedFields)
	}
	if !managedBy(ssa, "Apply") || ssa.Annotations[corev1.LastAppliedConfigAnnotation] != "" {
		t.Errorf("ssa (ServerSideApply=true on the object) was not server-side applied: %+v", ssa.ManagedFields)
	}
	mergePatch(t, c, csa, `{"metadata":{"labels":{"other":"kept"}}}`)

	second := repo.Commit(t, map[string]string{
		"app/csa.yaml": handOverConfigMap("csa", map[string]string{"keep": "1"}),
		"app/ssa.yaml": resourceOptions(handOverConfigMap("ssa", map[string]string{"keep": "1"}), "ServerSideApply=true"),
	}, "drop a key")
	refresh(t, c, "csa")
	waitSyncedTo(t, c, "csa", second, v1alpha1.OperationSucceeded, 60*time.Second)
	waitSyncedHealthy(t, c, "csa", second, 60*time.Second)
	after := liveConfigMap(t, c, ns, "csa")
	if _, ok := after.Data["drop"]; ok || after.Data["keep"] != "1" || after.UID != csa.UID {
		t.Errorf("csa after the sync: data %v uid %s (was %s), want only keep, not re-created", after.Data, after.UID, csa.UID)
	}
	if after.Labels["other"] != "kept" {
		t.Errorf("the label another writer set was removed: %v", after.Labels)
	}
	if strings.Contains(after.Annotations[corev1.LastAppliedConfigAnnotation], "drop") {
		t.Errorf("last-applied still has the removed key: %s", after.Annotations[corev1.LastAppliedConfigAnnotation])
	}
	if _, ok := liveConfigMap(t, c, ns, "ssa").Data["drop"]; ok {
		t.Error("ssa kept the key removed in git")
	}
}

// TestSyncOptionForce changes an immutable ConfigMap under server-side
// apply: Force=true alone (no Replace) deletes and re-creates it, as
// kubectl apply --force does when its patch is refused.
func TestSyncOptionForce(t *testing.T) {
	c := env(t)
	ns := kubetest.NewNamespace(t, c)
	repo := gittest.NewServer(t).NewRepo(t, "force")
	frozen := func(value string) string {
		return resourceOptions(configMap("frozen", value)+"immutable: true\n", "Force=true")
	}
	repo.Commit(t, map[string]string{"app/cm.yaml": frozen("1")}, "v1")
	createApp(t, c, directoryApp("force", repo.URL(), "app", ns, false))
	waitSyncedHealthy(t, c, "force", "", 60*time.Second)
	before := liveConfigMap(t, c, ns, "frozen")

	second := repo.Commit(t, map[string]string{"app/cm.yaml": frozen("2")}, "v2")
	refresh(t, c, "force")
	waitSyncedTo(t, c, "force", second, v1alpha1.OperationSucceeded, 60*time.Second)
	waitSyncedHealthy(t, c, "force", second, 60*time.Second)
	after := liveConfigMap(t, c, ns, "frozen")
	if after.Data["value"] != "2" || after.UID == before.UID || !managedBy(after, "Apply") {
		t.Errorf("Force=true: value %q uid %s -> %s, want the object re-created by server-side apply with value 2", after.Data["value"], before.UID, after.UID)
	}
}

// TestSyncOptionApplyOutOfSyncOnly drifts a field ignoreDifferences hides,
// so the object stays Synced although a full apply would revert it: with
// ApplyOutOfSyncOnly the next sync applies only the OutOfSync object and
// leaves the Synced one untouched.
func TestSyncOptionApplyOutOfSyncOnly(t *testing.T) {
	c := env(t)
	ns := kubetest.NewNamespace(t, c)
	repo := gittest.NewServer(t).NewRepo(t, "oos-only")
	repo.Commit(t, map[string]string{
		"app/kept.yaml":    configMap("kept", "1"),
		"app/changed.yaml": configMap("changed", "1"),
	}, "v1")
	manifest := withSyncOptions(manualApp("oos-only", repo.URL(), ns), "ApplyOutOfSyncOnly=true") + `  ignoreDifferences:
  - kind: ConfigMap
    name: kept
    jsonPointers: [/data/value]
`
	createApp(t, c, manifest)
	requestSync(t, c, "oos-only", v1alpha1.SyncOperation{})
	waitSyncedHealthy(t, c, "oos-only", "", 60*time.Second)

	drifted := driftConfigMap(t, c, ns, "kept", "edited")
	second := repo.Commit(t, map[string]string{"app/changed.yaml": configMap("changed", "2")}, "v2")
	refresh(t, c, "oos-only")
	eventually(t, 30*time.Second, func() (bool, string) {
		app := getApp(t, c, "oos-only")
		return app.Status.Sync.Revision == second && app.Status.Sync.Status == v1alpha1.SyncStatusCodeOutOfSync, describe(app)
	})
	requestSync(t, c, "oos-only", v1alpha1.SyncOperation{})
	app := waitSyncedHealthy(t, c, "oos-only", second, 60*time.Second)

	if got := liveConfigMap(t, c, ns, "changed").Data["value"]; got != "2" {
		t.Errorf("the OutOfSync object was not applied: value %q", got)
	}
	kept := liveConfigMap(t, c, ns, "kept")
	if kept.Data["value"] != "edited" || kept.ResourceVersion != drifted.ResourceVersion {
		t.Errorf("the Synced object was re-applied: value %q resourceVersion %s -> %s", kept.Data["value"], drifted.ResourceVersion, kept.ResourceVersion)
	}
	for _, r := range app.Status.OperationState.SyncResult.Resources {
		if r.Name == "kept" {
			t.Errorf("the Synced object has a sync result: %+v", r)
		}
	}
}

// TestSyncOptionReplaceAndForce changes an immutable ConfigMap: a
// Replace=true update is refused, and Force=true deletes and re-creates it.
func TestSyncOptionReplaceAndForce(t *testing.T) {
	c := env(t)
	ns := kubetest.NewNamespace(t, c)
	repo := gittest.NewServer(t).NewRepo(t, "replace-force")
	frozen := func(name, value, opts string) string {
		return resourceOptions(configMap(name, value)+"immutable: true\n", opts)
	}
	repo.Commit(t, map[string]string{
		"forced/cm.yaml":   frozen("frozen", "1", "Replace=true,Force=true"),
		"replaced/cm.yaml": frozen("frozen", "1", "Replace=true"),
	}, "v1")
	forcedNS := kubetest.NewNamespace(t, c)
	createApp(t, c, directoryApp("replace-forced", repo.URL(), "forced", forcedNS, false))
	createApp(t, c, directoryApp("replace-only", repo.URL(), "replaced", ns, false))
	waitSyncedHealthy(t, c, "replace-forced", "", 60*time.Second)
	waitSyncedHealthy(t, c, "replace-only", "", 60*time.Second)
	forcedBefore := liveConfigMap(t, c, forcedNS, "frozen")
	replacedBefore := liveConfigMap(t, c, ns, "frozen")

	second := repo.Commit(t, map[string]string{
		"forced/cm.yaml":   frozen("frozen", "2", "Replace=true,Force=true"),
		"replaced/cm.yaml": frozen("frozen", "2", "Replace=true"),
	}, "v2")
	refresh(t, c, "replace-forced")
	refresh(t, c, "replace-only")
	waitSyncedTo(t, c, "replace-forced", second, v1alpha1.OperationSucceeded, 60*time.Second)
	waitSyncedHealthy(t, c, "replace-forced", second, 60*time.Second)
	// Without Force the refused change is never made (flotilla reports it
	// as a comparison error, so automated sync does not even try).
	eventually(t, 30*time.Second, func() (bool, string) {
		app := getApp(t, c, "replace-only")
		return app.Status.Sync.Status == v1alpha1.SyncStatusCodeOutOfSync && strings.Contains(describe(app), "immutable"), describe(app)
	})

	forced := liveConfigMap(t, c, forcedNS, "frozen")
	if forced.Data["value"] != "2" || forced.UID == forcedBefore.UID {
		t.Errorf("Force=true: value %q uid %s -> %s, want the object re-created with value 2", forced.Data["value"], forcedBefore.UID, forced.UID)
	}
	replaced := liveConfigMap(t, c, ns, "frozen")
	if replaced.Data["value"] != "1" || replaced.UID != replacedBefore.UID {
		t.Errorf("Replace=true alone: value %q uid %s -> %s, want the immutable object untouched", replaced.Data["value"], replacedBefore.UID, replaced.UID)
	}
}

// TestSyncOptionSkipDryRunOnMissingResource syncs a custom resource whose
// CRD no sync applies: the operation waits for its kind, and applies it
// once another party creates the CRD.
func TestSyncOptionSkipDryRunOnMissingResource(t *testing.T) {
	c := env(t)
	ns := kubetest.NewNamespace(t, c)
	group := "s" + strings.ReplaceAll(ns[len(ns)-8:], "-", "") + ".example.com"
	repo := gittest.NewServer(t).NewRepo(t, "skip-dry-run")
	repo.Commit(t, map[string]string{
		"app/cm.yaml":     configMap("settings", "1"),
		"app/widget.yaml": resourceOptions(fmt.Sprintf("apiVersion: %s/v1\nkind: Widget\nmetadata:\n  name: w\nspec:\n  size: 3\n", group), "SkipDryRunOnMissingResource=true"),
	}, "widget")
	createApp(t, c, directoryApp("skip-dry-run", repo.URL(), "app", ns, false))
	deleteCRDWhenDone(t, c, "widgets."+group)
	eventually(t, 60*time.Second, func() (bool, string) {
		app := getApp(t, c, "skip-dry-run")
		op := app.Status.OperationState
		return op != nil && op.Phase == v1alpha1.OperationRunning && strings.Contains(op.Message, "Widget"), describe(app)
	})
	time.Sleep(2 * time.Second)
	if op := getApp(t, c, "skip-dry-run").Status.OperationState; op.Phase != v1alpha1.OperationRunning {
		t.Fatalf("the operation did not wait for the missing kind: %s %s", op.Phase, op.Message)
	}

	crd := &unstructured.Unstructured{}
	if err := yamlInto(crdManifest(group, "Widget", "widgets"), &crd.Object); err != nil {
		t.Fatal(err)
	}
	if err := c.Create(context.Background(), crd); err != nil {
		t.Fatal(err)
	}
	waitSyncedHealthy(t, c, "skip-dry-run", "", 90*time.Second)
	w := &unstructured.Unstructured{}
	w.SetAPIVersion(group + "/v1")
	w.SetKind("Widget")
	if err := c.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: "w"}, w); err != nil {
		t.Fatalf("the custom resource was not applied once its kind was served: %v", err)
	}
}

// TestSyncOptionFailOnSharedResource: an app whose object is tracked by
// another app fails its sync and leaves the object as the owner left it.
func TestSyncOptionFailOnSharedResource(t *testing.T) {
	c := env(t)
	ns := kubetest.NewNamespace(t, c)
	repo := gittest.NewServer(t).NewRepo(t, "shared")
	repo.Commit(t, map[string]string{
		"owner/cm.yaml":     configMap("shared", "owner"),
		"intruder/cm.yaml":  configMap("shared", "intruder"),
		"intruder/own.yaml": configMap("own", "1"),
	}, "shared")
	createApp(t, c, directoryApp("shared-owner", repo.URL(), "owner", ns, false))
	waitSyncedHealthy(t, c, "shared-owner", "", 60*time.Second)
	before := liveConfigMap(t, c, ns, "shared")

	createApp(t, c, withSyncOptions(directoryApp("shared-intruder", repo.URL(), "intruder", ns, false), "FailOnSharedResource=true"))
	app := waitOperation(t, c, "shared-intruder", v1alpha1.OperationFailed, 60*time.Second)
	if msg := app.Status.OperationState.Message; !strings.Contains(msg, "shared") || !strings.Contains(msg, "shared-owner") {
		t.Errorf("operation message %q does not name the shared object's owner", msg)
	}
	after := liveConfigMap(t, c, ns, "shared")
	if after.Data["value"] != "owner" || after.ResourceVersion != before.ResourceVersion ||
		after.Annotations[apply.TrackingAnnotation] != before.Annotations[apply.TrackingAnnotation] {
		t.Errorf("the shared object was written: value %q tracking %q", after.Data["value"], after.Annotations[apply.TrackingAnnotation])
	}
	if exists(c, &corev1.ConfigMap{}, ns, "own") {
		t.Error("the failed sync applied the app's other objects")
	}
}

// TestSyncOptionRespectIgnoreDifferences: a sync keeps the live value of a
// field ignoreDifferences names instead of reverting it.
func TestSyncOptionRespectIgnoreDifferences(t *testing.T) {
	c := env(t)
	ns := kubetest.NewNamespace(t, c)
	repo := gittest.NewServer(t).NewRepo(t, "respect")
	repo.Commit(t, map[string]string{"app/cm.yaml": configMap("settings", "1")}, "v1")
	ignore := `  ignoreDifferences:
  - kind: ConfigMap
    jsonPointers: [/data/value]
`
	createApp(t, c, withSyncOptions(directoryApp("respect", repo.URL(), "app", ns, false), "RespectIgnoreDifferences=true")+ignore)
	waitSyncedHealthy(t, c, "respect", "", 60*time.Second)
	driftConfigMap(t, c, ns, "settings", "edited")

	withOther := strings.Replace(configMap("settings", "1"), "\ndata:\n", "\ndata:\n  other: \"new\"\n", 1)
	second := repo.Commit(t, map[string]string{"app/cm.yaml": withOther}, "v2")
	refresh(t, c, "respect")
	waitSyncedHealthy(t, c, "respect", second, 60*time.Second)
	cm := liveConfigMap(t, c, ns, "settings")
	if cm.Data["other"] != "new" {
		t.Errorf("the sync did not apply the new field: %v", cm.Data)
	}
	if cm.Data["value"] != "edited" {
		t.Errorf("the ignored field was reverted to %q, want the live %q kept", cm.Data["value"], "edited")
	}
}

// mergePatch applies a JSON merge patch to obj.
func mergePatch(t *testing.T, c client.Client, obj client.Object, patch string) {
	t.Helper()
	if err := c.Patch(context.Background(), obj, client.RawPatch(types.MergePatchType, []byte(patch))); err != nil {
		t.Fatal(err)
	}
}
