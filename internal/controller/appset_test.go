package controller_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/appset"
	"flotilla.dev/flotilla/internal/controlplane/kubetest"
	"flotilla.dev/flotilla/internal/source/git/gittest"
)

// A list generator's elements become Applications owned by the set, with
// the resources finalizer, synced and healthy; the set's status lists them
// and says it is up to date. An element removed deletes its Application
// and, through the finalizer, what the Application deployed.
func TestAppSetListGeneratesAndDeletes(t *testing.T) {
	c := env(t)
	ns := kubetest.NewNamespace(t, c)
	repo := gittest.NewServer(t).NewRepo(t, "list-set")
	repo.Commit(t, map[string]string{"apps/a/cm.yaml": configMap("list-a", "1"), "apps/b/cm.yaml": configMap("list-b", "1")}, "two apps")
	set := createSet(t, c, `apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: list-set
spec:
  generators:
  - list:
      elements:
      - name: a
      - name: b
`+setTemplate("list-{{name}}", repo.URL(), "apps/{{name}}", ns))
	apps := waitOwnedApps(t, c, "list-set", "list-a", "list-b")
	for name, app := range apps {
		if !slices.Contains(app.Finalizers, appset.ResourcesFinalizer) {
			t.Errorf("%s has finalizers %v, want the resources finalizer", name, app.Finalizers)
		}
		if ref := app.OwnerReferences[0]; ref.UID != set.UID {
			t.Errorf("%s is owned by %s (%s), want the set", name, ref.Name, ref.UID)
		}
		waitSyncedHealthy(t, c, name, "", 60*time.Second)
	}
	got := waitSetCondition(t, c, "list-set", v1alpha1.ApplicationSetConditionResourcesUpToDate, v1alpha1.ApplicationSetConditionStatusTrue, "")
	eventually(t, 30*time.Second, func() (bool, string) {
		got = getSet(t, c, "list-set")
		ok := got.Status.ResourcesCount == 2 && len(got.Status.Resources) == 2 && got.Status.Resources[0].Name == "list-a" &&
			got.Status.Resources[0].Status == v1alpha1.SyncStatusCodeSynced && got.Status.Health.Status == v1alpha1.HealthStatusHealthy
		return ok, describeSet(got)
	})

	updateSet(t, c, "list-set", func(s *v1alpha1.ApplicationSet) {
		s.Spec.Generators[0].List.Elements = s.Spec.Generators[0].List.Elements[:1]
	})
	waitOwnedApps(t, c, "list-set", "list-a")
	eventually(t, 60*time.Second, func() (bool, string) {
		return !exists(c, &corev1.ConfigMap{}, ns, "list-b"), "list-b's ConfigMap is still there"
	})
	if !exists(c, &corev1.ConfigMap{}, ns, "list-a") {
		t.Error("list-a's ConfigMap was deleted")
	}
}

// Git directories: a new directory pushed (the webhook refreshes the set:
// the test controller would not poll for an hour) becomes an Application;
// a removed one is deleted under the default sync policy and kept under
// create-update. Excluded and hidden directories generate nothing.
func TestAppSetGitDirectoriesFollowPushes(t *testing.T) {
	c := env(t)
	ns := kubetest.NewNamespace(t, c)
	repo := gittest.NewServer(t).NewRepo(t, "dirs-set")
	repo.Commit(t, map[string]string{
		"apps/one/cm.yaml": configMap("dirs-one", "1"), "apps/two/cm.yaml": configMap("dirs-two", "1"),
		"apps/skip/cm.yaml": configMap("dirs-skip", "1"), "apps/.hidden/cm.yaml": configMap("dirs-hidden", "1"),
	}, "apps")
	gen := fmt.Sprintf(`  goTemplate: true
  generators:
  - git:
      repoURL: %s
      revision: HEAD
      directories:
      - path: apps/*
      - path: apps/skip
        exclude: true
`, repo.URL())
	createSet(t, c, "apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata:\n  name: dirs-sync\nspec:\n"+gen+
		setTemplate("sync-{{.path.basename}}", repo.URL(), "{{.path.path}}", ns))
	createSet(t, c, "apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata:\n  name: dirs-keep\nspec:\n"+gen+
		"  syncPolicy:\n    applicationsSync: create-update\n"+
		strings.ReplaceAll(setTemplate("keep-{{.path.basename}}", repo.URL(), "{{.path.path}}", ns), "automated: {prune: true}", "{}"))
	waitOwnedApps(t, c, "dirs-sync", "sync-one", "sync-two")
	waitOwnedApps(t, c, "dirs-keep", "keep-one", "keep-two")

	sha := repo.Commit(t, map[string]string{"apps/three/cm.yaml": configMap("dirs-three", "1")}, "a third app")
	if code, body := postPush(t, githubPush(repo.URL(), sha, "apps/three/cm.yaml"), ""); code != 200 {
		t.Fatalf("push: %d %s", code, body)
	}
	waitOwnedApps(t, c, "dirs-sync", "sync-one", "sync-three", "sync-two")
	waitOwnedApps(t, c, "dirs-keep", "keep-one", "keep-three", "keep-two")
	waitSyncedHealthy(t, c, "sync-three", sha, 60*time.Second)

	sha = repo.Remove(t, []string{"apps/one"}, "drop one")
	if code, body := postPush(t, githubPush(repo.URL(), sha, "apps/one/cm.yaml"), ""); code != 200 {
		t.Fatalf("push: %d %s", code, body)
	}
	waitOwnedApps(t, c, "dirs-sync", "sync-three", "sync-two")
	waitOwnedApps(t, c, "dirs-keep", "keep-one", "keep-three", "keep-two")

	// Without a push, the refresh annotation asks git again; the
	// controller removes it once the pass is done.
	repo.Commit(t, map[string]string{"apps/four/cm.yaml": configMap("dirs-four", "1")}, "a fourth app")
	set := getSet(t, c, "dirs-sync")
	patch := client.RawPatch("application/merge-patch+json", []byte(`{"metadata":{"annotations":{"`+appset.RefreshAnnotation+`":"true"}}}`))
	if err := c.Patch(context.Background(), set, patch); err != nil {
		t.Fatal(err)
	}
	waitOwnedApps(t, c, "dirs-sync", "sync-four", "sync-three", "sync-two")
	eventually(t, 30*time.Second, func() (bool, string) {
		_, pending := getSet(t, c, "dirs-sync").Annotations[appset.RefreshAnnotation]
		return !pending, "the refresh annotation is still there"
	})
}

// An Application that exists unowned under a generated name is adopted;
// one owned by another set is left alone and the second set says why.
func TestAppSetAdoptsUnownedAndRefusesOthers(t *testing.T) {
	c := env(t)
	ns := kubetest.NewNamespace(t, c)
	repo := gittest.NewServer(t).NewRepo(t, "adopt-set")
	repo.Commit(t, map[string]string{"apps/x/cm.yaml": configMap("adopt-x", "1")}, "app")
	createApp(t, c, directoryApp("adopt-x", repo.URL(), "elsewhere", ns, false))
	list := func(name string) string {
		return "apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata:\n  name: " + name + "\nspec:\n  generators:\n  - list:\n      elements:\n      - name: x\n" +
			setTemplate("adopt-{{name}}", repo.URL(), "apps/{{name}}", ns)
	}
	first := createSet(t, c, list("adopt-first"))
	apps := waitOwnedApps(t, c, "adopt-first", "adopt-x")
	if got := apps["adopt-x"].Spec.Source.Path; got != "apps/x" {
		t.Errorf("adopted app's path is %q, want the template's apps/x", got)
	}
	createSet(t, c, list("adopt-second"))
	waitSetCondition(t, c, "adopt-second", v1alpha1.ApplicationSetConditionErrorOccurred, v1alpha1.ApplicationSetConditionStatusTrue, "owned by ApplicationSet adopt-first")
	if app := getApp(t, c, "adopt-x"); app.OwnerReferences[0].UID != first.UID {
		t.Errorf("adopt-x changed owner to %s", app.OwnerReferences[0].Name)
	}
}

// Deleting a set deletes its Applications and their resources; with
// preserveResourcesOnDeletion the resources stay; with a policy that
// forbids deletes the Applications stay too, no longer owned.
func TestAppSetDeletion(t *testing.T) {
	c := env(t)
	ns := kubetest.NewNamespace(t, c)
	repo := gittest.NewServer(t).NewRepo(t, "delete-set")
	repo.Commit(t, map[string]string{
		"apps/cascade/cm.yaml": configMap("del-cascade", "1"), "apps/preserve/cm.yaml": configMap("del-preserve", "1"), "apps/keep/cm.yaml": configMap("del-keep", "1"),
	}, "apps")
	mk := func(name, policy string) *v1alpha1.ApplicationSet {
		return createSet(t, c, "apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata:\n  name: del-"+name+"\nspec:\n  generators:\n  - list:\n      elements:\n      - name: "+name+"\n"+
			policy+setTemplate("del-{{name}}", repo.URL(), "apps/{{name}}", ns))
	}
	sets := map[string]*v1alpha1.ApplicationSet{
		"cascade":  mk("cascade", ""),
		"preserve": mk("preserve", "  syncPolicy:\n    preserveResourcesOnDeletion: true\n"),
		"keep":     mk("keep", "  syncPolicy:\n    applicationsSync: create-only\n"),
	}
	for name := range sets {
		waitOwnedApps(t, c, "del-"+name, "del-"+name)
		waitSyncedHealthy(t, c, "del-"+name, "", 60*time.Second)
	}
	eventually(t, 30*time.Second, func() (bool, string) {
		s := getSet(t, c, "del-keep")
		return slices.Contains(s.Finalizers, appset.ResourcesFinalizer), "del-keep has no finalizer yet"
	})
	for _, s := range sets {
		if err := c.Delete(context.Background(), s); err != nil {
			t.Fatal(err)
		}
	}
	gone := func(name string) bool {
		return apierrors.IsNotFound(c.Get(context.Background(), client.ObjectKey{Namespace: appNamespace, Name: name}, &v1alpha1.Application{}))
	}
	eventually(t, 60*time.Second, func() (bool, string) {
		return gone("del-cascade") && gone("del-preserve") && !exists(c, &corev1.ConfigMap{}, ns, "del-cascade"),
			fmt.Sprintf("cascade gone %t, preserve gone %t", gone("del-cascade"), gone("del-preserve"))
	})
	if !exists(c, &corev1.ConfigMap{}, ns, "del-preserve") {
		t.Error("preserveResourcesOnDeletion: the ConfigMap was deleted")
	}
	eventually(t, 30*time.Second, func() (bool, string) {
		return apierrors.IsNotFound(c.Get(context.Background(), client.ObjectKeyFromObject(sets["keep"]), &v1alpha1.ApplicationSet{})), "del-keep set still there"
	})
	time.Sleep(2 * time.Second) // give the garbage collector a chance to act wrongly
	app := getApp(t, c, "del-keep")
	if len(app.OwnerReferences) != 0 || app.DeletionTimestamp != nil {
		t.Errorf("create-only: the Application was not kept unowned: owners %v, deleting %v", app.OwnerReferences, app.DeletionTimestamp)
	}
	t.Cleanup(func() { _ = c.Delete(context.Background(), app) })
}

// The max-deletions guard holds a pass that would delete more
// Applications than allowed, with a condition naming them, until it is
// confirmed with the condition's token.
func TestAppSetMaxDeletionsHoldsPass(t *testing.T) {
	c := env(t)
	ns := kubetest.NewNamespace(t, c)
	repo := gittest.NewServer(t).NewRepo(t, "guard-set")
	repo.Commit(t, map[string]string{"apps/a/cm.yaml": configMap("guard-a", "1"), "apps/b/cm.yaml": configMap("guard-b", "1"), "apps/c/cm.yaml": configMap("guard-c", "1")}, "apps")
	createSet(t, c, `apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: guard-set
  annotations:
    flotilla.dev/max-deletions: "1"
spec:
  generators:
  - list:
      elements: [{name: a}, {name: b}, {name: c}]
`+setTemplate("guard-{{name}}", repo.URL(), "apps/{{name}}", ns))
	waitOwnedApps(t, c, "guard-set", "guard-a", "guard-b", "guard-c")
	updateSet(t, c, "guard-set", func(s *v1alpha1.ApplicationSet) {
		s.Spec.Generators[0].List.Elements = s.Spec.Generators[0].List.Elements[:1]
	})
	held := waitSetCondition(t, c, "guard-set", "DeletionsHeld", v1alpha1.ApplicationSetConditionStatusTrue, "guard-b, guard-c")
	if apps := ownedApps(t, c, held); len(apps) != 3 {
		t.Fatalf("the held pass deleted Applications: %d left", len(apps))
	}
	msg := ""
	for _, cond := range held.Status.Conditions {
		if cond.Type == "DeletionsHeld" {
			msg = cond.Message
		}
	}
	token := msg[strings.LastIndex(msg, "=")+1:]
	updateSet(t, c, "guard-set", func(s *v1alpha1.ApplicationSet) { s.Annotations[appset.ConfirmDeletionsAnnotation] = token })
	waitOwnedApps(t, c, "guard-set", "guard-a")
}

// A generator that fails aborts the whole pass: no Application is
// created, changed or deleted, and the set says which generator failed.
func TestAppSetGeneratorErrorKeepsApps(t *testing.T) {
	c := env(t)
	ns := kubetest.NewNamespace(t, c)
	repo := gittest.NewServer(t).NewRepo(t, "error-set")
	repo.Commit(t, map[string]string{"apps/a/cm.yaml": configMap("error-a", "1"), "apps/b/cm.yaml": configMap("error-b", "1")}, "apps")
	createSet(t, c, `apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: error-set
spec:
  generators:
  - list:
      elements: [{name: a}, {name: b}]
`+setTemplate("error-{{name}}", repo.URL(), "apps/{{name}}", ns))
	before := waitOwnedApps(t, c, "error-set", "error-a", "error-b")
	updateSet(t, c, "error-set", func(s *v1alpha1.ApplicationSet) {
		s.Spec.Generators[0].List.Elements = s.Spec.Generators[0].List.Elements[:1]
		s.Spec.Generators = append(s.Spec.Generators, v1alpha1.ApplicationSetGenerator{Git: &v1alpha1.GitGenerator{
			RepoURL: repo.URL() + "-missing", Revision: "HEAD", Directories: []v1alpha1.GitDirectoryGeneratorItem{{Path: "*"}},
		}})
	})
	waitSetCondition(t, c, "error-set", v1alpha1.ApplicationSetConditionErrorOccurred, v1alpha1.ApplicationSetConditionStatusTrue, "generator 1")
	waitSetCondition(t, c, "error-set", v1alpha1.ApplicationSetConditionParametersGenerated, v1alpha1.ApplicationSetConditionStatusFalse, "")
	// A generator that names no provider is the same: a condition, never
	// silently ignored.
	updateSet(t, c, "error-set", func(s *v1alpha1.ApplicationSet) {
		s.Spec.Generators[1] = v1alpha1.ApplicationSetGenerator{PullRequest: &v1alpha1.PullRequestGenerator{}}
	})
	waitSetCondition(t, c, "error-set", v1alpha1.ApplicationSetConditionErrorOccurred, v1alpha1.ApplicationSetConditionStatusTrue, "no pull request provider configured")
	after := ownedApps(t, c, getSet(t, c, "error-set"))
	for name := range before {
		if b := after[name]; b == nil || b.DeletionTimestamp != nil {
			t.Errorf("%s was deleted by a failing pass", name)
		}
	}
}
