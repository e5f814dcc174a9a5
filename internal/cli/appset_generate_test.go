package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"flotilla.dev/flotilla/internal/source/git/gittest"
)

// gitopsURL is the repository the test ApplicationSets name; --repo-map
// serves it from a local repository, so outputs do not depend on temporary
// paths.
const gitopsURL = "https://git.example.com/gitops.git"

// appSetRepo publishes a repository of apps/<name>/ directories, each with
// a ConfigMap, and configs/<name>/config.json (for git files generators),
// and returns it with the --repo-map flag that serves gitopsURL from it.
func appSetRepo(t *testing.T, values map[string]string) (*gittest.Repo, []string) {
	t.Helper()
	repo := gittest.NewLocalRepo(t)
	repo.Commit(t, appSetFiles(values), "apps")
	return repo, []string{"--repo-map", gitopsURL + "=" + repo.URL()}
}

// appSetFiles are the files of apps name → value.
func appSetFiles(values map[string]string) map[string]string {
	files := map[string]string{}
	for name, value := range values {
		files["configs/"+name+"/config.json"] = fmt.Sprintf(`{"name": %q, "value": %q}`, name, value)
		files["apps/"+name+"/cm.yaml"] = configMap(name, value)
	}
	return files
}

// listAppSet generates guestbook-dev and guestbook-prod.
const listAppSet = `apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata: {name: guestbook}
spec:
  generators:
  - list:
      elements:
      - {cluster: dev, url: https://kubernetes.default.svc}
      - {cluster: prod, url: https://prod.example.com}
  template:
    metadata: {name: 'guestbook-{{cluster}}'}
    spec:
      project: default
      source: {repoURL: https://git.example.com/gitops.git, targetRevision: HEAD, path: guestbook}
      destination: {server: '{{url}}', namespace: guestbook}
`

// dirsAppSet generates one Application per directory under apps/.
const dirsAppSet = `apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata: {name: dirs, namespace: team-a}
spec:
  goTemplate: true
  generators:
  - git:
      repoURL: https://git.example.com/gitops.git
      revision: HEAD
      directories: [{path: 'apps/*'}]
  template:
    metadata: {name: 'dir-{{.path.basename}}'}
    spec:
      project: team-a
      source: {repoURL: https://git.example.com/gitops.git, targetRevision: HEAD, path: '{{.path.path}}'}
      destination: {server: https://kubernetes.default.svc, namespace: '{{.path.basename}}'}
`

// filesAppSet generates one Application per configs/*/config.json, labelled
// with its value.
const filesAppSet = `apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata: {name: configs}
spec:
  goTemplate: true
  generators:
  - git:
      repoURL: https://git.example.com/gitops.git
      revision: main
      files: [{path: 'configs/*/config.json'}]
  template:
    metadata:
      name: 'cfg-{{.name}}'
      labels: {value: '{{.value}}'}
    spec:
      source: {repoURL: https://git.example.com/gitops.git, targetRevision: main, path: 'apps/{{.name}}'}
      destination: {server: https://kubernetes.default.svc, namespace: '{{.name}}'}
`

// clustersAppSet generates one Application per cluster Secret labelled
// env=prod.
const clustersAppSet = `apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata: {name: fleet}
spec:
  goTemplate: true
  generators:
  - clusters: {selector: {matchLabels: {env: prod}}}
  template:
    metadata: {name: 'fleet-{{.name}}'}
    spec:
      source: {repoURL: https://git.example.com/gitops.git, targetRevision: HEAD, path: fleet}
      destination: {server: '{{.server}}', namespace: fleet}
`

// clusterSecrets registers clusters eu (stringData) and us (data) for
// env=prod and lab for env=test.
const clusterSecrets = `apiVersion: v1
kind: Secret
metadata:
  name: cluster-eu
  namespace: argocd
  labels: {argocd.argoproj.io/secret-type: cluster, env: prod}
stringData: {name: eu, server: 'https://eu.example.com'}
---
apiVersion: v1
kind: Secret
metadata:
  name: cluster-us
  namespace: argocd
  labels: {argocd.argoproj.io/secret-type: cluster, env: prod}
data: {name: dXM=, server: aHR0cHM6Ly91cy5leGFtcGxlLmNvbQ==}
---
apiVersion: v1
kind: Secret
metadata:
  name: cluster-lab
  namespace: argocd
  labels: {argocd.argoproj.io/secret-type: cluster, env: test}
stringData: {name: lab, server: 'https://lab.example.com'}
`

// tempFile writes content to a file of a new temporary directory.
func tempFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	writeFile(t, path, content)
	return path
}

func TestAppSetGenerate(t *testing.T) {
	_, repoMap := appSetRepo(t, map[string]string{"alpha": "1", "beta": "2"})
	sets := tempFile(t, "sets.yaml", listAppSet+"---\n"+dirsAppSet+"---\n"+clustersAppSet)
	clusters := tempFile(t, "clusters.yaml", clusterSecrets)
	base := append([]string{"appset", "generate", "-f", sets, "--clusters", clusters, "--cache-dir", t.TempDir()}, repoMap...)

	res := run(t, base...)
	if res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	golden(t, "appset_generate.golden", res.stdout)

	names := run(t, append(base, "-o", "name")...)
	want := "argocd/guestbook-dev\nargocd/guestbook-prod\nteam-a/dir-alpha\nteam-a/dir-beta\nargocd/fleet-eu\nargocd/fleet-us\n"
	if names.code != 0 || names.stdout != want {
		t.Errorf("-o name: exit %d\n%s\nwant\n%s%s", names.code, names.stdout, want, names.stderr)
	}

	var list struct {
		Kind  string `json:"kind"`
		Items []struct {
			Kind     string `json:"kind"`
			Metadata struct {
				Name, Namespace string
				OwnerReferences []struct{ Kind, Name string }
			} `json:"metadata"`
		} `json:"items"`
	}
	js := run(t, append(base, "-o", "json")...)
	if err := json.Unmarshal([]byte(js.stdout), &list); err != nil {
		t.Fatalf("-o json: %v\n%s", err, js.stdout)
	}
	if list.Kind != "List" || len(list.Items) != 6 || list.Items[0].Kind != "Application" {
		t.Fatalf("-o json = %+v", list)
	}
	if ref := list.Items[0].Metadata.OwnerReferences; len(ref) != 1 || ref[0].Kind != "ApplicationSet" || ref[0].Name != "guestbook" {
		t.Errorf("owner references %+v", ref)
	}

	// sets without a namespace go to -n, and look for cluster Secrets there
	other := run(t, append(base, "-o", "name", "-n", "other")...)
	want = "other/guestbook-dev\nother/guestbook-prod\nteam-a/dir-alpha\nteam-a/dir-beta\n"
	if other.code != 0 || other.stdout != want || !strings.Contains(other.stderr, "applicationset fleet generates no Application") {
		t.Errorf("-n other: exit %d\n%s\nwant\n%s%s", other.code, other.stdout, want, other.stderr)
	}
}

func TestAppSetGenerateStdin(t *testing.T) {
	path := tempFile(t, "set.yaml", listAppSet)
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	stdin := os.Stdin
	os.Stdin = f
	defer func() { os.Stdin = stdin }()
	res := run(t, "appset", "generate", "-f", "-", "-o", "name")
	if res.code != 0 || res.stdout != "argocd/guestbook-dev\nargocd/guestbook-prod\n" {
		t.Errorf("-f -: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
}

func TestAppSetGenerateErrors(t *testing.T) {
	dup := strings.Replace(listAppSet, "'guestbook-{{cluster}}'", "guestbook", 1)
	plugin := strings.Replace(listAppSet, "  - list:\n      elements:\n      - {cluster: dev, url: https://kubernetes.default.svc}\n      - {cluster: prod, url: https://prod.example.com}\n",
		"  - plugin: {configMapRef: {name: no-such-plugin}}\n", 1)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no file", nil, `required flag(s) "filename" not set`},
		{"missing file", []string{"-f", filepath.Join(t.TempDir(), "nope.yaml")}, "no such file"},
		{"other kind", []string{"-f", tempFile(t, "mixed.yaml", listAppSet+"---\n"+configMap("x", "y"))}, "ConfigMap x is not an argoproj.io ApplicationSet"},
		{"empty", []string{"-f", tempFile(t, "empty.yaml", "# nothing\n")}, "holds no ApplicationSet"},
		{"bad output", []string{"-f", "x", "-o", "xml"}, `unknown output format "xml"`},
		{"bad repo map", []string{"-f", "x", "--repo-map", "nonsense"}, "want URL=PATH_OR_URL"},
		{"missing clusters", []string{"-f", tempFile(t, "set.yaml", listAppSet), "--clusters", "/nonexistent/clusters.yaml"}, "--clusters: read /nonexistent/clusters.yaml"},
		{"duplicate names", []string{"-f", tempFile(t, "dup.yaml", dup)}, "duplicate name: guestbook"},
		{"generator error", []string{"-f", tempFile(t, "plugin.yaml", plugin)}, "applicationset guestbook: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := run(t, append([]string{"appset", "generate"}, tt.args...)...)
			if res.code == 0 || !strings.Contains(res.stderr, tt.want) || res.stdout != "" {
				t.Fatalf("exit %d, stdout %q, stderr %q, want error containing %q", res.code, res.stdout, res.stderr, tt.want)
			}
		})
	}
}

func TestAppSetHelpExamples(t *testing.T) {
	for _, sub := range []string{"list", "get", "delete", "generate", "diff"} {
		res := run(t, "appset", sub, "--help")
		if res.code != 0 || !strings.Contains(res.stdout, "Examples:\n  ") || !strings.Contains(res.stdout, "flotilla appset "+sub) {
			t.Errorf("appset %s --help: exit %d\n%s", sub, res.code, res.stdout)
		}
	}
}
