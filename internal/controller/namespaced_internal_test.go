package controller

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/cluster"
)

const scopeSuffix = "the controller is installed for namespaces team-a, team-b only"

func TestNamespaceScopeChecksApp(t *testing.T) {
	scope, err := newNamespaceScope("gitops", []string{"team-b", "team-a", "team-b"})
	if err != nil {
		t.Fatal(err)
	}
	inCluster := &cluster.Cluster{Name: "in-cluster", Server: cluster.InClusterServer}
	remote := &cluster.Cluster{Name: "prod", Server: "https://prod.example.com"}
	for _, tc := range []struct {
		name      string
		dest      v1alpha1.ApplicationDestination
		cluster   *cluster.Cluster
		policy    *v1alpha1.SyncPolicy
		resources []v1alpha1.ResourceStatus // status.resources
		problems  []string                  // none: permitted
	}{
		{name: "listed namespace", dest: v1alpha1.ApplicationDestination{Namespace: "team-a"}, cluster: inCluster},
		{name: "no namespace: the objects decide", dest: v1alpha1.ApplicationDestination{}},
		{name: "own namespace, for an app-of-apps", dest: v1alpha1.ApplicationDestination{Namespace: "gitops"}},
		{name: "CreateNamespace of a listed namespace", dest: v1alpha1.ApplicationDestination{Namespace: "team-b"},
			policy: &v1alpha1.SyncPolicy{SyncOptions: v1alpha1.SyncOptions{"CreateNamespace=true"}}},
		{name: "namespace outside", dest: v1alpha1.ApplicationDestination{Namespace: "prod"},
			problems: []string{"destination namespace prod is outside them"}},
		{name: "CreateNamespace outside", dest: v1alpha1.ApplicationDestination{Namespace: "new"},
			policy:   &v1alpha1.SyncPolicy{SyncOptions: v1alpha1.SyncOptions{"CreateNamespace=true"}},
			problems: []string{"CreateNamespace=true asks for namespace new, which it may not create"}},
		{name: "managed namespace metadata", dest: v1alpha1.ApplicationDestination{Namespace: "team-a"},
			policy: &v1alpha1.SyncPolicy{SyncOptions: v1alpha1.SyncOptions{"CreateNamespace=true"},
				ManagedNamespaceMetadata: &v1alpha1.ManagedNamespaceMetadata{Labels: map[string]string{"a": "b"}}},
			problems: []string{"managedNamespaceMetadata would write Namespace team-a, which is cluster-scoped"}},
		{name: "another cluster", dest: v1alpha1.ApplicationDestination{Namespace: "team-a"}, cluster: remote,
			problems: []string{"destination cluster prod (https://prod.example.com) is not the controller's own cluster"}},
		{name: "managed inside before", dest: v1alpha1.ApplicationDestination{Namespace: "team-a"}, resources: []v1alpha1.ResourceStatus{
			{Version: "v1", Kind: "ConfigMap", Namespace: "team-b", Name: "cfg"},
			{Group: "argoproj.io", Version: "v1alpha1", Kind: "Application", Namespace: "gitops", Name: "child"},
			{Group: "batch", Version: "v1", Kind: "Job", Namespace: "prod", Name: "migrate", Hook: true}}},
		{name: "managed outside before", dest: v1alpha1.ApplicationDestination{Namespace: "team-a"}, resources: []v1alpha1.ResourceStatus{
			{Version: "v1", Kind: "ConfigMap", Namespace: "team-a", Name: "cfg"},
			{Group: "rbac.authorization.k8s.io", Version: "v1", Kind: "ClusterRole", Name: "reader"},
			{Version: "v1", Kind: "ConfigMap", Namespace: "prod", Name: "old"},
			{Version: "v1", Kind: "ConfigMap", Namespace: "gitops", Name: "settings"}},
			problems: []string{"it managed ClusterRole reader before, which is cluster-scoped",
				"it managed ConfigMap old in namespace prod before", "it managed ConfigMap settings in namespace gitops before"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			app := &v1alpha1.Application{Spec: v1alpha1.ApplicationSpec{Destination: tc.dest, SyncPolicy: tc.policy},
				Status: v1alpha1.ApplicationStatus{Resources: tc.resources}}
			err := scope.checkApp(app, tc.cluster)
			checkRefusal(t, err, tc.problems)
		})
	}
	var full *namespaceScope
	if err := full.checkApp(&v1alpha1.Application{Spec: v1alpha1.ApplicationSpec{Destination: v1alpha1.ApplicationDestination{Namespace: "prod"}}}, remote); err != nil {
		t.Errorf("the full install refused: %v", err)
	}
}

func TestNamespaceScopeChecksObjects(t *testing.T) {
	scope, err := newNamespaceScope("gitops", []string{"team-a", "team-b"})
	if err != nil {
		t.Fatal(err)
	}
	obj := func(apiVersion, kind, ns, name string) *unstructured.Unstructured {
		u := &unstructured.Unstructured{}
		u.SetAPIVersion(apiVersion)
		u.SetKind(kind)
		u.SetNamespace(ns)
		u.SetName(name)
		return u
	}
	for _, tc := range []struct {
		name     string
		objs     []*unstructured.Unstructured
		problems []string
	}{
		{name: "listed namespaces", objs: []*unstructured.Unstructured{
			obj("apps/v1", "Deployment", "team-a", "web"), obj("v1", "ConfigMap", "team-b", "cfg")}},
		{name: "Argo CD kinds in the own namespace", objs: []*unstructured.Unstructured{
			obj("argoproj.io/v1alpha1", "Application", "gitops", "child"),
			obj("argoproj.io/v1alpha1", "ApplicationSet", "gitops", "set"),
			obj("argoproj.io/v1alpha1", "AppProject", "gitops", "team")}},
		{name: "cluster-scoped kinds", objs: []*unstructured.Unstructured{
			obj("v1", "ConfigMap", "team-a", "cfg"),
			obj("rbac.authorization.k8s.io/v1", "ClusterRole", "", "reader"),
			obj("v1", "Namespace", "", "team-c")},
			problems: []string{"ClusterRole reader is cluster-scoped", "Namespace team-c is cluster-scoped"}},
		{name: "another namespace", objs: []*unstructured.Unstructured{obj("v1", "ConfigMap", "prod", "cfg")},
			problems: []string{"ConfigMap cfg is in namespace prod"}},
		{name: "other kinds in the own namespace", objs: []*unstructured.Unstructured{obj("v1", "Secret", "gitops", "creds")},
			problems: []string{"Secret creds is in the controller's namespace gitops, where it manages only Applications, ApplicationSets and AppProjects"}},
		{name: "an Application of another group", objs: []*unstructured.Unstructured{obj("example.com/v1", "Application", "gitops", "x")},
			problems: []string{"Application x is in the controller's namespace gitops"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkRefusal(t, scope.checkObjects(tc.objs), tc.problems)
		})
	}
}

func TestNewNamespaceScope(t *testing.T) {
	for _, tc := range []struct {
		namespaces []string
		want       string // the listed namespaces, or the error
	}{
		{namespaces: nil, want: "<nil>"},
		{namespaces: []string{"b", " a", "b"}, want: "a,b"},
		{namespaces: []string{"a", "B"}, want: `namespaced: namespace "B"`},
		{namespaces: []string{"a", ""}, want: `namespaced: namespace ""`},
	} {
		s, err := newNamespaceScope("gitops", tc.namespaces)
		got := "<nil>"
		switch {
		case err != nil:
			got = err.Error()
		case s != nil:
			got = strings.Join(s.namespaces, ",")
		}
		if !strings.HasPrefix(got, tc.want) {
			t.Errorf("%q: got %s, want %s", tc.namespaces, got, tc.want)
		}
	}
}

// checkRefusal checks that err is an InvalidSpecError naming every
// problem and the install's namespaces, or nil when none are expected.
func checkRefusal(t *testing.T, err error, problems []string) {
	t.Helper()
	if len(problems) == 0 {
		if err != nil {
			t.Fatalf("refused: %v", err)
		}
		return
	}
	if err == nil {
		t.Fatalf("not refused, want %q", problems)
	}
	if !isInvalidSpec(err) {
		t.Errorf("%v is not an InvalidSpecError", err)
	}
	msg := err.Error()
	for _, p := range problems {
		if !strings.Contains(msg, p) {
			t.Errorf("%q does not say %q", msg, p)
		}
	}
	if !strings.HasSuffix(msg, scopeSuffix) {
		t.Errorf("%q does not end with %q", msg, scopeSuffix)
	}
}

func TestNamespaceScopeChecksDeletion(t *testing.T) {
	scope, err := newNamespaceScope("gitops", []string{"team-a", "team-b"})
	if err != nil {
		t.Fatal(err)
	}
	inside := []v1alpha1.ResourceStatus{{Version: "v1", Kind: "ConfigMap", Namespace: "team-a", Name: "cfg"}}
	remote := &cluster.Cluster{Name: "prod", Server: "https://prod.example.com"}
	for _, tc := range []struct {
		name      string
		resources []v1alpha1.ResourceStatus
		cluster   *cluster.Cluster
		problems  []string
	}{
		{name: "its own objects", resources: inside},
		{name: "nothing to delete, even elsewhere", cluster: remote},
		{name: "objects on another cluster", resources: inside, cluster: remote,
			problems: []string{"its resources are on cluster prod (https://prod.example.com), not the controller's own"}},
		{name: "an object outside", resources: append(inside, v1alpha1.ResourceStatus{Version: "v1", Kind: "ConfigMap", Namespace: "prod", Name: "old"}),
			problems: []string{"it managed ConfigMap old in namespace prod before"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			app := &v1alpha1.Application{Spec: v1alpha1.ApplicationSpec{Destination: v1alpha1.ApplicationDestination{Namespace: "prod"}},
				Status: v1alpha1.ApplicationStatus{Resources: tc.resources}}
			checkRefusal(t, scope.checkDeletion(app, tc.cluster), tc.problems)
		})
	}
}
