package controller_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/controlplane/kubetest"
	"flotilla.dev/flotilla/internal/crashpoint"
	"flotilla.dev/flotilla/internal/source/git/gittest"
)

var crashAppSetPoints = []string{
	crashpoint.AppSetBeforeCreate, crashpoint.AppSetAfterCreate, crashpoint.AppSetBeforeCreate + "#3",
	crashpoint.AppSetBeforeStatus, crashpoint.AppSetBeforeUpdate, crashpoint.AppSetBeforeUpdate + "#2",
}

// crashSetManifest is a list-generated set of three Applications; version
// goes into a label of each, so changing it updates them all.
func crashSetManifest(name, repoURL, dest, version string) string {
	return fmt.Sprintf(`apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: %s
spec:
  generators:
  - list:
      elements: [{env: dev}, {env: staging}, {env: prod}]
  template:
    metadata:
      name: '%s-{{env}}'
      labels: {version: '%s'}
    spec:
      project: default
      source: {repoURL: %s, targetRevision: HEAD, path: app}
      destination: {server: "https://kubernetes.default.svc", namespace: %s}
`, name, name, version, repoURL, dest)
}

// crashAppSet kills the controller during ApplicationSet passes: creating
// the Applications, writing the set's status and updating them. The
// successor leaves exactly the three Applications, each as the template
// says, and the set up to date.
func crashAppSet(t *testing.T, c client.Client, table *crashTable) {
	const setNS = "argocd-crash-set"
	crashNamespace(t, c, setNS)
	repo := gittest.NewServer(t).NewRepo(t, "crash-set")
	repo.Commit(t, map[string]string{"app/cm.yaml": configMap("settings", "1")}, "app")
	dest := kubetest.NewNamespace(t, c)
	kubeconfig := kubetest.Plane(t).KubeconfigPath()
	for i, point := range crashAppSetPoints {
		name := fmt.Sprintf("crash-set-%d", i)
		set := &v1alpha1.ApplicationSet{}
		if err := yamlInto(crashSetManifest(name, repo.URL(), dest, "1"), set); err != nil {
			t.Fatal(err)
		}
		set.Namespace = setNS
		if err := c.Create(context.Background(), set); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = c.Delete(context.Background(), set) })
		version := "1"
		if strings.HasPrefix(point, crashpoint.AppSetBeforeUpdate) {
			settled := startControllerProcess(t, kubeconfig, setNS)
			waitCrashSet(t, c, set, version)
			settled.kill()
			version = "2"
			updateCrashSet(t, c, set, repo.URL(), dest, version)
		}
		crashAt(t, setNS, point)
		next := startControllerProcess(t, kubeconfig, setNS)
		waitCrashSet(t, c, set, version)
		next.kill()
		table.add("appset", point, "3 Applications at template version "+version+", set up to date after restart")
	}
}

func updateCrashSet(t *testing.T, c client.Client, set *v1alpha1.ApplicationSet, repoURL, dest, version string) {
	t.Helper()
	want := &v1alpha1.ApplicationSet{}
	if err := yamlInto(crashSetManifest(set.Name, repoURL, dest, version), want); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, func() (bool, string) {
		live := &v1alpha1.ApplicationSet{}
		if err := c.Get(context.Background(), client.ObjectKeyFromObject(set), live); err != nil {
			return false, err.Error()
		}
		live.Spec = want.Spec
		err := c.Update(context.Background(), live)
		return err == nil, fmt.Sprint(err)
	})
}

// waitCrashSet waits until the set owns exactly its three Applications,
// each labelled with version, and reports itself up to date.
func waitCrashSet(t *testing.T, c client.Client, set *v1alpha1.ApplicationSet, version string) {
	t.Helper()
	want := []string{set.Name + "-dev", set.Name + "-prod", set.Name + "-staging"}
	eventually(t, 90*time.Second, func() (bool, string) {
		live := &v1alpha1.ApplicationSet{}
		if err := c.Get(context.Background(), client.ObjectKeyFromObject(set), live); err != nil {
			return false, err.Error()
		}
		var got []string
		for n, a := range ownedApps(t, c, live) {
			if a.DeletionTimestamp == nil && a.Labels["version"] == version {
				got = append(got, n)
			}
		}
		sort.Strings(got)
		upToDate := false
		for _, cond := range live.Status.Conditions {
			if cond.Type == v1alpha1.ApplicationSetConditionResourcesUpToDate && cond.Status == v1alpha1.ApplicationSetConditionStatusTrue {
				upToDate = true
			}
		}
		return upToDate && strings.Join(got, ",") == strings.Join(want, ","),
			fmt.Sprintf("owned at version %s: %v, want %v; %s", version, got, want, describeSet(live))
	})
}
