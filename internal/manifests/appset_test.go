package manifests

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/source/git/gittest"
)

// appSetFixture publishes a repository whose sets/ directory holds a
// list ApplicationSet, a git directories ApplicationSet and one that
// cannot generate, each Application of them a directory of one ConfigMap.
func appSetFixture(t *testing.T) *gittest.Repo {
	t.Helper()
	repo := gittest.NewLocalRepo(t)
	files := map[string]string{
		"sets/list.yaml":   fmt.Sprintf(listSet, repo.URL()),
		"sets/git.yaml":    fmt.Sprintf(gitSet, repo.URL()),
		"sets/broken.yaml": brokenSet,
	}
	for _, name := range []string{"alpha", "beta", "gamma"} {
		files["workloads/"+name+"/cm.yaml"] = fmt.Sprintf(benchConfigMap, name)
	}
	repo.Commit(t, files, "sets")
	return repo
}

const listSet = `apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata: {name: listed}
spec:
  generators:
  - list:
      elements: [{name: alpha}, {name: beta}]
  template:
    metadata: {name: 'list-{{name}}'}
    spec:
      project: default
      source: {repoURL: %q, path: 'workloads/{{name}}', targetRevision: HEAD}
      destination: {server: https://kubernetes.default.svc, namespace: '{{name}}'}
`

const gitSet = `apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata: {name: dirs}
spec:
  goTemplate: true
  generators:
  - git:
      repoURL: %[1]q
      revision: HEAD
      directories: [{path: 'workloads/*'}, {path: workloads/beta, exclude: true}]
  template:
    metadata: {name: 'dir-{{.path.basename}}'}
    spec:
      source: {repoURL: %[1]q, path: '{{.path.path}}', targetRevision: HEAD}
      destination: {server: https://kubernetes.default.svc, namespace: '{{.path.basename}}'}
`

const brokenSet = `apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata: {name: broken}
spec:
  generators:
  - plugin: {configMapRef: {name: no-such-plugin}}
  template:
    metadata: {name: 'x-{{name}}'}
    spec:
      source: {repoURL: https://example.com/x.git, path: x}
      destination: {server: https://kubernetes.default.svc, namespace: x}
`

func TestTreeAppSet(t *testing.T) {
	repo := appSetFixture(t)
	root := decodeApp(t, childApp("root", repo.URL()))
	root.Spec.Source.Path = "sets"
	root.Spec.Destination.Namespace = "argocd"
	gen := NewGenerator(t.TempDir())
	tree := gen.Tree(context.Background(), root, Request{}, OfflineScope{})
	if tree.Err != nil {
		t.Fatalf("root: %v", tree.Err)
	}
	var got []string
	for _, c := range tree.Children {
		line := fmt.Sprintf("%s/%s set=%s", c.App.Namespace, c.App.Name, c.AppSet)
		switch {
		case c.FailedAppSet:
			line += " failed: " + fmt.Sprint(c.Err)
		case c.Err != nil:
			t.Errorf("%s: %v", c.App.Name, c.Err)
		default:
			line += fmt.Sprintf(" objects=%d", len(c.Result.Objects))
			if !ownedBy(c.App, c.AppSet) {
				t.Errorf("%s is not owned by its set: %+v", c.App.Name, c.App.OwnerReferences)
			}
		}
		got = append(got, line)
	}
	sort.Strings(got)
	want := []string{
		"argocd/broken set=broken failed: ",
		"argocd/dir-alpha set=dirs objects=1",
		"argocd/dir-gamma set=dirs objects=1",
		"argocd/list-alpha set=listed objects=1",
		"argocd/list-beta set=listed objects=1",
	}
	if len(got) != len(want) {
		t.Fatalf("children:\n%s", strings.Join(got, "\n"))
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("child %d = %q, want prefix %q", i, got[i], want[i])
		}
	}
	if !strings.Contains(got[0], "no-such-plugin") {
		t.Errorf("the broken set's error does not name its plugin: %s", got[0])
	}
}

func TestAppSetTreeNamespace(t *testing.T) {
	repo := appSetFixture(t)
	set := &v1alpha1.ApplicationSet{}
	if err := yaml.UnmarshalStrict([]byte(fmt.Sprintf(listSet, repo.URL())), set); err != nil {
		t.Fatal(err)
	}
	nodes := NewGenerator(t.TempDir()).AppSetTree(context.Background(), set, "team-a", Request{}, OfflineScope{})
	if len(nodes) != 2 || nodes[0].Err != nil || nodes[0].App.Namespace != "team-a" || nodes[0].App.Spec.Project != "default" {
		t.Fatalf("nodes = %+v", nodes)
	}
	if tracking := nodes[0].Result.Objects[0].GetAnnotations()["argocd.argoproj.io/tracking-id"]; !strings.HasPrefix(tracking, "list-alpha:") {
		t.Errorf("tracking id %q", tracking)
	}
}

func ownedBy(app *v1alpha1.Application, set string) bool {
	for _, r := range app.OwnerReferences {
		if r.Kind == "ApplicationSet" && r.Name == set && r.Controller != nil && *r.Controller {
			return true
		}
	}
	return false
}
