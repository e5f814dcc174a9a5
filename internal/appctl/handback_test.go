package appctl

import (
	"context"
	"encoding/json"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/strategicpatch"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/apply"
	"flotilla.dev/flotilla/internal/controlplane/kubetest"
	"flotilla.dev/flotilla/internal/manifests"
	"flotilla.dev/flotilla/internal/source/git/gittest"
)

const (
	handBackSSA     = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: by-ssa}\ndata: {keep: \"1\", drop: \"2\"}\n"
	handBackCSA     = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: by-csa}\ndata: {keep: \"1\", drop: \"2\"}\n"
	handBackControl = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: control}\ndata: {keep: \"1\", drop: \"2\"}\n"
)

// TestHandBackToArgoCD applies objects as flotilla does, hands them back
// and then plays Argo CD removing a field from git: with server-side
// apply as argocd-controller (the API server decides what is removed) and
// with kubectl's client-side three-way patch over the last-applied
// annotation. A control object flotilla applied but did not hand back
// keeps the field under Argo CD's server-side apply: the hand-back is what
// makes the removal work.
func TestHandBackToArgoCD(t *testing.T) {
	ctx := context.Background()
	cluster, err := apply.NewForConfig(kubetest.Plane(t).RESTConfig())
	if err != nil {
		t.Fatal(err)
	}
	c := kubetest.Client(t)
	ns := kubetest.NewNamespace(t, c)
	repo := gittest.NewLocalRepo(t)
	repo.Commit(t, map[string]string{"app/ssa.yaml": handBackSSA, "app/csa.yaml": handBackCSA}, "v1")
	for _, m := range []string{handBackSSA, handBackCSA, handBackControl} {
		applyLive(t, cluster, ns, "handback", m)
	}
	other := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "by-ssa"}}
	if err := c.Patch(ctx, other, client.RawPatch(types.MergePatchType, []byte(`{"metadata":{"labels":{"other":"kept"}}}`)), client.FieldOwner("someone-else")); err != nil {
		t.Fatal(err)
	}
	app := &v1alpha1.Application{
		ObjectMeta: metav1.ObjectMeta{Namespace: "argocd", Name: "handback"},
		Spec: v1alpha1.ApplicationSpec{
			Source:      &v1alpha1.ApplicationSource{RepoURL: repo.URL(), Path: "app", TargetRevision: "HEAD"},
			Destination: v1alpha1.ApplicationDestination{Server: "https://kubernetes.default.svc", Namespace: ns},
		},
	}
	opts := DiffOptions{Generator: manifests.NewGenerator(t.TempDir()), Cluster: cluster}
	done, err := HandBack(ctx, app, opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(done) != 2 || !done[0].Changed || !done[1].Changed {
		t.Fatalf("handed back %+v, want both objects of the app changed", done)
	}
	if again, err := HandBack(ctx, app, opts); err != nil || again[0].Changed || again[1].Changed {
		t.Fatalf("a second hand-back changed %+v (%v), want nothing", again, err)
	}
	uids := map[string]types.UID{}
	for _, name := range []string{"by-ssa", "by-csa"} {
		cm := get(t, c, ns, name)
		uids[name] = cm.UID
		for _, e := range cm.ManagedFields {
			if e.Manager == apply.FieldManager {
				t.Errorf("%s: flotilla still manages fields: %+v", name, e)
			}
		}
		var last map[string]any
		if err := json.Unmarshal([]byte(cm.Annotations[corev1.LastAppliedConfigAnnotation]), &last); err != nil {
			t.Fatalf("%s: last-applied annotation: %v", name, err)
		}
		data, _ := last["data"].(map[string]any)
		if data["drop"] != "2" || last["metadata"].(map[string]any)["annotations"].(map[string]any)[apply.TrackingAnnotation] == nil {
			t.Errorf("%s: last-applied %v, want what flotilla applied (data and tracking id)", name, last)
		}
	}

	// Argo CD's server-side apply of the next commit, without "drop".
	for _, name := range []string{"by-ssa", "control"} {
		u := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": "ConfigMap",
			"metadata": map[string]any{"name": name, "namespace": ns}, "data": map[string]any{"keep": "1"}}}
		apply.SetTracking(u, "handback")
		if err := c.Patch(ctx, u, client.Apply, client.FieldOwner(apply.ArgoCDApplyManager), client.ForceOwnership); err != nil {
			t.Fatal(err)
		}
	}
	if cm := get(t, c, ns, "by-ssa"); cm.Data["drop"] != "" || cm.Labels["other"] != "kept" || cm.UID != uids["by-ssa"] {
		t.Errorf("by-ssa after Argo CD's server-side apply: data %v labels %v, want drop removed, the other writer's label kept, same object", cm.Data, cm.Labels)
	}
	if cm := get(t, c, ns, "control"); cm.Data["drop"] != "2" {
		t.Errorf("control: data %v; without a hand-back flotilla's ownership should have kept drop (the test proves nothing)", cm.Data)
	}

	// Argo CD's client-side apply (kubectl's three-way strategic merge).
	live := get(t, c, ns, "by-csa")
	next := `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"by-csa","namespace":"` + ns + `"},"data":{"keep":"1"}}`
	modified := `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"by-csa","namespace":"` + ns +
		`","annotations":{"` + corev1.LastAppliedConfigAnnotation + `":` + quote(next) + `}},"data":{"keep":"1"}}`
	current, _ := json.Marshal(live)
	patch, err := strategicpatch.CreateThreeWayMergePatch([]byte(live.Annotations[corev1.LastAppliedConfigAnnotation]), []byte(modified), current, mustMeta(t), true)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Patch(ctx, live, client.RawPatch(types.StrategicMergePatchType, patch), client.FieldOwner(apply.ClientSideApplyManager)); err != nil {
		t.Fatal(err)
	}
	if cm := get(t, c, ns, "by-csa"); cm.Data["drop"] != "" || cm.UID != uids["by-csa"] {
		t.Errorf("by-csa after Argo CD's client-side apply: data %v, want drop removed", cm.Data)
	}
}

func get(t *testing.T, c client.Client, ns, name string) *corev1.ConfigMap {
	t.Helper()
	cm := &corev1.ConfigMap{}
	if err := c.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, cm); err != nil {
		t.Fatal(err)
	}
	return cm
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func mustMeta(t *testing.T) strategicpatch.LookupPatchMeta {
	t.Helper()
	meta, err := strategicpatch.NewPatchMetaFromStruct(&corev1.ConfigMap{})
	if err != nil {
		t.Fatal(err)
	}
	return meta
}
