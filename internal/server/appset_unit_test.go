package server

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/appctl"
)

func TestAppSetGeneratorKinds(t *testing.T) {
	nested := func(s string) *apiextensionsv1.JSON { return &apiextensionsv1.JSON{Raw: []byte(s)} }
	gens := []v1alpha1.ApplicationSetGenerator{
		{Git: &v1alpha1.GitGenerator{RepoURL: "https://git.example/x"}},
		{Merge: &v1alpha1.MergeGenerator{MergeKeys: []string{"name"}, Generators: []v1alpha1.ApplicationSetNestedGenerator{
			{Clusters: &v1alpha1.ClusterGenerator{}},
			{Matrix: nested(`{"generators": [{"list": {"elements": []}}, {"plugin": {"configMapRef": {"name": "p"}}}]}`)},
			{Merge: nested(`not json`)},
		}}},
		{},
	}
	var render func(ks []GeneratorKind) string
	render = func(ks []GeneratorKind) string {
		var out []string
		for _, k := range ks {
			if len(k.Children) > 0 {
				out = append(out, k.Kind+"("+render(k.Children)+")")
			} else {
				out = append(out, k.Kind)
			}
		}
		return strings.Join(out, ",")
	}
	if got, want := render(generatorKinds(gens)), "git,merge(clusters,matrix(list,plugin),merge),unknown"; got != want {
		t.Errorf("kinds = %s, want %s", got, want)
	}
}

func TestAppSetOwner(t *testing.T) {
	yes := true
	app := &v1alpha1.Application{ObjectMeta: metav1.ObjectMeta{Namespace: "argocd", Name: "a", OwnerReferences: []metav1.OwnerReference{
		{APIVersion: "example.com/v1", Kind: v1alpha1.ApplicationSetKind, Name: "impostor", UID: "1"},
		{APIVersion: "argoproj.io/v1alpha1", Kind: v1alpha1.ApplicationSetKind, Name: "first", UID: "2"},
		{APIVersion: "argoproj.io/v1alpha1", Kind: v1alpha1.ApplicationSetKind, Name: "controller", UID: "3", Controller: &yes},
	}}}
	if got := appSetOwner(app); got == nil || got.Name != "controller" || got.Namespace != "argocd" {
		t.Errorf("owner = %+v, want the controller reference", got)
	}
	app.OwnerReferences = app.OwnerReferences[:2]
	if got := appSetOwner(app); got == nil || got.Name != "first" {
		t.Errorf("owner = %+v, want first", got)
	}
	app.OwnerReferences = app.OwnerReferences[:1]
	if got := appSetOwner(app); got != nil {
		t.Errorf("owner = %+v, want none: another group's kind", got)
	}
}

func TestAppSetsNotServed(t *testing.T) {
	s := &Server{}
	s.appSetsOff.Store(&unavailable{status: http.StatusNotImplemented, reason: "the cluster does not serve ApplicationSets"})
	for _, h := range []http.HandlerFunc{s.listAppSets, s.getAppSet} {
		rec := httptest.NewRecorder()
		h(rec, httptest.NewRequest("GET", "/api/v1/applicationsets", nil))
		if rec.Code != http.StatusNotImplemented || !strings.Contains(rec.Body.String(), "does not serve ApplicationSets") {
			t.Errorf("answer %d %s, want 501 saying why", rec.Code, rec.Body.String())
		}
	}
}

func TestAppSetReaderKeepsToServedNamespaces(t *testing.T) {
	scheme, err := appctl.Scheme()
	if err != nil {
		t.Fatal(err)
	}
	cached := fake.NewClientBuilder().WithScheme(scheme).WithObjects(
		&v1alpha1.ApplicationSet{ObjectMeta: metav1.ObjectMeta{Namespace: "argocd", Name: "served"}},
		&v1alpha1.ApplicationSet{ObjectMeta: metav1.ObjectMeta{Namespace: "private", Name: "hidden"}},
	).Build()
	r := appReader{namespaces: namespaceFilter{"argocd"}, apps: cached, other: fake.NewClientBuilder().WithScheme(scheme).Build()}
	if err := r.Get(context.Background(), client.ObjectKey{Namespace: "argocd", Name: "served"}, &v1alpha1.ApplicationSet{}); err != nil {
		t.Errorf("get a served set: %v", err)
	}
	err = r.Get(context.Background(), client.ObjectKey{Namespace: "private", Name: "hidden"}, &v1alpha1.ApplicationSet{})
	if !apierrors.IsNotFound(err) || !strings.Contains(err.Error(), "applicationsets.argoproj.io") {
		t.Errorf("get a set outside the served namespaces: %v, want not found", err)
	}
	var list v1alpha1.ApplicationSetList
	if err := r.List(context.Background(), &list); err != nil || len(list.Items) != 2 {
		t.Errorf("list from the cache: %d sets, %v", len(list.Items), err)
	}
}
