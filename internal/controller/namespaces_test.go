package controller_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/apply"
	"flotilla.dev/flotilla/internal/controlplane/kubetest"
	"flotilla.dev/flotilla/internal/source/git/gittest"
)

// newNamespaceNamed creates a namespace prefix-<random> and deletes it when
// the test ends.
func newNamespaceNamed(t *testing.T, c client.Client, prefix string) string {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("%s-%06d", prefix, rand.IntN(1000000))}}
	if err := c.Create(context.Background(), ns); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Delete(context.Background(), ns) })
	return ns.Name
}

// Applications outside the controller's namespace are reconciled when the
// controller watches their namespace and their project's sourceNamespaces
// list it; their objects carry Argo CD's `<namespace>_<name>` tracking id.
func TestAppsInAnyNamespace(t *testing.T) {
	c := env(t)
	repo := gittest.NewServer(t).NewRepo(t, "team-apps")
	repo.Commit(t, map[string]string{"cm/cm.yaml": configMap("team-config", "1")}, "team config")
	teamNS := newNamespaceNamed(t, c, "team")
	otherNS := newNamespaceNamed(t, c, "elsewhere")
	proj := &v1alpha1.AppProject{ObjectMeta: objectMeta("teams-" + teamNS)}
	proj.Spec.SourceRepos = []string{"*"}
	proj.Spec.Destinations = []v1alpha1.ApplicationDestination{{Server: "*", Namespace: "*"}}
	proj.Spec.SourceNamespaces = []string{"team-*"}
	if err := c.Create(context.Background(), proj); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Delete(context.Background(), proj) })

	t.Run("permitted by the project", func(t *testing.T) {
		dest := kubetest.NewNamespace(t, c)
		m := strings.Replace(directoryApp("team-app", repo.URL(), "cm", dest, false), "project: default", "project: "+proj.Name, 1)
		createAppIn(t, c, teamNS, m)
		eventually(t, 60*time.Second, func() (bool, string) {
			app := getAppIn(t, c, teamNS, "team-app")
			return app.Status.Sync.Status == v1alpha1.SyncStatusCodeSynced && app.Status.Health.Status == v1alpha1.HealthStatusHealthy, describe(app)
		})
		cm := &corev1.ConfigMap{}
		if err := c.Get(context.Background(), client.ObjectKey{Namespace: dest, Name: "team-config"}, cm); err != nil {
			t.Fatal(err)
		}
		want := fmt.Sprintf("%s_team-app:/ConfigMap:%s/team-config", teamNS, dest)
		if got := cm.Annotations[apply.TrackingAnnotation]; got != want {
			t.Errorf("tracking id = %q, want %q", got, want)
		}
	})

	t.Run("project without the namespace", func(t *testing.T) {
		dest := kubetest.NewNamespace(t, c)
		createAppIn(t, c, teamNS, directoryApp("team-default", repo.URL(), "cm", dest, false))
		eventually(t, 30*time.Second, func() (bool, string) {
			app := getAppIn(t, c, teamNS, "team-default")
			return strings.Contains(condition(app, v1alpha1.ApplicationConditionInvalidSpecError), "sourceNamespaces do not list "+teamNS), describe(app)
		})
		if exists(c, &corev1.ConfigMap{}, dest, "team-config") {
			t.Error("an app its project does not admit was applied")
		}
	})

	t.Run("namespace the controller does not watch", func(t *testing.T) {
		dest := kubetest.NewNamespace(t, c)
		createAppIn(t, c, otherNS, directoryApp("stray-app", repo.URL(), "cm", dest, false))
		// The permitted app above shows the controller is running; give
		// this one the time that took, and more.
		time.Sleep(3 * time.Second)
		if app := getAppIn(t, c, otherNS, "stray-app"); app.Status.ReconciledAt != nil {
			t.Errorf("an app in an unwatched namespace was reconciled: %s", describe(app))
		}
		if exists(c, &corev1.ConfigMap{}, dest, "team-config") {
			t.Error("an app in an unwatched namespace was applied")
		}
	})
}
