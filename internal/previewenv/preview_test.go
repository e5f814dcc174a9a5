package previewenv_test

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/cli"
	"flotilla.dev/flotilla/internal/controller"
	"flotilla.dev/flotilla/internal/controller/controllertest"
	"flotilla.dev/flotilla/internal/controlplane/kubetest"
	"flotilla.dev/flotilla/internal/scm/giteatest"
	"flotilla.dev/flotilla/internal/source/git/gittest"
)

const (
	ns    = "argocd"
	uiURL = "http://flotilla.example.test"
)

// configMap is the one object the preview deploys.
func configMap(version string) string {
	return "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: shop}\ndata: {version: " + version + "}\n"
}

// gateLabel holds the preview's Deployment Progressing until the test
// labels the fake nodes with it.
const gateLabel = "flotilla.dev/test-gate"

// gatedDeployment is a Deployment whose Pod is only scheduled once the
// nodes carry gateLabel=preview.
const gatedDeployment = `apiVersion: apps/v1
kind: Deployment
metadata: {name: shop}
spec:
  replicas: 1
  selector: {matchLabels: {app: shop}}
  template:
    metadata: {labels: {app: shop}}
    spec:
      nodeSelector: {` + gateLabel + `: preview}
      containers: [{name: web, image: nginx:1.27}]
`

// previewSet is the ApplicationSet of docs/applicationsets.md's worked
// example, pointed at the test's Gitea.
func previewSet(api, repo, cloneURL string) string {
	owner, name, _ := strings.Cut(repo, "/")
	return fmt.Sprintf(`apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata: {name: shop-previews, namespace: %[5]s}
spec:
  goTemplate: true
  goTemplateOptions: ["missingkey=error"]
  generators:
  - pullRequest:
      gitea:
        owner: %[2]s
        repo: %[3]s
        api: %[1]s
        tokenRef: {secretName: gitea-token, key: token}
      requeueAfterSeconds: 1800
  template:
    metadata:
      name: 'shop-pr-{{.number}}'
      annotations: {flotilla.dev/commit-status: "true"}
    spec:
      project: default
      source: {repoURL: %[4]s, targetRevision: '{{.head_sha}}', path: deploy}
      destination: {server: https://kubernetes.default.svc, namespace: 'shop-pr-{{.number}}'}
      syncPolicy:
        automated: {prune: true}
        syncOptions: [CreateNamespace=true]
`, api, owner, name, cloneURL, ns)
}

// TestPreviewEnvironments opens, updates and closes a pull request on a
// real Gitea and follows its preview. The set lists pull requests every
// 30 minutes and sources are polled hourly, so every step within the
// test's minute is the webhook's doing.
func TestPreviewEnvironments(t *testing.T) {
	g := giteatest.Start(t)
	hookAddr := freeAddr(t)
	opts := controllertest.Options(ns)
	opts.WebhookAddr, opts.UIURL = hookAddr, uiURL
	opts.SCMAllowedAPIURLs = []string{g.URL}
	c := controllertest.StartWith(t, opts)
	ctx := context.Background()

	repo := g.CreateRepo(t, "shop")
	g.PutFile(t, repo, "main", "deploy/cm.yaml", configMap("main"))
	g.AddWebhook(t, repo, "http://"+hookAddr+controller.WebhookPath, "")
	createSecret(t, c, "gitea-token", map[string]string{"argocd.argoproj.io/secret-type": "scm-creds"}, map[string]string{"token": g.Token})
	createSecret(t, c, "gitea-forge", map[string]string{"flotilla.dev/secret-type": "forge"},
		map[string]string{"url": g.URL + "/", "provider": "gitea", "token": g.Token})
	apply(t, c, previewSet(g.URL, repo, g.CloneURL(repo)))

	// Opened: an Application at the head commit, its resources in the
	// preview's namespace. Its Deployment is held Progressing by the gate,
	// and the commit's status stays pending until the gate opens.
	g.PutFile(t, repo, "feature/new_checkout", "deploy/cm.yaml", configMap("one"))
	first := g.PutFile(t, repo, "feature/new_checkout", "deploy/deploy.yaml", gatedDeployment)
	opened := time.Now()
	number := g.OpenPR(t, repo, "feature/new_checkout", "main", "New checkout")
	app := fmt.Sprintf("shop-pr-%d", number)
	waitApp(t, c, app, first, v1alpha1.HealthStatusProgressing)
	t.Logf("pull request opened → %s synced at its head: %s", app, time.Since(opened).Round(10*time.Millisecond))
	waitConfigMap(t, c, app, "one")
	waitStatus(t, g, repo, first, app, "pending")
	time.Sleep(2 * time.Second) // held: still pending, not success
	waitStatus(t, g, repo, first, app, "pending")
	openGate(t, c)
	waitApp(t, c, app, first, v1alpha1.HealthStatusHealthy)
	waitStatus(t, g, repo, first, app, "success")

	// Pushed: the Application moves to the new head.
	pushed := time.Now()
	second := g.PutFile(t, repo, "feature/new_checkout", "deploy/cm.yaml", configMap("two"))
	waitApp(t, c, app, second, v1alpha1.HealthStatusHealthy)
	t.Logf("push → %s synced and healthy at the new head: %s", app, time.Since(pushed).Round(10*time.Millisecond))
	waitConfigMap(t, c, app, "two")
	waitStatus(t, g, repo, second, app, "success")

	// Closed: the Application and its resources are deleted.
	closed := time.Now()
	g.ClosePR(t, repo, number)
	ok, last := kubetest.Poll(90*time.Second, 200*time.Millisecond, func() (bool, string) {
		err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: app}, &v1alpha1.Application{})
		cmErr := c.Get(ctx, client.ObjectKey{Namespace: app, Name: "shop"}, &corev1.ConfigMap{})
		return apierrors.IsNotFound(err) && apierrors.IsNotFound(cmErr), fmt.Sprintf("application: %v, configmap: %v", err, cmErr)
	})
	if !ok {
		t.Fatalf("the closed pull request's preview is still there: %s", last)
	}
	t.Logf("pull request closed → %s and its ConfigMap deleted: %s", app, time.Since(closed).Round(10*time.Millisecond))

	dropManyIsHeld(t, c, g, repo)

	// A set calling an API outside the allow-list says so, and generates nothing.
	other := strings.ReplaceAll(previewSet("http://127.0.0.1:9", repo, g.CloneURL(repo)), "shop-previews", "elsewhere")
	apply(t, c, strings.ReplaceAll(other, "shop-pr-", "elsewhere-pr-"))
	ok, last = kubetest.Poll(30*time.Second, 200*time.Millisecond, func() (bool, string) {
		set := &v1alpha1.ApplicationSet{}
		if err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: "elsewhere"}, set); err != nil {
			return false, err.Error()
		}
		for _, cond := range set.Status.Conditions {
			if cond.Type == v1alpha1.ApplicationSetConditionErrorOccurred && cond.Status == v1alpha1.ApplicationSetConditionStatusTrue {
				return strings.Contains(cond.Message, "http://127.0.0.1:9 is not one of the allowed API URLs"), cond.Message
			}
		}
		return false, fmt.Sprint(set.Status.Conditions)
	})
	if !ok {
		t.Fatalf("the set outside the allow-list has no condition saying so: %s", last)
	}
}

// TestCommitStatusWithoutForge: an app whose repository no forge Secret
// holds says so in a CommitStatusError condition, and nothing else about
// it changes; without the annotation the condition goes.
func TestCommitStatusWithoutForge(t *testing.T) {
	c := controllertest.Start(t, ns)
	ctx := context.Background()
	repo := gittest.NewServer(t).NewRepo(t, "lonely")
	repo.Commit(t, map[string]string{"deploy/cm.yaml": configMap("lonely")}, "init")
	dest := kubetest.NewNamespace(t, c)
	app := &v1alpha1.Application{}
	err := yaml.UnmarshalStrict([]byte(fmt.Sprintf(`metadata:
  name: lonely
  namespace: %s
  annotations: {flotilla.dev/commit-status: "true"}
spec:
  project: default
  source: {repoURL: %s, targetRevision: HEAD, path: deploy}
  destination: {server: https://kubernetes.default.svc, namespace: %s}
  syncPolicy: {automated: {}}
`, ns, repo.URL(), dest)), app)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Create(ctx, app); err != nil {
		t.Fatal(err)
	}
	cond := func(present bool) {
		t.Helper()
		ok, last := kubetest.Poll(60*time.Second, 200*time.Millisecond, func() (bool, string) {
			a := &v1alpha1.Application{}
			if err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: "lonely"}, a); err != nil {
				return false, err.Error()
			}
			synced := a.Status.Sync.Status == v1alpha1.SyncStatusCodeSynced && a.Status.Health.Status == v1alpha1.HealthStatusHealthy
			for _, c := range a.Status.Conditions {
				if c.Type == "CommitStatusError" {
					return present && synced && strings.Contains(c.Message, "no forge secret (label flotilla.dev/secret-type=forge) holds "+repo.URL()), c.Message
				}
			}
			return !present && synced, fmt.Sprintf("%s/%s %v", a.Status.Sync.Status, a.Status.Health.Status, a.Status.Conditions)
		})
		if !ok {
			t.Fatalf("CommitStatusError present=%v: %s", present, last)
		}
	}
	cond(true)
	patch := client.RawPatch(types.MergePatchType, []byte(`{"metadata":{"annotations":{"flotilla.dev/commit-status":null,"argocd.argoproj.io/refresh":"normal"}}}`))
	if err := c.Patch(ctx, app, patch); err != nil {
		t.Fatal(err)
	}
	cond(false)
}

// TestSCMProviderGenerate previews an SCM-provider set over a real Gitea
// organisation: the repositories with a deploy/ directory, one
// Application each, with Argo CD's parameters.
func TestSCMProviderGenerate(t *testing.T) {
	g := giteatest.Start(t)
	for _, name := range []string{"billing", "checkout"} {
		g.PutFile(t, g.CreateOrgRepo(t, "shops", name), "main", "deploy/cm.yaml", configMap(name))
	}
	g.CreateOrgRepo(t, "shops", "handbook")
	set := fmt.Sprintf(`apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata: {name: shops, namespace: argocd}
spec:
  goTemplate: true
  generators:
  - scmProvider:
      gitea: {owner: shops, api: %s, tokenRef: {secretName: gitea-token, key: token}}
      cloneProtocol: https
      filters: [{pathsExist: [deploy]}]
  template:
    metadata: {name: '{{.repository}}-{{.branchNormalized}}'}
    spec:
      project: default
      source: {repoURL: '{{.url}}', targetRevision: '{{.sha}}', path: deploy}
      destination: {server: https://kubernetes.default.svc, namespace: '{{.organization}}-{{.repository}}'}
`, g.URL)
	file := filepath.Join(t.TempDir(), "set.yaml")
	if err := os.WriteFile(file, []byte(set), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("GITEA_TOKEN", g.Token)
	out, errOut, code := run("appset", "generate", "-f", file, "-o", "yaml", "--cache-dir", t.TempDir())
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"name: billing-main", "name: checkout-main", "namespace: shops-billing", "repoURL: " + g.URL + "/shops/checkout"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "handbook") {
		t.Errorf("handbook has no deploy/ and was generated:\n%s", out)
	}
}

// dropManyIsHeld opens two more pull requests, then makes the set list
// only labelled ones (none is) while it allows one deletion per pass:
// both previews are kept and the set says why, until the deletions are
// confirmed with the token it shows.
func dropManyIsHeld(t *testing.T, c client.Client, g *giteatest.Server, repo string) {
	t.Helper()
	ctx := context.Background()
	var apps []string
	for _, branch := range []string{"fix-a", "fix-b"} {
		sha := g.PutFile(t, repo, branch, "deploy/cm.yaml", configMap(branch))
		n := g.OpenPR(t, repo, branch, "main", branch)
		apps = append(apps, fmt.Sprintf("shop-pr-%d", n))
		waitApp(t, c, apps[len(apps)-1], sha, v1alpha1.HealthStatusHealthy)
	}
	set := &v1alpha1.ApplicationSet{}
	if err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: "shop-previews"}, set); err != nil {
		t.Fatal(err)
	}
	set.Annotations = map[string]string{"flotilla.dev/max-deletions": "1"}
	set.Spec.Generators[0].PullRequest.Gitea.Labels = []string{"preview"}
	if err := c.Update(ctx, set); err != nil {
		t.Fatal(err)
	}
	var token string
	ok, last := kubetest.Poll(60*time.Second, 200*time.Millisecond, func() (bool, string) {
		if err := c.Get(ctx, client.ObjectKeyFromObject(set), set); err != nil {
			return false, err.Error()
		}
		for _, cond := range set.Status.Conditions {
			if cond.Type == controller.ConditionDeletionsHeld && cond.Status == v1alpha1.ApplicationSetConditionStatusTrue {
				_, token, _ = strings.Cut(cond.Message, "flotilla.dev/confirm-deletions=")
				return strings.Contains(cond.Message, "holding the deletion of 2 Applications"), cond.Message
			}
		}
		return false, fmt.Sprint(set.Status.Conditions)
	})
	if !ok {
		t.Fatalf("closing two previews under max-deletions 1 was not held: %s", last)
	}
	for _, name := range apps {
		a := &v1alpha1.Application{}
		if err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, a); err != nil || a.DeletionTimestamp != nil {
			t.Fatalf("%s went while its deletion was held (%v)", name, err)
		}
	}
	confirm := client.RawPatch(types.MergePatchType, []byte(`{"metadata":{"annotations":{"flotilla.dev/confirm-deletions":"`+strings.TrimSpace(token)+`"}}}`))
	if err := c.Patch(ctx, set, confirm); err != nil {
		t.Fatal(err)
	}
	ok, last = kubetest.Poll(60*time.Second, 200*time.Millisecond, func() (bool, string) {
		gone := 0
		for _, name := range apps {
			if err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, &v1alpha1.Application{}); apierrors.IsNotFound(err) {
				gone++
			}
		}
		return gone == len(apps), fmt.Sprintf("%d of %d deleted", gone, len(apps))
	})
	if !ok {
		t.Fatalf("confirmed deletions did not happen: %s", last)
	}
}

// TestGenerateWithTokenFromEnvironment previews a set whose pull requests
// are in a private repository, with GITEA_TOKEN set and without it.
func TestGenerateWithTokenFromEnvironment(t *testing.T) {
	g := giteatest.Start(t)
	repo := g.CreatePrivateRepo(t, "private-shop")
	g.PutFile(t, repo, "fix-typo", "deploy/cm.yaml", configMap("fix"))
	n := g.OpenPR(t, repo, "fix-typo", "main", "Fix a typo")
	file := filepath.Join(t.TempDir(), "set.yaml")
	if err := os.WriteFile(file, []byte(previewSet(g.URL, repo, g.CloneURL(repo))), 0o600); err != nil {
		t.Fatal(err)
	}
	args := []string{"appset", "generate", "-f", file, "-o", "name", "--cache-dir", t.TempDir()}

	t.Setenv("GITEA_TOKEN", g.Token)
	out, errOut, code := run(args...)
	if code != 0 || strings.TrimSpace(out) != fmt.Sprintf("%s/shop-pr-%d", ns, n) {
		t.Fatalf("with GITEA_TOKEN: exit %d, out %q, err %q", code, out, errOut)
	}

	t.Setenv("GITEA_TOKEN", "")
	out, errOut, code = run(args...)
	if code == 0 || !strings.Contains(errOut, "gitea-token") {
		t.Fatalf("without a token: exit %d, out %q, err %q: want an error naming the Secret it would read", code, out, errOut)
	}
}

func run(args ...string) (string, string, int) {
	var out, errOut bytes.Buffer
	code := cli.Execute(context.Background(), args, &out, &errOut)
	return out.String(), errOut.String(), code
}

func waitApp(t *testing.T, c client.Client, name, sha string, health v1alpha1.HealthStatusCode) {
	t.Helper()
	ok, last := kubetest.Poll(90*time.Second, 200*time.Millisecond, func() (bool, string) {
		a := &v1alpha1.Application{}
		if err := c.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, a); err != nil {
			return false, err.Error()
		}
		done := a.Spec.GetSource().TargetRevision == sha && a.Status.Sync.Revision == sha &&
			a.Status.Sync.Status == v1alpha1.SyncStatusCodeSynced && a.Status.Health.Status == health
		return done, fmt.Sprintf("target %s, sync %s at %s, health %s, conditions %v",
			a.Spec.GetSource().TargetRevision, a.Status.Sync.Status, a.Status.Sync.Revision, a.Status.Health.Status, a.Status.Conditions)
	})
	if !ok {
		t.Fatalf("application %s did not sync %s: %s", name, sha, last)
	}
}

func waitConfigMap(t *testing.T, c client.Client, namespace, version string) {
	t.Helper()
	ok, last := kubetest.Poll(30*time.Second, 200*time.Millisecond, func() (bool, string) {
		cm := &corev1.ConfigMap{}
		if err := c.Get(context.Background(), client.ObjectKey{Namespace: namespace, Name: "shop"}, cm); err != nil {
			return false, err.Error()
		}
		return cm.Data["version"] == version, fmt.Sprint(cm.Data)
	})
	if !ok {
		t.Fatalf("configmap shop in %s is not at %s: %s", namespace, version, last)
	}
}

// waitStatus waits for the app's status on the commit to reach state, and
// checks its link to the web UI.
func waitStatus(t *testing.T, g *giteatest.Server, repo, sha, app, state string) {
	t.Helper()
	want := "flotilla/" + ns + "/" + app
	ok, last := kubetest.Poll(30*time.Second, 200*time.Millisecond, func() (bool, string) {
		for _, s := range g.Statuses(t, repo, sha) {
			if s.Context == want { // newest first
				return s.State == state && s.TargetURL == uiURL+"/#/apps/"+ns+"/"+app, fmt.Sprintf("%+v", s)
			}
		}
		return false, "no status " + want
	})
	if !ok {
		t.Fatalf("commit %s of %s has no %s status: %s", sha[:7], repo, state, last)
	}
}

// openGate schedules the preview's Pod: it labels every fake node with
// the gate until the test ends.
func openGate(t *testing.T, c client.Client) {
	t.Helper()
	if kubetest.OpenGate(t, c, gateLabel, "preview") == 0 {
		t.Fatal("no nodes to open the gate on")
	}
}

func createSecret(t *testing.T, c client.Client, name string, labels, data map[string]string) {
	t.Helper()
	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: labels}, StringData: data}
	if err := c.Create(context.Background(), s); err != nil {
		t.Fatal(err)
	}
}

func apply(t *testing.T, c client.Client, manifest string) {
	t.Helper()
	set := &v1alpha1.ApplicationSet{}
	if err := yaml.UnmarshalStrict([]byte(manifest), set); err != nil {
		t.Fatal(err)
	}
	if err := c.Create(context.Background(), set); err != nil {
		t.Fatal(err)
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}
