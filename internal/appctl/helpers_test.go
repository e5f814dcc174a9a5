package appctl

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"flotilla.dev/flotilla/api/v1alpha1"
)

// fakeClient is a controller-runtime fake holding objs, for pure logic.
func fakeClient(t *testing.T, objs ...client.Object) client.Client {
	t.Helper()
	s, err := Scheme()
	if err != nil {
		t.Fatal(err)
	}
	return fake.NewClientBuilder().WithScheme(s).WithObjects(objs...).Build()
}

// application is an Application in argocd with annotations and the given
// child Applications in its status.resources.
func application(name string, ann map[string]string, children ...string) *v1alpha1.Application {
	app := &v1alpha1.Application{ObjectMeta: metav1.ObjectMeta{Namespace: "argocd", Name: name, Annotations: ann}}
	for _, c := range children {
		app.Status.Resources = append(app.Status.Resources, v1alpha1.ResourceStatus{
			Group: "argoproj.io", Version: "v1alpha1", Kind: "Application", Namespace: "argocd", Name: c,
		})
	}
	return app
}
