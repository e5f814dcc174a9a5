package controller_test

import (
	"context"
	"strings"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/controlplane/kubetest"
	"flotilla.dev/flotilla/internal/source/git/gittest"
)

// generateNameJob is Argo CD's canonical PreSync hook: a Job with only a
// metadata.generateName, its Pod waiting for gate.
func generateNameJob(prefix, gate string) string {
	m := strings.Replace(job("x", map[string]string{"argocd.argoproj.io/hook": "PreSync"}), "  name: x\n", "  generateName: "+prefix+"\n", 1)
	return gatedJob(m, gate)
}

// jobsNamed lists the Jobs in ns whose name starts with prefix.
func jobsNamed(t *testing.T, c client.Client, ns, prefix string) []batchv1.Job {
	t.Helper()
	var list batchv1.JobList
	if err := c.List(context.Background(), &list, client.InNamespace(ns)); err != nil {
		t.Fatal(err)
	}
	var out []batchv1.Job
	for _, j := range list.Items {
		if strings.HasPrefix(j.Name, prefix) {
			out = append(out, j)
		}
	}
	return out
}

// A PreSync hook with only a generateName is named per operation as
// Argo CD names it; the controller is killed while the hook runs, and its
// successor adopts that same Job instead of creating a second one.
func TestGenerateNameHookSurvivesRestart(t *testing.T) {
	c := env(t)
	const appNS = "argocd-hookname"
	if err := c.Create(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: appNS}}); client.IgnoreAlreadyExists(err) != nil {
		t.Fatal(err)
	}
	ns := kubetest.NewNamespace(t, c)
	repo := gittest.NewServer(t).NewRepo(t, "hookname")
	sha := repo.Commit(t, map[string]string{
		"app/upgrade.yaml": generateNameJob("upgrade-sql-schema-", "hookname"),
		"app/cm.yaml":      configMap("settings", "1"),
	}, "generateName hook")
	kubeconfig := kubetest.Plane(t).KubeconfigPath()
	first := startControllerProcess(t, kubeconfig, appNS)
	app := &v1alpha1.Application{}
	if err := yamlInto(directoryApp("hookname", repo.URL(), "app", ns, false), app); err != nil {
		t.Fatal(err)
	}
	app.Namespace = appNS
	if err := c.Create(context.Background(), app); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Delete(context.Background(), app) })
	key := client.ObjectKeyFromObject(app)
	eventually(t, 60*time.Second, func() (bool, string) {
		return len(jobsNamed(t, c, ns, "upgrade-sql-schema-")) == 1, first.log.String()
	})
	_ = c.Get(context.Background(), key, app)
	created := jobsNamed(t, c, ns, "upgrade-sql-schema-")[0]
	want := "upgrade-sql-schema-" + sha[:7] + "-presync-"
	if !strings.HasPrefix(created.Name, want) {
		t.Errorf("hook named %s, want %s<operation start>", created.Name, want)
	}
	if exists(c, &corev1.ConfigMap{}, ns, "settings") {
		t.Fatal("the Sync phase ran while the PreSync hook was held")
	}
	first.kill()

	second := startControllerProcess(t, kubeconfig, appNS)
	time.Sleep(2 * time.Second) // the successor resumes the operation while the hook is still held
	openGate(t, c, "hookname")
	eventually(t, 90*time.Second, func() (bool, string) {
		_ = c.Get(context.Background(), key, app)
		op := app.Status.OperationState
		return op != nil && op.Phase == v1alpha1.OperationSucceeded, describe(app) + "\n" + second.log.String()
	})
	jobs := jobsNamed(t, c, ns, "upgrade-sql-schema-")
	if len(jobs) != 1 || jobs[0].UID != created.UID {
		var names []string
		for _, j := range jobs {
			names = append(names, j.Name+"/"+string(j.UID))
		}
		t.Fatalf("after the restart the hook Jobs are %v, want only %s/%s", names, created.Name, created.UID)
	}
	if !exists(c, &corev1.ConfigMap{}, ns, "settings") || len(app.Status.History) != 1 {
		t.Errorf("the operation did not complete once: %s", describe(app))
	}
}
