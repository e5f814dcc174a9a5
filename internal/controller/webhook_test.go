package controller_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"flotilla.dev/flotilla/internal/controller"
	"flotilla.dev/flotilla/internal/controlplane/kubetest"
	"flotilla.dev/flotilla/internal/source/git/gittest"
)

// githubPush is a GitHub push event for branch main of repoURL.
func githubPush(repoURL, sha string, files ...string) []byte {
	b, _ := json.Marshal(map[string]any{
		"ref":        "refs/heads/main",
		"after":      sha,
		"repository": map[string]any{"html_url": repoURL, "clone_url": repoURL, "default_branch": "main"},
		"commits":    []any{map[string]any{"id": sha, "modified": files}},
	})
	return b
}

// postPush sends a push event to the controller's webhook, signed with
// secret when it is not empty, and returns the status and body.
func postPush(t *testing.T, body []byte, secret string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, "http://"+webhookAddr+controller.WebhookPath, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-GitHub-Event", "push")
	if secret != "" {
		mac := hmac.New(sha256.New, []byte(secret))
		mac.Write(body)
		req.Header.Set("X-Hub-Signature-256", "sha256="+hex.EncodeToString(mac.Sum(nil)))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(out)
}

func configMapValue(t *testing.T, c client.Client, ns, name string) string {
	t.Helper()
	cm := &corev1.ConfigMap{}
	if err := c.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, cm); err != nil {
		return ""
	}
	return cm.Data["value"]
}

// A push event refreshes the apps whose repository, revision and
// manifest-generate-paths it touches, and only those; the test controller
// polls hourly, so only the webhook can bring the change in. With a
// webhook secret in argocd-secret, unsigned pushes are refused.
func TestWebhookPushRefreshesMatchingApps(t *testing.T) {
	c := env(t)
	ns := kubetest.NewNamespace(t, c)
	repo := gittest.NewServer(t).NewRepo(t, "pushed")
	repo.Commit(t, map[string]string{"front/cm.yaml": configMap("front", "1"), "back/cm.yaml": configMap("back", "1")}, "two apps")
	withPaths := func(m string) string {
		return strings.Replace(m, "metadata:\n", "metadata:\n  annotations:\n    argocd.argoproj.io/manifest-generate-paths: .\n", 1)
	}
	createApp(t, c, withPaths(directoryApp("hook-front", repo.URL(), "front", ns, false)))
	createApp(t, c, withPaths(directoryApp("hook-back", repo.URL(), "back", ns, false)))
	waitSyncedHealthy(t, c, "hook-front", "", 30*time.Second)
	waitSyncedHealthy(t, c, "hook-back", "", 30*time.Second)

	sha := repo.Commit(t, map[string]string{"front/cm.yaml": configMap("front", "2")}, "change front")
	start := time.Now()
	code, body := postPush(t, githubPush(repo.URL(), sha, "front/cm.yaml"), "")
	if code != http.StatusOK || !strings.Contains(body, `"refreshed":1`) {
		t.Fatalf("push answered %d %s, want 200 refreshing one app", code, body)
	}
	eventually(t, 15*time.Second, func() (bool, string) {
		v := configMapValue(t, c, ns, "front")
		return v == "2", "front = " + v
	})
	t.Logf("push to applied in %s", time.Since(start).Round(time.Millisecond))
	waitSyncedHealthy(t, c, "hook-front", sha, 15*time.Second)

	code, body = postPush(t, githubPush("https://git.example.com/unrelated.git", sha, "front/cm.yaml"), "")
	if code != http.StatusOK || !strings.Contains(body, `"refreshed":0`) {
		t.Errorf("push of another repository answered %d %s, want 200 refreshing none", code, body)
	}

	t.Run("secret", func(t *testing.T) {
		sec := &corev1.Secret{ObjectMeta: objectMeta(controller.WebhookSecret), StringData: map[string]string{"webhook.github.secret": "s3cret"}}
		if err := c.Create(context.Background(), sec); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = c.Delete(context.Background(), sec) })
		push := githubPush(repo.URL(), sha, "back/cm.yaml")
		eventually(t, 20*time.Second, func() (bool, string) { // the secrets are re-read every 10s
			code, body := postPush(t, push, "")
			return code == http.StatusUnauthorized, fmt.Sprintf("unsigned push answered %d %s", code, body)
		})
		if code, body := postPush(t, push, "wrong"); code != http.StatusUnauthorized {
			t.Errorf("push signed with the wrong secret answered %d %s", code, body)
		}
		if code, body := postPush(t, push, "s3cret"); code != http.StatusOK || !strings.Contains(body, `"refreshed":1`) {
			t.Errorf("signed push answered %d %s, want 200 refreshing hook-back", code, body)
		}
	})
}
