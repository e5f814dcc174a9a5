package appctl

import (
	"context"
	"fmt"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"flotilla.dev/flotilla/api/v1alpha1"
)

func meta(ns, name, ownerAPIVersion, ownerKind, owner string) metav1.ObjectMeta {
	m := metav1.ObjectMeta{Namespace: ns, Name: name}
	if owner != "" {
		m.OwnerReferences = []metav1.OwnerReference{{APIVersion: ownerAPIVersion, Kind: ownerKind, Name: owner, UID: types.UID("uid-" + owner)}}
	}
	return m
}

func runningPod(ns, name, ownerKind, owner string) *corev1.Pod {
	apiVersion := "apps/v1"
	if ownerKind == "Job" {
		apiVersion = "batch/v1"
	}
	return &corev1.Pod{
		ObjectMeta: meta(ns, name, apiVersion, ownerKind, owner),
		Status: corev1.PodStatus{Phase: corev1.PodRunning, Conditions: []corev1.PodCondition{
			{Type: corev1.PodReady, Status: corev1.ConditionTrue},
		}},
	}
}

func renderResources(nodes []*ResourceNode) string {
	var b strings.Builder
	WalkResources(nodes, func(n *ResourceNode, depth int) {
		fmt.Fprintf(&b, "%s%s/%s %s/%s sync=%s health=%s\n", strings.Repeat("  ", depth), n.Group, n.Kind, n.Namespace, n.Name, n.Sync, n.Health)
	})
	return b.String()
}

func TestAppResourceTree(t *testing.T) {
	healthy := &v1alpha1.HealthStatus{Status: v1alpha1.HealthStatusHealthy}
	app := &v1alpha1.Application{ObjectMeta: metav1.ObjectMeta{Namespace: "argocd", Name: "shop"}}
	app.Status.Resources = []v1alpha1.ResourceStatus{
		{Version: "v1", Kind: "ConfigMap", Namespace: "shop", Name: "settings", Status: "Synced", Health: nil},
		{Group: "apps", Version: "v1", Kind: "Deployment", Namespace: "shop", Name: "web", Status: "Synced", Health: healthy},
		{Group: "apps", Version: "v1", Kind: "StatefulSet", Namespace: "shop", Name: "db", Status: "OutOfSync", Health: healthy},
		{Group: "batch", Version: "v1", Kind: "CronJob", Namespace: "shop", Name: "nightly", Status: "Synced", Health: healthy},
	}
	objs := []client.Object{
		&appsv1.ReplicaSet{ObjectMeta: meta("shop", "web-1", "apps/v1", "Deployment", "web")},
		&appsv1.ReplicaSet{ObjectMeta: meta("shop", "web-2", "apps/v1", "Deployment", "web")},
		runningPod("shop", "web-2-a", "ReplicaSet", "web-2"),
		&corev1.Pod{ObjectMeta: meta("shop", "web-2-b", "apps/v1", "ReplicaSet", "web-2"), Status: corev1.PodStatus{Phase: corev1.PodPending}},
		runningPod("shop", "db-0", "StatefulSet", "db"),
		&appsv1.ControllerRevision{ObjectMeta: meta("shop", "db-6f7", "apps/v1", "StatefulSet", "db")},
		&batchv1.Job{ObjectMeta: meta("shop", "nightly-1", "batch/v1", "CronJob", "nightly")},
		&corev1.Pod{ObjectMeta: meta("shop", "nightly-1-x", "batch/v1", "Job", "nightly-1"), Status: corev1.PodStatus{Phase: corev1.PodSucceeded}},
		// not ours: another owner, another namespace, no owner
		&appsv1.ReplicaSet{ObjectMeta: meta("shop", "other-1", "apps/v1", "Deployment", "other")},
		&appsv1.ReplicaSet{ObjectMeta: meta("elsewhere", "web-9", "apps/v1", "Deployment", "web")},
		runningPod("shop", "loose", "", ""),
	}
	nodes, err := ResourceTree(context.Background(), fakeClient(t, objs...), app)
	if err != nil {
		t.Fatal(err)
	}
	want := `/ConfigMap shop/settings sync=Synced health=
apps/Deployment shop/web sync=Synced health=Healthy
  apps/ReplicaSet shop/web-1 sync= health=
  apps/ReplicaSet shop/web-2 sync= health=
    /Pod shop/web-2-a sync= health=Healthy
    /Pod shop/web-2-b sync= health=Progressing
apps/StatefulSet shop/db sync=OutOfSync health=Healthy
  apps/ControllerRevision shop/db-6f7 sync= health=
  /Pod shop/db-0 sync= health=Healthy
batch/CronJob shop/nightly sync=Synced health=Healthy
  batch/Job shop/nightly-1 sync= health=
    /Pod shop/nightly-1-x sync= health=Healthy
`
	if got := renderResources(nodes); got != want {
		t.Errorf("tree:\n%s\nwant:\n%s", got, want)
	}
}

func TestAppReachableKinds(t *testing.T) {
	tests := []struct {
		from []string
		want string
	}{
		{[]string{"/ConfigMap"}, ""},
		{[]string{"apps/Deployment"}, "/v1, Kind=Pod apps/v1, Kind=ReplicaSet"},
		{[]string{"batch/CronJob"}, "/v1, Kind=Pod batch/v1, Kind=Job"},
		{[]string{"apps/DaemonSet", "batch/Job"}, "/v1, Kind=Pod apps/v1, Kind=ControllerRevision"},
	}
	for _, tt := range tests {
		var gks []schema.GroupKind
		for _, f := range tt.from {
			g, k, _ := strings.Cut(f, "/")
			gks = append(gks, schema.GroupKind{Group: g, Kind: k})
		}
		var got []string
		for _, gvk := range reachableKinds(gks) {
			got = append(got, gvk.String())
		}
		if s := strings.Join(got, " "); s != tt.want {
			t.Errorf("reachableKinds(%v) = %q, want %q", tt.from, s, tt.want)
		}
	}
}
