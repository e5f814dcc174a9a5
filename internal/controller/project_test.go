package controller_test

import (
	"context"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/controlplane/kubetest"
	"flotilla.dev/flotilla/internal/source/git/gittest"
)

func TestProjectViolationsApplyNothing(t *testing.T) {
	c := env(t)
	srv := gittest.NewServer(t)
	repo := srv.NewRepo(t, "projected")
	other := srv.NewRepo(t, "elsewhere")
	files := map[string]string{"ok/cm.yaml": configMap("allowed", "1"), "cluster/cm.yaml": configMap("with-role", "1"),
		"cluster/role.yaml": "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: projected-test-role\nrules: []\n"}
	repo.Commit(t, files, "projected")
	other.Commit(t, files, "elsewhere")
	allowedNS := kubetest.NewNamespace(t, c)
	proj := &v1alpha1.AppProject{ObjectMeta: objectMeta("strict-team")}
	proj.Spec.SourceRepos = []string{repo.URL()}
	proj.Spec.Destinations = []v1alpha1.ApplicationDestination{{Server: "https://kubernetes.default.svc", Namespace: allowedNS}}
	if err := c.Create(context.Background(), proj); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Delete(context.Background(), proj) })

	forbiddenNS := kubetest.NewNamespace(t, c)
	// A cluster the project does not list (never reached: the project
	// refuses it first).
	elsewhere := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: appNamespace, Name: "cluster-elsewhere", Labels: map[string]string{"argocd.argoproj.io/secret-type": "cluster"}},
		StringData: map[string]string{"name": "elsewhere", "server": "https://127.0.0.1:1", "config": `{"bearerToken":"unused"}`},
	}
	if err := c.Create(context.Background(), elsewhere); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Delete(context.Background(), elsewhere) })
	inProject := func(name, repoURL, path, ns, project string) string {
		m := directoryApp(name, repoURL, path, ns, true)
		return strings.Replace(m, "project: default", "project: "+project, 1)
	}
	tests := []struct {
		name, manifest, want, ns string
	}{
		{"forbidden repo", inProject("proj-repo", other.URL(), "ok", allowedNS, "strict-team"), "is not permitted in project", allowedNS},
		{"forbidden namespace", inProject("proj-ns", repo.URL(), "ok", forbiddenNS, "strict-team"), "do not match any of the allowed destinations", forbiddenNS},
		{"forbidden cluster", strings.Replace(inProject("proj-cluster", repo.URL(), "ok", allowedNS, "strict-team"), "server: https://kubernetes.default.svc", "name: elsewhere", 1), "do not match any of the allowed destinations", allowedNS},
		{"cluster-scoped kind", inProject("proj-kind", repo.URL(), "cluster", allowedNS, "strict-team"), "ClusterRole projected-test-role", allowedNS},
		{"missing project", inProject("proj-missing", repo.URL(), "ok", allowedNS, "no-such-project"), "references project no-such-project which does not exist", allowedNS},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			name := strings.SplitN(strings.SplitN(tt.manifest, "name: ", 2)[1], "\n", 2)[0]
			createApp(t, c, tt.manifest)
			eventually(t, 30*time.Second, func() (bool, string) {
				app := getApp(t, c, name)
				return strings.Contains(condition(app, v1alpha1.ApplicationConditionInvalidSpecError), tt.want), describe(app)
			})
			var cms corev1.ConfigMapList
			if err := c.List(context.Background(), &cms, client.InNamespace(tt.ns)); err != nil {
				t.Fatal(err)
			}
			for _, cm := range cms.Items {
				if cm.Name != "kube-root-ca.crt" {
					t.Errorf("%s was applied despite the violation", cm.Name)
				}
			}
		})
	}
	// The same project admits what it allows.
	createApp(t, c, inProject("proj-ok", repo.URL(), "ok", allowedNS, "strict-team"))
	waitSyncedHealthy(t, c, "proj-ok", "", 30*time.Second)
	if !exists(c, &corev1.ConfigMap{}, allowedNS, "allowed") {
		t.Errorf("allowed object missing in %s", allowedNS)
	}
}
