package appset

import (
	"testing"
)

// genPick keeps only keys of each parameter set.
func genPick(params []map[string]any, keys ...string) []map[string]any {
	var out []map[string]any
	for _, p := range params {
		m := map[string]any{}
		for _, k := range keys {
			if v, ok := p[k]; ok {
				m[k] = v
			}
		}
		out = append(out, m)
	}
	return out
}

// TestMatrixGitDirectoriesClustersDocExample is Generators-Matrix.md's
// first example: git directories × clusters.
func TestMatrixGitDirectoriesClustersDocExample(t *testing.T) {
	set := genSet(t, `
metadata: {name: cluster-git, namespace: argocd}
spec:
  goTemplate: true
  goTemplateOptions: ["missingkey=error"]
  generators:
    - matrix:
        generators:
          - git:
              repoURL: `+genArgoRepo+`
              revision: HEAD
              directories:
                - path: applicationset/examples/git-generator-directory/cluster-addons/*
          - clusters:
              selector:
                matchLabels:
                  argocd.argoproj.io/secret-type: cluster
  template:
    metadata:
      name: '{{.path.basename}}-{{.name}}'
    spec:
      project: '{{index .metadata.labels "environment"}}'
      source:
        repoURL: `+genArgoRepo+`
        targetRevision: HEAD
        path: '{{.path.path}}'
      destination:
        server: '{{.server}}'
        namespace: '{{.path.basename}}'
`)
	env := genEnv(t, genClusterSecrets)
	env.Git = genArgoCDRepo(t)
	lines, res := genRun(t, set, env)
	const src = " src=" + genArgoRepo + "@HEAD:applicationset/examples/git-generator-directory/cluster-addons/"
	genCheckLines(t, lines,
		"argo-workflows-production ns=argocd project=production-project"+src+"argo-workflows dst=https://2.4.6.8/argo-workflows",
		"argo-workflows-staging ns=argocd project=staging-project"+src+"argo-workflows dst=https://1.2.3.4/argo-workflows",
		"prometheus-operator-production ns=argocd project=production-project"+src+"prometheus-operator dst=https://2.4.6.8/prometheus-operator",
		"prometheus-operator-staging ns=argocd project=staging-project"+src+"prometheus-operator dst=https://1.2.3.4/prometheus-operator",
	)
	if res.RequeueAfter != DefaultGitRequeue {
		t.Errorf("RequeueAfter = %v, want the git child's %v", res.RequeueAfter, DefaultGitRequeue)
	}
}

// TestMatrixInterpolationDocExample is Generators-Matrix.md's second
// example: the clusters child's selector uses the git files child's
// path.basename, in both template modes.
func TestMatrixInterpolationDocExample(t *testing.T) {
	const secrets = `
apiVersion: v1
kind: Secret
metadata:
  name: c1
  namespace: argocd
  labels: {argocd.argoproj.io/secret-type: cluster, kubernetes.io/environment: dev}
stringData: {name: dev-cluster, server: https://dev.example.com}
---
apiVersion: v1
kind: Secret
metadata:
  name: c2
  namespace: argocd
  labels: {argocd.argoproj.io/secret-type: cluster, kubernetes.io/environment: prod}
stringData: {name: prod-cluster, server: https://prod.example.com}
`
	for _, mode := range []string{"goTemplate: true", "goTemplate: false"} {
		t.Run(mode, func(t *testing.T) {
			basename, name, server := "'{{.path.basename}}'", "'{{.name}}-guestbook'", "'{{.server}}'"
			if mode == "goTemplate: false" {
				basename, name, server = "'{{path.basename}}'", "'{{name}}-guestbook'", "'{{server}}'"
			}
			set := genSet(t, `
metadata: {name: cluster-git, namespace: argocd}
spec:
  `+mode+`
  generators:
    - matrix:
        generators:
          - git:
              repoURL: `+genArgoRepo+`
              revision: HEAD
              files:
                - path: "applicationset/examples/git-generator-files-discovery/cluster-config/**/config.json"
          - clusters:
              selector:
                matchLabels:
                  argocd.argoproj.io/secret-type: cluster
                  kubernetes.io/environment: `+basename+`
  template:
    metadata:
      name: `+name+`
    spec:
      project: default
      source:
        repoURL: https://github.com/argoproj/applicationset.git
        targetRevision: HEAD
        path: "examples/git-generator-files-discovery/apps/guestbook"
      destination:
        server: `+server+`
        namespace: guestbook
`)
			env := genEnv(t, secrets)
			env.Git = genArgoCDRepo(t)
			lines, _ := genRun(t, set, env)
			const src = " src=https://github.com/argoproj/applicationset.git@HEAD:examples/git-generator-files-discovery/apps/guestbook"
			genCheckLines(t, lines,
				"dev-cluster-guestbook ns=argocd project=default"+src+" dst=https://dev.example.com/guestbook",
				"prod-cluster-guestbook ns=argocd project=default"+src+" dst=https://prod.example.com/guestbook",
			)
		})
	}
}

// TestMatrixGitListElementsYamlDocExample is Generators-List.md's
// "dynamically generated elements" example: git files × list.
func TestMatrixGitListElementsYamlDocExample(t *testing.T) {
	set := genSet(t, `
metadata: {name: elements-yaml, namespace: argocd}
spec:
  goTemplate: true
  goTemplateOptions: ["missingkey=error"]
  generators:
  - matrix:
      generators:
      - git:
          repoURL: `+genArgoRepo+`
          revision: HEAD
          files:
          - path: applicationset/examples/list-generator/list-elementsYaml-example.yaml
      - list:
          elementsYaml: "{{ .key.components | toJson }}"
  template:
    metadata:
      name: '{{.name}}'
    spec:
      project: default
      sources:
        - chart: '{{.chart}}'
          repoURL: '{{.repoUrl}}'
          targetRevision: '{{.version}}'
          helm:
            releaseName: '{{.releaseName}}'
      destination:
        server: https://kubernetes.default.svc
        namespace: '{{.namespace}}'
`)
	lines, _ := genRun(t, set, Env{Git: genArgoCDRepo(t)})
	genCheckLines(t, lines,
		"component1 ns=argocd project=default dst=https://kubernetes.default.svc/component1",
		"component2 ns=argocd project=default dst=https://kubernetes.default.svc/component2",
	)
	res, err := Generate(t.Context(), set, Env{Git: genArgoCDRepo(t)})
	if err != nil {
		t.Fatal(err)
	}
	s := res.Applications[1].Spec.Sources[0]
	if s.Chart != "podinfo" || s.RepoURL != "ghcr.io/stefanprodan/charts" || s.TargetRevision != "6.3.3" || s.Helm.ReleaseName != "component2" {
		t.Errorf("second source = %+v", s)
	}
}

// TestMatrixParameterOverrideDocExample is Generators-Matrix.md's
// "overriding parameters" example: with Go templates the first child's
// values win, deeply.
func TestMatrixParameterOverrideDocExample(t *testing.T) {
	git := &genGit{repos: map[string]string{"https://github.com/example/values.git": genGitRepo(t, map[string]string{
		"test/stage.values.yaml":       "stageName: test\ncpuRequest: 100m\ndebugEnabled: true\n",
		"staging/stage.values.yaml":    "stageName: staging\n",
		"production/stage.values.yaml": "stageName: production\nmemoryLimit: 512Mi\ndebugEnabled: false\n",
		"global.values.yaml":           "cpuRequest: 200m\nmemoryLimit: 256Mi\ndebugEnabled: true\n",
	})}}
	set := genSet(t, `
metadata: {name: parameter-override-example}
spec:
  generators:
    - matrix:
        generators:
          - git:
              repoURL: https://github.com/example/values.git
              revision: HEAD
              files:
                - path: "**/stage.values.yaml"
          - git:
               repoURL: https://github.com/example/values.git
               revision: HEAD
               files:
                  - path: "global.values.yaml"
  goTemplate: true
  template: {metadata: {name: example}, spec: {project: default, destination: {}}}
`)
	got := genPick(genParamsOf(t, set, Env{Git: git}), "stageName", "cpuRequest", "memoryLimit", "debugEnabled")
	// Files come in path order: production, staging, test.
	genCheckParams(t, got, `
- stageName: production
  cpuRequest: 200m
  memoryLimit: 512Mi
  debugEnabled: false
- stageName: staging
  cpuRequest: 200m
  memoryLimit: 256Mi
  debugEnabled: true
- stageName: test
  cpuRequest: 100m
  memoryLimit: 256Mi
  debugEnabled: true
`)
}

// TestMatrixPathParamPrefixDocExample is Generators-Matrix.md's two git
// generators with pathParamPrefix, with fasttemplate.
func TestMatrixPathParamPrefixDocExample(t *testing.T) {
	git := &genGit{repos: map[string]string{"https://github.com/some-org/some-repo.git": genGitRepo(t, map[string]string{
		"apps/app-one.json":                       `{ "appName": "app-one" }`,
		"apps/app-two.json":                       `{ "appName": "app-two" }`,
		"targets/app-one/east-cluster-one.json":   `{ "region": "east", "clusterName": "cluster-one" }`,
		"targets/app-one/east-cluster-two.json":   `{ "region": "east", "clusterName": "cluster-two" }`,
		"targets/app-two/east-cluster-one.json":   `{ "region": "east", "clusterName": "cluster-one" }`,
		"targets/app-two/west-cluster-three.json": `{ "region": "west", "clusterName": "cluster-three" }`,
	})}}
	set := genSet(t, `
metadata: {name: two-gits-with-path-param-prefix}
spec:
  generators:
    - matrix:
        generators:
          - git:
              repoURL: https://github.com/some-org/some-repo.git
              revision: HEAD
              files:
                - path: "apps/*.json"
              pathParamPrefix: app
          - git:
              repoURL: https://github.com/some-org/some-repo.git
              revision: HEAD
              files:
                - path: "targets/{{appName}}/*.json"
              pathParamPrefix: target
  template: {metadata: {}, spec: {project: default, destination: {}}}
`)
	got := genPick(genParamsOf(t, set, Env{Git: git}), "appName", "app.path", "app.path.filename", "region", "clusterName", "target.path", "target.path.filename")
	genCheckParams(t, got, `
- {appName: app-one, app.path: apps, app.path.filename: app-one.json, region: east, clusterName: cluster-one, target.path: targets/app-one, target.path.filename: east-cluster-one.json}
- {appName: app-one, app.path: apps, app.path.filename: app-one.json, region: east, clusterName: cluster-two, target.path: targets/app-one, target.path.filename: east-cluster-two.json}
- {appName: app-two, app.path: apps, app.path.filename: app-two.json, region: east, clusterName: cluster-one, target.path: targets/app-two, target.path.filename: east-cluster-one.json}
- {appName: app-two, app.path: apps, app.path.filename: app-two.json, region: west, clusterName: cluster-three, target.path: targets/app-two, target.path.filename: west-cluster-three.json}
`)
}

// TestMatrixNestedMergeAndSelectors nests a merge in a matrix and filters
// both children with selectors.
func TestMatrixNestedMergeAndSelectors(t *testing.T) {
	set := genSet(t, `
metadata: {name: nested}
spec:
  generators:
  - matrix:
      generators:
      - list:
          elements: [{app: web}, {app: api}, {app: skip}]
        selector: {matchExpressions: [{key: app, operator: NotIn, values: [skip]}]}
      - merge:
          mergeKeys: [server]
          generators:
          - clusters: {}
          - list:
              elements:
              - {server: 'https://2.4.6.8', values.size: large}
              - {server: 'https://9.9.9.9', values.size: unknown}
        selector: {matchLabels: {metadata.labels.type: production}}
  template: {metadata: {}, spec: {project: default, destination: {}}}
`)
	got := genPick(genParamsOf(t, set, genEnv(t, genClusterSecrets)), "app", "name", "server", "values.size")
	genCheckParams(t, got, `
- {app: web, name: production, server: 'https://2.4.6.8', values.size: large}
- {app: api, name: production, server: 'https://2.4.6.8', values.size: large}
`)
}

func TestMatrixCombine(t *testing.T) {
	fast := &generation{}
	got, err := fast.combine(map[string]any{"a": "1", "same": "x"}, map[string]any{"b": "2", "same": "x"})
	if err != nil {
		t.Fatal(err)
	}
	genCheckParams(t, []map[string]any{got}, `[{a: "1", b: "2", same: x}]`)
	_, err = fast.combine(map[string]any{"path": "a"}, map[string]any{"path": "b"})
	genCheckErr(t, err, `both matrix generators set "path", to "a" and "b"`)

	gotmpl := &generation{goTemplate: true}
	a := map[string]any{"x": "a", "m": map[string]any{"k1": "a", "deep": map[string]any{"d1": "a"}}, "list": []any{"a"}, "empty": map[string]any{}}
	b := map[string]any{"x": "b", "y": "b", "m": map[string]any{"k1": "b", "k2": "b", "deep": map[string]any{"d2": "b"}}, "list": []any{"b", "c"}, "empty": map[string]any{"e": "b"}}
	got, err = gotmpl.combine(a, b)
	if err != nil {
		t.Fatal(err)
	}
	genCheckParams(t, []map[string]any{got}, `
- x: a
  "y": b
  m: {k1: a, k2: b, deep: {d1: a, d2: b}}
  list: [a]
  empty: {e: b}
`)
	if len(b["m"].(map[string]any)) != 3 {
		t.Errorf("combine changed its input: %v", b)
	}
}

func TestMatrixErrors(t *testing.T) {
	tests := []struct{ generators, want string }{
		{`[{list: {elements: [{a: "1"}]}}]`, "generator 0 (matrix): matrix needs exactly two generators, found 1"},
		{`[{list: {elements: [{a: "1"}]}}, {list: {elements: [{a: "2"}]}}]`, `generator 0 (matrix): both matrix generators set "a"`},
		{`[{list: {elements: [{a: "1"}]}}, {list: {elements: [{b: "2"}]}, clusters: {}}]`, "generator 0 (matrix): child 1: more than one generator"},
		{`[{list: {elements: [{a: "1"}]}}, {matrix: {generators: [{matrix: {generators: []}}, {list: {elements: []}}]}}]`, "generator 0 (matrix): child 1 (matrix): child 0: no generator set"},
		{`[{list: {elements: [{a: "1"}]}}, {scmProvider: {}}]`, "generator 0 (matrix): child 1 (scmProvider): scm provider: no SCM provider configured"},
	}
	for _, tt := range tests {
		set := genSet(t, `
metadata: {name: s, namespace: argocd}
spec:
  generators:
  - matrix:
      generators: `+tt.generators+`
  template: {metadata: {name: x}, spec: {project: default, destination: {}}}
`)
		_, err := Generate(t.Context(), set, Env{})
		genCheckErr(t, err, tt.want)
	}
}
