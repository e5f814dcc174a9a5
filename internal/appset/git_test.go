package appset

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// genGitRepo commits files (path → content; content "->target" makes a
// symbolic link) into a new repository made with the git CLI and returns
// its working directory, .git included.
func genGitRepo(t *testing.T, files map[string]string) string {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git CLI not found")
	}
	dir := t.TempDir()
	genGitCmd(t, dir, "init", "-q")
	for name, content := range files {
		full := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		var err error
		if target, ok := strings.CutPrefix(content, "->"); ok {
			err = os.Symlink(target, full)
		} else {
			err = os.WriteFile(full, []byte(content), 0o644)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	genGitCmd(t, dir, "add", "-A")
	genGitCmd(t, dir, "commit", "-q", "--allow-empty", "-m", "test")
	return dir
}

// genGitCmd runs git in dir and returns its output.
func genGitCmd(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-c", "user.name=test", "-c", "user.email=test@example.com", "-c", "commit.gpgsign=false"}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "HOME="+dir)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// genGit is a Git serving local directories by repoURL.
type genGit struct {
	repos map[string]string
	calls []string
}

func (g *genGit) Checkout(_ context.Context, repoURL, revision string, refresh bool) (string, string, error) {
	call := repoURL + "@" + revision
	if refresh {
		call += " refresh"
	}
	g.calls = append(g.calls, call)
	dir, ok := g.repos[repoURL]
	if !ok {
		return "", "", errors.New("repository not found")
	}
	return dir, "0123456789abcdef0123456789abcdef01234567", nil
}

const genArgoRepo = "https://github.com/argoproj/argo-cd.git"

// genArgoCDRepo holds the examples of Generators-Git.md.
func genArgoCDRepo(t *testing.T) *genGit {
	t.Helper()
	const dirs = "applicationset/examples/git-generator-directory/"
	const files = "applicationset/examples/git-generator-files-discovery/"
	dir := genGitRepo(t, map[string]string{
		dirs + "cluster-addons/argo-workflows/kustomization.yaml":                  "resources: []\n",
		dirs + "cluster-addons/argo-workflows/namespace-install.yaml":              "{}\n",
		dirs + "cluster-addons/prometheus-operator/Chart.yaml":                     "name: p\n",
		dirs + "cluster-addons/prometheus-operator/values.yaml":                    "{}\n",
		dirs + "excludes/cluster-addons/argo-workflows/kustomization.yaml":         "resources: []\n",
		dirs + "excludes/cluster-addons/exclude-helm-guestbook/Chart.yaml":         "name: g\n",
		dirs + "excludes/cluster-addons/prometheus-operator/Chart.yaml":            "name: p\n",
		files + "apps/guestbook/kustomization.yaml":                                "resources: []\n",
		files + "cluster-config/engineering/dev/config.json":                       genConfigJSON("dev", "https://1.2.3.4"),
		files + "cluster-config/engineering/prod/config.json":                      genConfigJSON("prod", "https://2.4.6.8"),
		files + "git-generator-files.yaml":                                         "kind: ApplicationSet\n",
		"applicationset/examples/list-generator/list-elementsYaml-example.yaml":    genElementsYAML,
		"applicationset/examples/git-generator-directory/.hidden/ignored/x.yaml":   "{}\n",
		"applicationset/examples/git-generator-directory/cluster-addons/.git-keep": "",
	})
	return &genGit{repos: map[string]string{genArgoRepo: dir}}
}

func genConfigJSON(env, address string) string {
	return `{
  "aws_account": "123456",
  "asset_id": "11223344",
  "cluster": {
    "owner": "cluster-admin@company.com",
    "name": "engineering-` + env + `",
    "address": "` + address + `"
  }
}`
}

const genElementsYAML = `key:
  components:
    - name: component1
      chart: podinfo
      version: "6.3.2"
      releaseName: component1
      repoUrl: "https://stefanprodan.github.io/podinfo"
      namespace: component1
    - name: component2
      chart: podinfo
      version: "6.3.3"
      releaseName: component2
      repoUrl: "ghcr.io/stefanprodan/charts"
      namespace: component2
`

// TestGitDirectoriesDocExamples are Generators-Git.md's directory
// examples, in both template modes.
func TestGitDirectoriesDocExamples(t *testing.T) {
	git := genArgoCDRepo(t)
	const prefix = "applicationset/examples/git-generator-directory/"
	tests := []struct {
		name, directories string
		want              []string
	}{{
		name:        "directories",
		directories: "[{path: " + prefix + "cluster-addons/*}]",
		want: []string{
			"argo-workflows ns=argocd project=my-project src=" + genArgoRepo + "@HEAD:" + prefix + "cluster-addons/argo-workflows dst=https://kubernetes.default.svc/argo-workflows",
			"prometheus-operator ns=argocd project=my-project src=" + genArgoRepo + "@HEAD:" + prefix + "cluster-addons/prometheus-operator dst=https://kubernetes.default.svc/prometheus-operator",
		},
	}, {
		name:        "exclude",
		directories: "[{path: " + prefix + "excludes/cluster-addons/*}, {path: " + prefix + "excludes/cluster-addons/exclude-helm-guestbook, exclude: true}]",
		want: []string{
			"argo-workflows ns=argocd project=my-project src=" + genArgoRepo + "@HEAD:" + prefix + "excludes/cluster-addons/argo-workflows dst=https://kubernetes.default.svc/argo-workflows",
			"prometheus-operator ns=argocd project=my-project src=" + genArgoRepo + "@HEAD:" + prefix + "excludes/cluster-addons/prometheus-operator dst=https://kubernetes.default.svc/prometheus-operator",
		},
	}, {
		name:        "root, exclude wins over include",
		directories: "[{path: 'applicationset/*/*'}, {path: 'applicationset/examples/*', exclude: true}, {path: 'applicationset/examples/list-generator'}]",
		want:        nil,
	}, {
		name:        "root",
		directories: "[{path: '*'}, {path: donotdeploy, exclude: true}]",
		want: []string{
			"applicationset ns=argocd project=my-project src=" + genArgoRepo + "@HEAD:applicationset dst=https://kubernetes.default.svc/applicationset",
		},
	}}
	for _, tt := range tests {
		for _, mode := range []string{"goTemplate: true", "goTemplate: false"} {
			t.Run(tt.name+"/"+mode, func(t *testing.T) {
				tmpl := `
    metadata: {name: '{{.path.basename}}'}
    spec:
      project: "my-project"
      source: {repoURL: ` + genArgoRepo + `, targetRevision: HEAD, path: '{{.path.path}}'}
      destination: {server: https://kubernetes.default.svc, namespace: '{{.path.basename}}'}`
				if mode == "goTemplate: false" {
					tmpl = strings.NewReplacer("{{.path.basename}}", "{{path.basename}}", "{{.path.path}}", "{{path}}").Replace(tmpl)
				}
				set := genSet(t, `
metadata: {name: cluster-addons, namespace: argocd}
spec:
  `+mode+`
  generators:
  - git:
      repoURL: `+genArgoRepo+`
      revision: HEAD
      directories: `+tt.directories+`
  template:`+tmpl)
				lines, res := genRun(t, set, Env{Git: git})
				genCheckLines(t, lines, tt.want...)
				if res.RequeueAfter != DefaultGitRequeue {
					t.Errorf("RequeueAfter = %v, want %v", res.RequeueAfter, DefaultGitRequeue)
				}
			})
		}
	}
}

// TestGitDirectoryParams shows a directory's parameters in both modes,
// with values, and with a pathParamPrefix.
func TestGitDirectoryParams(t *testing.T) {
	git := &genGit{repos: map[string]string{"https://example.com/r.git": genGitRepo(t, map[string]string{
		"clusters/my_cluster/app.yaml": "{}",
		"clusters/README.md":           "x",
	})}}
	env := Env{Git: git}
	const gen = `
  - git:
      repoURL: https://example.com/r.git
      revision: main
      directories: [{path: 'clusters/*'}]
      values: {cluster: '%s'}`
	fast := genSet(t, "metadata: {name: s}\nspec:\n  generators:"+strings.Replace(gen, "%s", "{{path.basename}}", 1)+"\n  template: {metadata: {}, spec: {project: p, destination: {}}}")
	genCheckParams(t, genParamsOf(t, fast, env), `
- path: clusters/my_cluster
  path.basename: my_cluster
  path.basenameNormalized: my-cluster
  path[0]: clusters
  path[1]: my_cluster
  values.cluster: my_cluster
`)
	gotmpl := genSet(t, "metadata: {name: s}\nspec:\n  goTemplate: true\n  generators:"+strings.Replace(gen, "%s", "{{.path.basename}}", 1)+"\n  template: {metadata: {}, spec: {project: p, destination: {}}}")
	genCheckParams(t, genParamsOf(t, gotmpl, env), `
- path:
    path: clusters/my_cluster
    basename: my_cluster
    basenameNormalized: my-cluster
    segments: [clusters, my_cluster]
  values: {cluster: my_cluster}
`)
	fast.Spec.Generators[0].Git.PathParamPrefix = "myRepo"
	fast.Spec.Generators[0].Git.Values = nil
	genCheckParams(t, genParamsOf(t, fast, env), `
- myRepo.path: clusters/my_cluster
  myRepo.path.basename: my_cluster
  myRepo.path.basenameNormalized: my-cluster
  myRepo.path[0]: clusters
  myRepo.path[1]: my_cluster
`)
	gotmpl.Spec.Generators[0].Git.PathParamPrefix = "myRepo"
	gotmpl.Spec.Generators[0].Git.Values = nil
	genCheckParams(t, genParamsOf(t, gotmpl, env), `
- myRepo:
    path:
      path: clusters/my_cluster
      basename: my_cluster
      basenameNormalized: my-cluster
      segments: [clusters, my_cluster]
`)
	if want := []string{"https://example.com/r.git@main", "https://example.com/r.git@main", "https://example.com/r.git@main", "https://example.com/r.git@main"}; !slices.Equal(git.calls, want) {
		t.Errorf("checkouts %q, want %q", git.calls, want)
	}
}

// TestGitDirectoriesSkipHiddenAndFiles checks that only directories are
// listed, hidden ones (and .git) skipped with their subtrees.
func TestGitDirectoriesSkipHiddenAndFiles(t *testing.T) {
	git := genArgoCDRepo(t)
	dirs, err := listDirectories(git.repos[genArgoRepo])
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range dirs {
		if strings.Contains(d, "/.") || strings.HasPrefix(d, ".") || strings.HasSuffix(d, ".yaml") {
			t.Errorf("listed %s", d)
		}
	}
	if !slices.Contains(dirs, "applicationset/examples/git-generator-files-discovery/cluster-config/engineering/dev") {
		t.Errorf("dev missing from %q", dirs)
	}
}

func TestGitDirectoryBadPattern(t *testing.T) {
	set := genSet(t, `
metadata: {name: s}
spec:
  generators:
  - git: {repoURL: `+genArgoRepo+`, revision: HEAD, directories: [{path: 'a/[b'}]}
  template: {metadata: {}, spec: {project: p, destination: {}}}
`)
	_, err := genParamsErr(set, Env{Git: genArgoCDRepo(t)})
	genCheckErr(t, err, `directory pattern "a/[b"`)
}

// TestGitFilesDocExamples are Generators-Git.md's file examples.
func TestGitFilesDocExamples(t *testing.T) {
	git := genArgoCDRepo(t)
	const prefix = "applicationset/examples/git-generator-files-discovery/"
	const dev = "engineering-dev-guestbook ns=argocd project=default src=" + genArgoRepo + "@HEAD:" + prefix + "apps/guestbook dst=https://1.2.3.4/guestbook"
	const prod = "engineering-prod-guestbook ns=argocd project=default src=" + genArgoRepo + "@HEAD:" + prefix + "apps/guestbook dst=https://2.4.6.8/guestbook"
	tests := []struct {
		name, files, values, path string
		want                      []string
	}{{
		name:  "files",
		files: "[{path: '" + prefix + "cluster-config/**/config.json'}]",
		path:  prefix + "apps/guestbook",
		want:  []string{dev, prod},
	}, {
		name:  "exclude",
		files: "[{path: '" + prefix + "cluster-config/**/config.json'}, {path: '" + prefix + "cluster-config/*/dev/config.json', exclude: true}]",
		path:  prefix + "apps/guestbook",
		want:  []string{prod},
	}, {
		name:   "values from segments",
		files:  "[{path: '" + prefix + "cluster-config/**/config.json'}]",
		values: `{base_dir: "{{index .path.segments 0}}/{{index .path.segments 1}}/{{index .path.segments 2}}"}`,
		path:   "{{.values.base_dir}}/apps/guestbook",
		want:   []string{dev, prod},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			values := ""
			if tt.values != "" {
				values = "\n      values: " + tt.values
			}
			set := genSet(t, `
metadata: {name: guestbook, namespace: argocd}
spec:
  goTemplate: true
  goTemplateOptions: ["missingkey=error"]
  generators:
  - git:
      repoURL: `+genArgoRepo+`
      revision: HEAD
      files: `+tt.files+values+`
  template:
    metadata: {name: '{{.cluster.name}}-guestbook'}
    spec:
      project: default
      source: {repoURL: `+genArgoRepo+`, targetRevision: HEAD, path: "`+tt.path+`"}
      destination: {server: '{{.cluster.address}}', namespace: guestbook}
`)
			lines, _ := genRun(t, set, Env{Git: git})
			genCheckLines(t, lines, tt.want...)
		})
	}
}

// TestGitFileParams shows a config.json's parameters in both modes, as
// Generators-Git.md lists them.
func TestGitFileParams(t *testing.T) {
	env := Env{Git: genArgoCDRepo(t), Refresh: true}
	const gen = `
  generators:
  - git:
      repoURL: ` + genArgoRepo + `
      revision: HEAD
      files: [{path: applicationset/examples/git-generator-files-discovery/cluster-config/engineering/dev/config.json}]
  template: {metadata: {}, spec: {project: p, destination: {}}}`
	fast := genSet(t, "metadata: {name: s}\nspec:"+gen)
	genCheckParams(t, genParamsOf(t, fast, env), `
- aws_account: "123456"
  asset_id: "11223344"
  cluster.owner: cluster-admin@company.com
  cluster.name: engineering-dev
  cluster.address: https://1.2.3.4
  path: applicationset/examples/git-generator-files-discovery/cluster-config/engineering/dev
  path.basename: dev
  path.basenameNormalized: dev
  path.filename: config.json
  path.filenameNormalized: config.json
  path[0]: applicationset
  path[1]: examples
  path[2]: git-generator-files-discovery
  path[3]: cluster-config
  path[4]: engineering
  path[5]: dev
`)
	gotmpl := genSet(t, "metadata: {name: s}\nspec:\n  goTemplate: true"+gen)
	genCheckParams(t, genParamsOf(t, gotmpl, env), `
- aws_account: "123456"
  asset_id: "11223344"
  cluster:
    owner: cluster-admin@company.com
    name: engineering-dev
    address: https://1.2.3.4
  path:
    path: applicationset/examples/git-generator-files-discovery/cluster-config/engineering/dev
    basename: dev
    basenameNormalized: dev
    filename: config.json
    filenameNormalized: config.json
    segments: [applicationset, examples, git-generator-files-discovery, cluster-config, engineering, dev]
`)
	if want := genArgoRepo + "@HEAD refresh"; env.Git.(*genGit).calls[0] != want {
		t.Errorf("checkout %q, want %q", env.Git.(*genGit).calls[0], want)
	}
}

// TestGitFileLists covers a file holding a list, numbers, an empty file,
// a file at the root and pathParamPrefix with fasttemplate.
func TestGitFileLists(t *testing.T) {
	git := &genGit{repos: map[string]string{"https://example.com/r.git": genGitRepo(t, map[string]string{
		"apps/app-one.json":     `{ "appName": "app-one" }`,
		"apps/list.yaml":        "- {appName: app-two, replicas: 2}\n- {appName: app-three, tags: [a, b]}\n",
		"apps/sub/empty.yaml":   "",
		"root.yaml":             "appName: root\n",
		"apps/sub/ignored.json": `{"appName": "ignored"}`,
	})}}
	set := genSet(t, `
metadata: {name: s}
spec:
  generators:
  - git:
      repoURL: https://example.com/r.git
      revision: HEAD
      pathParamPrefix: app
      files: [{path: 'apps/*'}, {path: root.yaml}, {path: apps/sub/ignored.json, exclude: true}]
  template: {metadata: {}, spec: {project: p, destination: {}}}
`)
	genCheckParams(t, genParamsOf(t, set, Env{Git: git}), `
- appName: app-one
  app.path: apps
  app.path.basename: apps
  app.path.basenameNormalized: apps
  app.path.filename: app-one.json
  app.path.filenameNormalized: app-one.json
  app.path[0]: apps
- appName: app-two
  replicas: "2"
  app.path: apps
  app.path.basename: apps
  app.path.basenameNormalized: apps
  app.path.filename: list.yaml
  app.path.filenameNormalized: list.yaml
  app.path[0]: apps
- appName: app-three
  tags.0: a
  tags.1: b
  app.path: apps
  app.path.basename: apps
  app.path.basenameNormalized: apps
  app.path.filename: list.yaml
  app.path.filenameNormalized: list.yaml
  app.path[0]: apps
- app.path: apps/sub
  app.path.basename: sub
  app.path.basenameNormalized: sub
  app.path.filename: empty.yaml
  app.path.filenameNormalized: empty.yaml
  app.path[0]: apps
  app.path[1]: sub
- appName: root
  app.path: .
  app.path.basename: .
  app.path.basenameNormalized: ""
  app.path.filename: root.yaml
  app.path.filenameNormalized: root.yaml
  app.path[0]: .
`)
}

func TestGitFileErrors(t *testing.T) {
	outside := filepath.Join(t.TempDir(), "secret.yaml")
	if err := os.WriteFile(outside, []byte("password: hunter2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	git := &genGit{repos: map[string]string{"https://example.com/r.git": genGitRepo(t, map[string]string{
		"bad/config.yaml":    "just a string\n",
		"links/inside.yaml":  "->../ok/config.yaml",
		"links/outside.yaml": "->" + outside,
		"ok/config.yaml":     "name: ok\n",
	})}}
	tests := []struct{ files, want string }{
		{"[{path: bad/config.yaml}]", "file bad/config.yaml of https://example.com/r.git: parse"},
		{"[{path: links/outside.yaml}]", "file links/outside.yaml of https://example.com/r.git: links outside the repository"},
		{"[{path: 'links/*'}]", "links/outside.yaml"},
	}
	for _, tt := range tests {
		set := genSet(t, `
metadata: {name: s}
spec:
  goTemplate: true
  generators:
  - git: {repoURL: https://example.com/r.git, revision: HEAD, files: `+tt.files+`}
  template: {metadata: {}, spec: {project: p, destination: {}}}
`)
		_, err := genParamsErr(set, Env{Git: git})
		genCheckErr(t, err, tt.want)
	}
	set := genSet(t, `
metadata: {name: s}
spec:
  goTemplate: true
  generators:
  - git: {repoURL: https://example.com/r.git, revision: HEAD, files: [{path: links/inside.yaml}]}
  template: {metadata: {}, spec: {project: p, destination: {}}}
`)
	genCheckParams(t, genParamsOf(t, set, Env{Git: git}), `
- name: ok
  path: {path: links, basename: links, basenameNormalized: links, filename: inside.yaml, filenameNormalized: inside.yaml, segments: [links]}
`)
	set.Spec.Generators[0].Git.RepoURL = "https://example.com/missing.git"
	_, err := genParamsErr(set, Env{Git: git})
	genCheckErr(t, err, "check out https://example.com/missing.git", "repository not found")
	set.Spec.Generators[0].Git.Files = nil
	_, err = genParamsErr(set, Env{Git: git})
	genCheckErr(t, err, "neither directories nor files")
}

// TestPathspecMatchesGitLsFiles compares the files patterns select with
// what `git ls-files -- <pattern>` lists, which is what Argo CD uses.
func TestPathspecMatchesGitLsFiles(t *testing.T) {
	dir := genGitRepo(t, map[string]string{
		"abc/file":                           "x",
		"abc/sub/f.json":                     "x",
		"cluster-config/eng/dev/config.json": "x",
		"config.json":                        "x",
		".hidden/x.json":                     "x",
		"top.json":                           "x",
		"x/y/z.json":                         "x",
		"a b/c[1].json":                      "x",
		"under_score/v1.yaml":                "x",
	})
	all, err := listFiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	patterns := []string{
		"abc", "abc/", "ab", "a?c", "*.json", "**/config.json", "**", "x**.json",
		"cluster-config/*/config.json", "cluster-config/**/config.json", "x/y/**/z.json",
		"*/sub/*", "a*/f?json", "x/[xy]/z.json", "x/[!a]/z.json", "x/[^y]/z.json",
		"x/[[:alpha:]]/z.json", `x\/y/z.json`, "x/y?z.json", "[a]bc", ".", "./top.json",
		"a b/c\\[1\\].json", "a b/c[[]1].json", "under_score/v[0-9].yaml", "x/[y-]/z.json",
		"x/[]y]/z.json", "*/file", "missing", "x/[y",
	}
	for _, p := range patterns {
		out := genGitCmd(t, dir, "ls-files", "--full-name", "-z", "--", p)
		want := strings.Split(out, "\x00")
		want = want[:len(want)-1]
		slices.Sort(want)
		var got []string
		spec := newPathspec(p)
		for _, f := range all {
			if spec.match(f) {
				got = append(got, f)
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("pattern %q: got %q, git lists %q", p, got, want)
		}
	}
}

func TestGitRequeueAfterSeconds(t *testing.T) {
	set := genSet(t, `
metadata: {name: s, namespace: argocd}
spec:
  generators:
  - git: {repoURL: `+genArgoRepo+`, revision: HEAD, requeueAfterSeconds: 30, directories: [{path: nothing}]}
  - git: {repoURL: `+genArgoRepo+`, revision: HEAD, requeueAfterSeconds: 0, directories: [{path: nothing}]}
  template: {metadata: {}, spec: {project: p, destination: {}}}
`)
	git := genArgoCDRepo(t)
	_, res := genRun(t, set, Env{Git: git})
	if res.RequeueAfter != 30*time.Second {
		t.Errorf("RequeueAfter = %v, want 30s", res.RequeueAfter)
	}
	if len(git.calls) != 1 {
		t.Errorf("checkouts %q, want one per repository and revision", git.calls)
	}
}
