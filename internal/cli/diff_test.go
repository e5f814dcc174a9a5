package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"flotilla.dev/flotilla/internal/source/git/gittest"
	"flotilla.dev/flotilla/internal/treediff"
)

const fourRepoURL = "https://github.com/anvaplus/"

// fourRepoWorld is the four-repo example published to a real git server.
type fourRepoWorld struct {
	repos   map[string]*gittest.Repo
	first   map[string]string // the published commit of each repository
	root    string
	repoMap []string
}

func publishFourRepo(t *testing.T) *fourRepoWorld {
	t.Helper()
	base := filepath.Join(examplesDir(t), "four-repo")
	srv := gittest.NewServer(t)
	w := &fourRepoWorld{repos: map[string]*gittest.Repo{}, first: map[string]string{},
		root: filepath.Join(base, "homelab-k8s-environments-apps", "root-homelab-dev.yaml")}
	for _, name := range fourRepos {
		repo := srv.NewRepo(t, name)
		w.first[name] = repo.CopyDir(t, filepath.Join(base, name), ".", "publish "+name)
		w.repos[name] = repo
		w.repoMap = append(w.repoMap, "--repo-map", fourRepoURL+name+"="+repo.URL())
	}
	return w
}

// diff runs flotilla diff on the tree with extra arguments.
func (w *fourRepoWorld) diff(t *testing.T, args ...string) result {
	t.Helper()
	full := append([]string{"diff", "--cache-dir", t.TempDir(), "-f", w.root}, w.repoMap...)
	return run(t, append(full, args...)...)
}

// pin is a URL=REV flag value for a repository of the example.
func pin(name, rev string) string { return fourRepoURL + name + "=" + rev }

func decodeReport(t *testing.T, res result) *treediff.Report {
	t.Helper()
	r := &treediff.Report{}
	if err := json.Unmarshal([]byte(res.stdout), r); err != nil {
		t.Fatalf("decode report: %v\nstdout:\n%s\nstderr:\n%s", err, res.stdout, res.stderr)
	}
	return r
}

// versionLabel ignores the app.kubernetes.io/version label the chart
// sets from the same version value as the image tag.
const versionLabel = "- {group: '*', kind: '*', jsonPointers: [/metadata/labels/app.kubernetes.io~1version]}\n"

func TestDiffFourRepoVersionBump(t *testing.T) {
	w := publishFourRepo(t)
	const env = "homelab-k8s-environments"
	bump := w.repos[env].Commit(t, map[string]string{"environments/dev/web/blog_hugo/values.yaml": "version: v0.1.0-alpha.8\n"}, "bump")
	ignore := filepath.Join(t.TempDir(), "ignore.yaml")
	writeFile(t, ignore, versionLabel)
	args := []string{"--base", pin(env, w.first[env]), "--head", pin(env, bump), "-o", "json"}
	imageChange := []string{"-image: anvaplus/hugo-blog-example:v0.1.0-alpha.7", "+image: anvaplus/hugo-blog-example:v0.1.0-alpha.8"}

	// the chart also puts the version in a label of the Deployment and
	// the Service: those lines change too, and nothing else
	r := versionBumpReport(t, w.diff(t, args...))
	if objs := r.Apps[0].Objects; len(objs) != 2 || objs[0].Kind != "Service" || objs[1].Kind != "Deployment" {
		t.Fatalf("objects: %+v", objs)
	}
	var image []string
	for _, o := range r.Apps[0].Objects {
		for _, l := range changedLines(o.Diff) {
			if !strings.HasPrefix(l[1:], "app.kubernetes.io/version: v0.1.0-alpha.") {
				image = append(image, l)
			}
		}
	}
	if strings.Join(image, "\n") != strings.Join(imageChange, "\n") {
		t.Errorf("changed lines besides the version label: %q, want %q", image, imageChange)
	}

	// without the label: exactly one changed Deployment image
	r = versionBumpReport(t, w.diff(t, append(args, "--ignore", ignore)...))
	objs := r.Apps[0].Objects
	if len(objs) != 1 || objs[0].Kind != "Deployment" || objs[0].Name != "web-hugo" || objs[0].Change != treediff.Changed {
		t.Fatalf("objects: %+v", objs)
	}
	if got := changedLines(objs[0].Diff); strings.Join(got, "\n") != strings.Join(imageChange, "\n") {
		t.Errorf("changed lines %q, want %q\n%s", got, imageChange, objs[0].Diff)
	}
	if got := r.Summary; got.Applications.Changed != 1 || got.Objects.Total() != 1 {
		t.Errorf("summary %+v", got)
	}
	// the same revision on both sides: nothing differs
	if same := w.diff(t, "--base", pin(env, bump), "--head", pin(env, bump)); same.code != 0 || !strings.Contains(same.stdout, "No differences.") {
		t.Errorf("same revisions: exit %d\n%s\n%s", same.code, same.stdout, same.stderr)
	}
}

// versionBumpReport checks that only web-hugo-dev changed, in its objects.
func versionBumpReport(t *testing.T, res result) *treediff.Report {
	t.Helper()
	if res.code != 1 {
		t.Fatalf("exit %d, want 1\n%s\n%s", res.code, res.stdout, res.stderr)
	}
	r := decodeReport(t, res)
	if len(r.Apps) != 1 || r.Apps[0].Name != "web-hugo-dev" || r.Apps[0].Change != treediff.Changed || r.Apps[0].Spec != "" {
		t.Fatalf("apps: %+v", r.Apps)
	}
	return r
}

// changedLines are the -/+ lines of a unified diff, indentation removed.
func changedLines(unified string) []string {
	var out []string
	for _, l := range strings.Split(unified, "\n") {
		if (strings.HasPrefix(l, "-") || strings.HasPrefix(l, "+")) && !strings.HasPrefix(l, "---") && !strings.HasPrefix(l, "+++") {
			out = append(out, l[:1]+strings.TrimSpace(l[1:]))
		}
	}
	return out
}

// secondApp is a second workload Application of the hugo chart, listed
// next to blog_hugo in environments/dev/web.
var secondApp = map[string]string{
	"environments/dev/web/kustomization.yaml": "resources:\n  - blog_hugo/blog_hugo.yaml\n  - blog_two/blog_two.yaml\n",
	"environments/dev/web/blog_two/blog_two.yaml": `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: web-two-dev
  namespace: argocd
spec:
  destination: {namespace: web, server: https://kubernetes.default.svc}
  project: argo-config
  sources:
    - {repoURL: https://github.com/anvaplus/homelab-k8s-environments, targetRevision: HEAD, ref: valuesRepoDefault}
    - {repoURL: https://github.com/anvaplus/homelab-k8s-environments-apps, targetRevision: HEAD, ref: valuesRepo}
    - repoURL: https://github.com/anvaplus/homelab-k8s-base-manifests
      targetRevision: HEAD
      path: charts/microservices/hugo/v0.1.0
      helm:
        valueFiles:
          - $valuesRepo/environments/dev/web/blog_two/values.yaml
          - $valuesRepoDefault/environments/dev/web/blog_hugo/values.yaml
`,
}

// addSecondApp commits secondApp and its values (blog_hugo's, component
// "two") to the apps repository.
func (w *fourRepoWorld) addSecondApp(t *testing.T) string {
	t.Helper()
	const apps = "homelab-k8s-environments-apps"
	values, err := os.ReadFile(filepath.Join(examplesDir(t), "four-repo", apps, "environments/dev/web/blog_hugo/values.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{"environments/dev/web/blog_two/values.yaml": strings.Replace(string(values), "componentName: hugo", "componentName: two", 1)}
	for k, v := range secondApp {
		files[k] = v
	}
	return w.repos[apps].Commit(t, files, "add web-two-dev")
}

func TestDiffFourRepoChildAdded(t *testing.T) {
	w := publishFourRepo(t)
	const apps = "homelab-k8s-environments-apps"
	added := w.addSecondApp(t)
	// a bare revision applies to the root Application's repository
	res := w.diff(t, "--base", w.first[apps], "--head", added, "-o", "json")
	if res.code != 1 {
		t.Fatalf("exit %d, want 1\n%s\n%s", res.code, res.stdout, res.stderr)
	}
	r := decodeReport(t, res)
	if len(r.Apps) != 2 {
		t.Fatalf("apps: %+v", r.Apps)
	}
	parent, child := r.Apps[0], r.Apps[1]
	if parent.Name != "root-web-dev" || parent.Change != treediff.Changed || len(parent.Objects) != 1 ||
		parent.Objects[0].Kind != "Application" || parent.Objects[0].Name != "web-two-dev" || parent.Objects[0].Change != treediff.Added {
		t.Errorf("parent: %+v", parent)
	}
	if child.Name != "web-two-dev" || child.Change != treediff.Added || child.Parent != "root-web-dev" {
		t.Errorf("child: %+v", child)
	}
	kinds := map[string]string{}
	for _, o := range child.Objects {
		kinds[o.Kind] = o.Name
		if o.Change != treediff.Added || !strings.Contains(o.Diff, "+kind: "+o.Kind) {
			t.Errorf("object %s: %s\n%s", o.Title(), o.Change, o.Diff)
		}
	}
	if len(child.Objects) != 3 || kinds["Deployment"] != "web-two" || kinds["Service"] == "" || kinds["ConfigMap"] == "" {
		t.Errorf("objects of web-two-dev: %v", kinds)
	}
}

func TestDiffFourRepoLibraryChart(t *testing.T) {
	w := publishFourRepo(t)
	const lib = "homelab-k8s-base-manifests"
	w.addSecondApp(t)
	path := "templates/microservices-template/template-hugo/v0.1.0/templates/_deployment.yaml"
	old, err := os.ReadFile(filepath.Join(examplesDir(t), "four-repo", lib, path))
	if err != nil {
		t.Fatal(err)
	}
	changed := strings.Replace(string(old), "          ports:\n", "          terminationMessagePolicy: FallbackToLogsOnError\n          ports:\n", 1)
	head := w.repos[lib].Commit(t, map[string]string{path: changed}, "library: termination messages")
	res := w.diff(t, "--base", pin(lib, w.first[lib]), "--head", pin(lib, head), "-o", "json")
	if res.code != 1 {
		t.Fatalf("exit %d, want 1\n%s\n%s", res.code, res.stdout, res.stderr)
	}
	r := decodeReport(t, res)
	var names []string
	for _, a := range r.Apps {
		names = append(names, a.Name)
		if len(a.Objects) != 1 || a.Objects[0].Kind != "Deployment" ||
			!strings.Contains(a.Objects[0].Diff, "+        terminationMessagePolicy: FallbackToLogsOnError") {
			t.Errorf("%s: %+v", a.Name, a.Objects)
		}
	}
	if strings.Join(names, ",") != "web-hugo-dev,web-two-dev" {
		t.Errorf("apps %v, want web-hugo-dev and web-two-dev", names)
	}
}

func TestDiffExitCodes(t *testing.T) {
	w := publishFourRepo(t)
	const env = "homelab-k8s-environments"
	bump := w.repos[env].Commit(t, map[string]string{"environments/dev/web/blog_hugo/values.yaml": "version: v0.1.0-alpha.8\n"}, "bump")
	dir := t.TempDir()
	badIgnore := filepath.Join(dir, "bad.yaml")
	writeFile(t, badIgnore, "- group: apps\n  jsonPointers: [/spec]\n")
	ignore := filepath.Join(dir, "ignore.yaml")
	writeFile(t, ignore, versionLabel+"- group: apps\n  kind: Deployment\n  jqPathExpressions: ['.spec.template.spec.containers[].image']\n")
	for _, tt := range []struct {
		name   string
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{"no difference", []string{"--base", "HEAD", "--head", "HEAD"}, 0, "No differences.", ""},
		{"difference", []string{"--base", pin(env, w.first[env]), "--head", pin(env, bump)}, 1, "web-hugo-dev", "1 application(s) differ"},
		{"ignored difference", []string{"--base", pin(env, w.first[env]), "--head", pin(env, bump), "--ignore", ignore}, 0, "No differences.", ""},
		{"unknown revision", []string{"--head", "no-such-branch"}, 2, "error at head", "failed to render"},
		{"bad output", []string{"--head", "HEAD", "-o", "yaml"}, 2, "", `unknown output format "yaml"`},
		{"bad ignore rule", []string{"--head", "HEAD", "--ignore", badIgnore}, 2, "", "kind is required"},
		{"no revisions", nil, 2, "", "give --base and/or --head"},
		{"two bare revisions", []string{"--head", "a", "--head", "b"}, 2, "", "two revisions for the root repository"},
		{"unknown flag", []string{"--nope"}, 2, "", "unknown flag"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res := w.diff(t, tt.args...)
			if res.code != tt.code || !strings.Contains(res.stdout, tt.stdout) || !strings.Contains(res.stderr, tt.stderr) {
				t.Errorf("exit %d (want %d)\nstdout (want %q):\n%s\nstderr (want %q):\n%s", res.code, tt.code, tt.stdout, res.stdout, tt.stderr, res.stderr)
			}
		})
	}
}
