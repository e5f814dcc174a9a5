package controller_test

import (
	"context"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/controlplane/kubetest"
	"flotilla.dev/flotilla/internal/source/git/gittest"
)

func repoSecret(t *testing.T, name, kind, url, user, pass string) *corev1.Secret {
	t.Helper()
	s := &corev1.Secret{
		ObjectMeta: objectMeta(name),
		StringData: map[string]string{"url": url, "username": user, "password": pass, "type": "git"},
	}
	s.Labels = map[string]string{"argocd.argoproj.io/secret-type": kind}
	return s
}

func TestRepositoryCredentialsFromSecrets(t *testing.T) {
	c := env(t)
	ns := kubetest.NewNamespace(t, c)
	const password = "s3cret-Pa55word"
	srv := gittest.NewServer(t, gittest.WithBasicAuth("bot", password))
	repo := srv.NewRepo(t, "private")
	repo.Commit(t, map[string]string{"app/cm.yaml": configMap("private", "1")}, "private")

	// A repo-creds template with the wrong password: the app fails, and the
	// password appears nowhere in its status.
	wrong := repoSecret(t, "creds-wrong", "repo-creds", strings.TrimSuffix(srv.URL("x"), "x.git"), "bot", "wrong-"+password)
	if err := c.Create(context.Background(), wrong); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Delete(context.Background(), wrong) })
	createApp(t, c, directoryApp("private", repo.URL(), "app", ns, true))
	var app *v1alpha1.Application
	eventually(t, 30*time.Second, func() (bool, string) {
		app = getApp(t, c, "private")
		return strings.Contains(condition(app, v1alpha1.ApplicationConditionComparisonError), "authentication failed"), describe(app)
	})
	if strings.Contains(describe(app), password) {
		t.Fatalf("the password leaked into the status: %s", describe(app))
	}

	// A repository Secret for exactly this URL wins over the template.
	right := repoSecret(t, "creds-right", "repository", repo.URL(), "bot", password)
	if err := c.Create(context.Background(), right); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Delete(context.Background(), right) })
	refresh(t, c, "private")
	waitSyncedHealthy(t, c, "private", "", 30*time.Second)
}
