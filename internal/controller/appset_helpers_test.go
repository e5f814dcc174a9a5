package controller_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/appset"
)

// createSet creates an ApplicationSet from YAML in the test namespace and
// deletes it (and so its Applications) when the test ends.
func createSet(t *testing.T, c client.Client, manifest string) *v1alpha1.ApplicationSet {
	t.Helper()
	set := &v1alpha1.ApplicationSet{}
	if err := yamlInto(manifest, set); err != nil {
		t.Fatalf("decode applicationset: %v", err)
	}
	if set.Namespace == "" {
		set.Namespace = appNamespace
	}
	if err := c.Create(context.Background(), set); err != nil {
		t.Fatalf("create applicationset: %v", err)
	}
	t.Cleanup(func() { deleteSetAndWait(t, c, set) })
	return set
}

// deleteSetAndWait deletes a set and waits until it and the Applications
// it owned are gone, so the next test starts clean.
func deleteSetAndWait(t *testing.T, c client.Client, set *v1alpha1.ApplicationSet) {
	ctx := context.Background()
	_ = c.Delete(ctx, set)
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		err := c.Get(ctx, client.ObjectKeyFromObject(set), &v1alpha1.ApplicationSet{})
		if apierrors.IsNotFound(err) && len(ownedApps(t, c, set)) == 0 {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// updateSet changes a set with fn, retrying on conflicts.
func updateSet(t *testing.T, c client.Client, name string, fn func(*v1alpha1.ApplicationSet)) {
	t.Helper()
	for range 10 {
		set := getSet(t, c, name)
		fn(set)
		err := c.Update(context.Background(), set)
		if err == nil {
			return
		}
		if !apierrors.IsConflict(err) {
			t.Fatalf("update applicationset %s: %v", name, err)
		}
	}
	t.Fatalf("update applicationset %s: conflicts", name)
}

func getSet(t *testing.T, c client.Client, name string) *v1alpha1.ApplicationSet {
	t.Helper()
	set := &v1alpha1.ApplicationSet{}
	if err := c.Get(context.Background(), client.ObjectKey{Namespace: appNamespace, Name: name}, set); err != nil {
		t.Fatalf("get applicationset %s: %v", name, err)
	}
	return set
}

// ownedApps are the Applications whose controlling owner is set, by name.
func ownedApps(t *testing.T, c client.Client, set *v1alpha1.ApplicationSet) map[string]*v1alpha1.Application {
	t.Helper()
	var list v1alpha1.ApplicationList
	if err := c.List(context.Background(), &list, client.InNamespace(set.Namespace)); err != nil {
		t.Fatalf("list applications: %v", err)
	}
	out := map[string]*v1alpha1.Application{}
	for i := range list.Items {
		a := &list.Items[i]
		for _, ref := range a.OwnerReferences {
			if ref.Kind == "ApplicationSet" && ref.Name == set.Name && ref.Controller != nil && *ref.Controller {
				out[a.Name] = a
			}
		}
	}
	return out
}

// waitOwnedApps waits until the set owns exactly the named Applications.
func waitOwnedApps(t *testing.T, c client.Client, name string, want ...string) map[string]*v1alpha1.Application {
	t.Helper()
	sort.Strings(want)
	var apps map[string]*v1alpha1.Application
	eventually(t, 60*time.Second, func() (bool, string) {
		apps = ownedApps(t, c, getSet(t, c, name))
		var got []string
		for n, a := range apps {
			if a.DeletionTimestamp == nil {
				got = append(got, n)
			}
		}
		sort.Strings(got)
		return strings.Join(got, ",") == strings.Join(want, ","), fmt.Sprintf("set %s owns %v, want %v\n%s", name, got, want, describeSet(getSet(t, c, name)))
	})
	return apps
}

// waitSetCondition waits until the set's condition has status and its
// message contains text.
func waitSetCondition(t *testing.T, c client.Client, name string, typ v1alpha1.ApplicationSetConditionType, status v1alpha1.ApplicationSetConditionStatus, text string) *v1alpha1.ApplicationSet {
	t.Helper()
	var set *v1alpha1.ApplicationSet
	eventually(t, 60*time.Second, func() (bool, string) {
		set = getSet(t, c, name)
		for _, cond := range set.Status.Conditions {
			if cond.Type == typ && cond.Status == status && strings.Contains(cond.Message, text) {
				return true, ""
			}
		}
		return false, fmt.Sprintf("want %s=%s containing %q\n%s", typ, status, text, describeSet(set))
	})
	return set
}

func describeSet(set *v1alpha1.ApplicationSet) string {
	var b strings.Builder
	fmt.Fprintf(&b, "applicationset %s: health=%s resources=%d", set.Name, set.Status.Health.Status, set.Status.ResourcesCount)
	for _, cond := range set.Status.Conditions {
		fmt.Fprintf(&b, "\n  condition %s=%s (%s): %s", cond.Type, cond.Status, cond.Reason, cond.Message)
	}
	for _, s := range set.Status.ApplicationStatus {
		fmt.Fprintf(&b, "\n  rollout %s step %s: %s (%s)", s.Application, s.Step, s.Status, s.Message)
	}
	return b.String()
}

// setTemplate is the template part of a set: one Application per
// parameter set, named and pathed by the given expressions, syncing
// automatically into namespace.
func setTemplate(name, repoURL, path, namespace string) string {
	return fmt.Sprintf(`  template:
    metadata:
      name: '%s'
    spec:
      project: default
      source:
        repoURL: %s
        targetRevision: HEAD
        path: '%s'
      destination:
        server: https://kubernetes.default.svc
        namespace: %s
      syncPolicy:
        automated: {prune: true}
`, name, repoURL, path, namespace)
}

var _ = appset.RefreshAnnotation
