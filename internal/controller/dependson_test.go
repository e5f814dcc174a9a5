package controller_test

import (
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/controlplane/kubetest"
	"flotilla.dev/flotilla/internal/source/git/gittest"
)

func dependsOn(manifest, deps string) string {
	return withAnnotations(manifest, map[string]string{"flotilla.dev/depends-on": deps})
}

func TestDependsOnWaitsForSyncedAndHealthy(t *testing.T) {
	c := env(t)
	nsDB, nsAPI := kubetest.NewNamespace(t, c), kubetest.NewNamespace(t, c)
	srv := gittest.NewServer(t)
	repo := srv.NewRepo(t, "deps")
	repo.Commit(t, map[string]string{
		"db/deployment.yaml": gatedDeployment("db", "deps", ""),
		"api/config.yaml":    configMap("api", "1"),
	}, "deps")
	createApp(t, c, directoryApp("dep-db", repo.URL(), "db", nsDB, true))
	createApp(t, c, dependsOn(directoryApp("dep-api", repo.URL(), "api", nsAPI, true), "dep-db"))

	eventually(t, 30*time.Second, func() (bool, string) {
		app := getApp(t, c, "dep-api")
		return strings.Contains(condition(app, "WaitingForDependencies"), "waiting for dep-db"), describe(app)
	})
	time.Sleep(2 * time.Second)
	if exists(c, &corev1.ConfigMap{}, nsAPI, "api") {
		t.Fatal("dep-api synced before dep-db was Healthy")
	}
	openGate(t, c, "deps")
	waitSyncedHealthy(t, c, "dep-db", "", 60*time.Second)
	api := waitSyncedHealthy(t, c, "dep-api", "", 30*time.Second)
	var cm corev1.ConfigMap
	var db appsv1.Deployment
	if !exists(c, &cm, nsAPI, "api") || !exists(c, &db, nsDB, "db") {
		t.Fatal("objects missing")
	}
	if cm.CreationTimestamp.Before(&api.CreationTimestamp) || condition(api, "WaitingForDependencies") != "" {
		t.Errorf("dependency condition not cleared: %s", describe(api))
	}
	if available := deploymentAvailableSince(&db); cm.CreationTimestamp.Before(&available) {
		t.Errorf("dep-api applied at %s, before dep-db was available at %s", cm.CreationTimestamp, available)
	}
}

func TestDependsOnCycleAndMissing(t *testing.T) {
	c := env(t)
	ns := kubetest.NewNamespace(t, c)
	srv := gittest.NewServer(t)
	repo := srv.NewRepo(t, "cycle")
	repo.Commit(t, map[string]string{"a/cm.yaml": configMap("a", "1"), "b/cm.yaml": configMap("b", "1")}, "cycle")
	createApp(t, c, dependsOn(directoryApp("cyc-a", repo.URL(), "a", ns, true), "cyc-b"))
	createApp(t, c, dependsOn(directoryApp("cyc-b", repo.URL(), "b", ns, true), "cyc-a"))
	createApp(t, c, dependsOn(directoryApp("orphan", repo.URL(), "a", ns, true), "no-such-app"))
	for name, want := range map[string]string{"cyc-a": "dependency cycle: cyc-a -> cyc-b -> cyc-a", "orphan": "dependency argocd/no-such-app does not exist"} {
		eventually(t, 30*time.Second, func() (bool, string) {
			app := getApp(t, c, name)
			return strings.Contains(condition(app, v1alpha1.ApplicationConditionInvalidSpecError), want), describe(app)
		})
	}
	if exists(c, &corev1.ConfigMap{}, ns, "a") || exists(c, &corev1.ConfigMap{}, ns, "b") {
		t.Error("an app with a broken dependency synced")
	}
}
