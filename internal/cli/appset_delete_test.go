package cli

import (
	"context"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/appset"
)

// createOwnedApp creates an Application the set controls, without
// finalizers (no controller watches the namespace to remove them).
func (e *appSetEnv) createOwnedApp(set *v1alpha1.ApplicationSet, name string) {
	e.t.Helper()
	app := &v1alpha1.Application{
		ObjectMeta: metav1.ObjectMeta{Namespace: e.ns, Name: name},
		Spec: v1alpha1.ApplicationSpec{
			Project:     "default",
			Source:      &v1alpha1.ApplicationSource{RepoURL: gitopsURL, Path: name},
			Destination: v1alpha1.ApplicationDestination{Server: "https://kubernetes.default.svc", Namespace: name},
		},
	}
	app = appset.Desired(set, app)
	app.Finalizers = nil
	if err := e.c.Create(context.Background(), app); err != nil {
		e.t.Fatalf("create application %s: %v", name, err)
	}
}

func TestAppSetDelete(t *testing.T) {
	e := newAppSetEnv(t)
	set := e.createSet(listAppSet, v1alpha1.ApplicationSetStatus{})
	e.createOwnedApp(set, "guestbook-dev")
	e.createOwnedApp(set, "guestbook-prod")

	res := e.mustRun("appset", "delete", "guestbook", "--yes", "--wait", "--timeout", "2m")
	if want := "applicationset guestbook deleted: its 2 Applications are deleted with their resources\n"; res.stdout != want {
		t.Errorf("stdout %q, want %q", res.stdout, want)
	}
	var apps v1alpha1.ApplicationList
	if err := e.c.List(context.Background(), &apps, client.InNamespace(e.ns)); err != nil || len(apps.Items) != 0 {
		t.Errorf("Applications left: %d (%v)", len(apps.Items), err)
	}

	e.createSet(rollingAppSet, v1alpha1.ApplicationSetStatus{})
	res = e.mustRun("appset", "delete", "rolling", "--yes", "--wait", "--timeout", "1m")
	if want := "applicationset rolling deleted: its 0 Applications stay (applicationsSync policy create-update keeps them)\n"; res.stdout != want {
		t.Errorf("stdout %q, want %q", res.stdout, want)
	}
	if gone := e.flotilla("appset", "get", "rolling"); gone.code == 0 {
		t.Errorf("the set is still there: %+v", gone)
	}
}
