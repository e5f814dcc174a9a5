package cli

import (
	"encoding/json"
	"strings"
	"testing"
)

// rootApp renders the directory root of gitopsURL into argocd.
const rootApp = `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: root, namespace: argocd}
spec:
  project: default
  source: {repoURL: https://git.example.com/gitops.git, targetRevision: HEAD, path: root}
  destination: {server: https://kubernetes.default.svc, namespace: argocd}
`

// listedAppSet generates list-alpha and list-beta from apps/alpha and
// apps/beta.
const listedAppSet = `apiVersion: argoproj.io/v1alpha1
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
      source: {repoURL: https://git.example.com/gitops.git, targetRevision: HEAD, path: 'apps/{{name}}'}
      destination: {server: https://kubernetes.default.svc, namespace: '{{name}}'}
`

// brokenAppSet names a plugin that does not exist.
const brokenAppSet = `apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata: {name: broken}
spec:
  generators:
  - plugin: {configMapRef: {name: no-such-plugin}}
  template:
    metadata: {name: 'x-{{name}}'}
    spec:
      source: {repoURL: https://git.example.com/gitops.git, path: x}
      destination: {server: https://kubernetes.default.svc, namespace: x}
`

// appOfSets publishes apps/alpha and apps/beta, root/ holding the given
// ApplicationSets, and fleet/ (for the clusters set).
func appOfSets(t *testing.T, sets map[string]string) (rev string, repoMap []string) {
	t.Helper()
	repo, repoMap := appSetRepo(t, map[string]string{"alpha": "1", "beta": "2"})
	files := map[string]string{"fleet/cm.yaml": configMap("fleet", "f")}
	for name, content := range sets {
		files["root/"+name+".yaml"] = content
	}
	return repo.Commit(t, files, "sets"), repoMap
}

func TestRenderAppSetTree(t *testing.T) {
	rev, repoMap := appOfSets(t, map[string]string{"listed": listedAppSet, "dirs": dirsAppSet})
	root := tempFile(t, "root.yaml", rootApp)
	base := append([]string{"render", "-f", root, "--recursive", "--cache-dir", t.TempDir()}, repoMap...)

	res := run(t, append(base, "-o", "tree")...)
	if res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	n := &normalizer{}
	n.add(rev[:7], "1111111")
	golden(t, "appset_render_tree.golden", n.apply(res.stdout))

	var out struct {
		Applications []struct {
			Name, Parent, ApplicationSet string
			Objects                      []map[string]any
		}
	}
	js := run(t, append(base, "-o", "json")...)
	if err := json.Unmarshal([]byte(js.stdout), &out); err != nil || js.code != 0 {
		t.Fatalf("-o json: exit %d, %v\n%s", js.code, err, js.stdout)
	}
	var got []string
	for _, a := range out.Applications {
		got = append(got, a.Name+"<"+a.Parent+"|"+a.ApplicationSet)
	}
	want := "root<|,dir-alpha<root|dirs,dir-beta<root|dirs,list-alpha<root|listed,list-beta<root|listed"
	if strings.Join(got, ",") != want {
		t.Errorf("applications %s\nwant %s", strings.Join(got, ","), want)
	}
	for _, a := range out.Applications[1:] {
		if len(a.Objects) != 1 || dig(a.Objects[0], "kind") != "ConfigMap" {
			t.Errorf("%s renders %v", a.Name, a.Objects)
		}
	}
	if ns := dig(out.Applications[1].Objects[0], "metadata", "namespace"); ns != "alpha" {
		t.Errorf("dir-alpha's ConfigMap in namespace %v", ns)
	}
}

func TestRenderAppSetTreeError(t *testing.T) {
	_, repoMap := appOfSets(t, map[string]string{"listed": listedAppSet, "broken": brokenAppSet})
	root := tempFile(t, "root.yaml", rootApp)
	res := run(t, append([]string{"render", "-f", root, "--recursive", "-o", "tree", "--cache-dir", t.TempDir()}, repoMap...)...)
	if res.code == 0 {
		t.Fatalf("a set that does not generate: exit 0\n%s", res.stdout)
	}
	inOrder(t, res.stdout, "root  ", "├── ApplicationSet broken  ERROR: ", "no-such-plugin", "├── list-alpha  ", "└── list-beta  ")
	if !strings.Contains(res.stderr, "applicationset broken: ") {
		t.Errorf("stderr: %s", res.stderr)
	}
}

func TestRenderAppSetFile(t *testing.T) {
	_, repoMap := appOfSets(t, nil)
	plain := strings.NewReplacer("name: root", "name: plain", "path: root", "path: fleet", "namespace: argocd}\n", "namespace: plain}\n").Replace(rootApp)
	file := tempFile(t, "sets.yaml", plain+"---\n"+listedAppSet+"---\n"+clustersAppSet)
	clusters := tempFile(t, "clusters.yaml", clusterSecrets)
	res := run(t, append([]string{"render", "-f", file, "-o", "json", "--clusters", clusters, "--cache-dir", t.TempDir()}, repoMap...)...)
	if res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	var out struct {
		Items []map[string]any `json:"items"`
	}
	if err := json.Unmarshal([]byte(res.stdout), &out); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, o := range out.Items {
		got = append(got, dig(o, "kind").(string)+"/"+dig(o, "metadata", "name").(string)+" "+
			dig(o, "metadata", "annotations", "argocd.argoproj.io/tracking-id").(string))
	}
	want := []string{
		"ConfigMap/fleet plain:/ConfigMap:plain/fleet",
		"ConfigMap/alpha list-alpha:/ConfigMap:alpha/alpha",
		"ConfigMap/beta list-beta:/ConfigMap:beta/beta",
		"ConfigMap/fleet fleet-eu:/ConfigMap:fleet/fleet",
		"ConfigMap/fleet fleet-us:/ConfigMap:fleet/fleet",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("objects:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	other := tempFile(t, "other.yaml", listedAppSet+"---\n"+configMap("x", "y"))
	if bad := run(t, "render", "-f", other); bad.code == 0 || !strings.Contains(bad.stderr, "ConfigMap x is not an argoproj.io Application or ApplicationSet") {
		t.Errorf("other kinds: %+v", bad)
	}
}
