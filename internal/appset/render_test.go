package appset

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/yaml"

	"flotilla.dev/flotilla/api/v1alpha1"
)

// guestbookFast and guestbookGo are the List generator's guestbook template
// (docs/operator-manual/applicationset/Generators-List.md) in both syntaxes.
const guestbookFast = `
metadata:
  name: '{{cluster}}-guestbook'
spec:
  project: my-project
  source:
    repoURL: https://github.com/argoproj/argo-cd.git
    targetRevision: HEAD
    path: applicationset/examples/list-generator/guestbook/{{cluster}}
  destination:
    server: '{{url}}'
    namespace: guestbook
`

const guestbookGo = `
metadata:
  name: '{{.cluster}}-guestbook'
spec:
  project: my-project
  source:
    repoURL: https://github.com/argoproj/argo-cd.git
    targetRevision: HEAD
    path: applicationset/examples/list-generator/guestbook/{{.cluster}}
  destination:
    server: '{{.url}}'
    namespace: guestbook
`

const guestbookWant = `
metadata:
  name: engineering-dev-guestbook
spec:
  project: my-project
  source:
    repoURL: https://github.com/argoproj/argo-cd.git
    targetRevision: HEAD
    path: applicationset/examples/list-generator/guestbook/engineering-dev
  destination:
    server: https://kubernetes.default.svc
    namespace: guestbook
`

var guestbookParams = map[string]any{"cluster": "engineering-dev", "url": "https://kubernetes.default.svc"}

type renderCase struct {
	name       string
	tmpl       string
	params     map[string]any
	goTemplate bool
	options    []string
	want       string // an Application as YAML
	wantErr    string // a substring of the error
}

func TestRenderApplication(t *testing.T) {
	cases := []renderCase{
		{name: "list guestbook/fasttemplate", tmpl: guestbookFast, params: guestbookParams, want: guestbookWant},
		{name: "list guestbook/goTemplate", tmpl: guestbookGo, params: guestbookParams, goTemplate: true,
			options: []string{"missingkey=error"}, want: guestbookWant},
		{name: "git directories/fasttemplate", tmpl: gitDirFast, params: map[string]any{
			"path": "applicationset/examples/git-generator-directory/cluster-addons/argo-workflows", "path.basename": "argo-workflows",
		}, want: gitDirWant},
		{name: "git directories/goTemplate", tmpl: gitDirGo, goTemplate: true, options: []string{"missingkey=error"},
			params: map[string]any{"path": map[string]any{
				"path": "applicationset/examples/git-generator-directory/cluster-addons/argo-workflows", "basename": "argo-workflows",
			}}, want: gitDirWant},
		{name: "git directories/goTemplate with sprig", tmpl: gitDirSprig, goTemplate: true, options: []string{"missingkey=error"},
			params: map[string]any{"path": map[string]any{
				"path": "applicationset/examples/git-generator-directory/cluster-addons/argo-workflows", "basename": "Argo_Workflows",
			}}, want: gitDirWant},
		{name: "unknown and non-string keys stay/fasttemplate", tmpl: `
metadata:
  name: '{{ unknown }}-{{replicas}}-{{}}-{{ name }}'
  namespace: '{{ {{ name }}'
spec:
  project: '}} {{'
  destination: {server: '{{name}}{{name}}'}
`, params: map[string]any{"name": "two", "replicas": 3, " ": "x", "": "y"}, want: `
metadata:
  name: '{{ unknown }}-{{replicas}}-{{}}-two'
  namespace: '{{ {{ name }}'
spec:
  project: '}} {{'
  destination: {server: twotwo}
`},
		{name: "missing key/goTemplate default", tmpl: `
metadata: {name: '--> {{.doesnotexist}} <--'}
spec: {project: default, destination: {}}
`, params: map[string]any{"unused": "x"}, goTemplate: true, want: `
metadata: {name: '--> <no value> <--'}
spec: {project: default, destination: {}}
`},
		{name: "missing key/goTemplate missingkey=error", tmpl: `
metadata: {name: '--> {{.doesnotexist}} <--'}
spec: {project: default, destination: {}}
`, params: map[string]any{"unused": "x"}, goTemplate: true, options: []string{"missingkey=error"},
			wantErr: `metadata.name: execute template "--> {{.doesnotexist}} <--": template: base:1:6: executing "base" at <.doesnotexist>: map has no entry for key "doesnotexist"`},
		{name: "dig fallback/goTemplate", tmpl: `
metadata: {name: '{{.cluster}}{{dig "nameSuffix" "" .}}'}
spec: {project: default, destination: {server: '{{.url}}'}}
`, params: map[string]any{"cluster": "engineering-prod", "url": "https://kubernetes.default.svc", "nameSuffix": "-my-name-suffix"},
			goTemplate: true, options: []string{"missingkey=error"}, want: `
metadata: {name: engineering-prod-my-name-suffix}
spec: {project: default, destination: {server: 'https://kubernetes.default.svc'}}
`},
		{name: "slugify/goTemplate", tmpl: `
metadata:
  name: 'hellos3-{{.name}}-{{ cat .branch | slugify 23 }}'
  annotations:
    label-1: '{{ cat .branch | slugify }}'
    label-2: '{{ cat .branch | slugify 23 }}'
    label-3: '{{ cat .branch | slugify 50 false }}'
spec: {project: default, destination: {}}
`, params: map[string]any{"name": "app", "branch": longBranch}, goTemplate: true, want: `
metadata:
  name: hellos3-app-feat-a-really-long-pull
  annotations:
    label-1: feat-a-really-long-pull-request-name-to-test-argo
    label-2: feat-a-really-long-pull
    label-3: feat-a-really-long-pull-request-name-to-test-argo
spec: {project: default, destination: {}}
`},
		{name: "keys, labels and finalizers/fasttemplate", tmpl: keysFast, params: keysParams, want: keysWant},
		{name: "keys, labels and finalizers/goTemplate", tmpl: keysGo, params: keysParams, goTemplate: true, want: keysWant},
		{name: "valuesObject/fasttemplate", tmpl: valuesObjectFast, params: map[string]any{"name": "web", "key": "image"}, want: valuesObjectWant},
		{name: "valuesObject/goTemplate", tmpl: valuesObjectGo, params: map[string]any{"name": "web", "key": "image"}, goTemplate: true, want: valuesObjectWant},
		{name: "no params renders nothing/goTemplate", tmpl: `
metadata: {name: '{{.data}}'}
spec: {project: default, destination: {}}
`, goTemplate: true, want: `
metadata: {name: '{{.data}}'}
spec: {project: default, destination: {}}
`},
		{name: "env is not defined/goTemplate", tmpl: `
metadata: {name: '{{ env "HOME" }}'}
spec: {project: default, destination: {}}
`, params: guestbookParams, goTemplate: true, wantErr: `function "env" not defined`},
		{name: "expandenv is not defined/goTemplate", tmpl: `
metadata: {name: '{{ expandenv "$HOME" }}'}
spec: {project: default, destination: {}}
`, params: guestbookParams, goTemplate: true, wantErr: `function "expandenv" not defined`},
		{name: "getHostByName is not defined/goTemplate", tmpl: `
metadata: {name: a}
spec: {project: default, destination: {server: '{{ getHostByName "localhost" }}'}}
`, params: guestbookParams, goTemplate: true, wantErr: `spec.destination.server: parse template "{{ getHostByName \"localhost\" }}": template: base:1: function "getHostByName" not defined`},
		{name: "control keywords across fields/goTemplate", tmpl: `
metadata: {name: a}
spec:
  project: default
  destination: {}
  source:
    repoURL: r
    helm:
      parameters:
      - name: "{{range .parameters}}"
      - name: "{{.name}}"
        value: "{{.value}}"
`, params: guestbookParams, goTemplate: true, wantErr: `spec.source.helm.parameters[0].name: parse template "{{range .parameters}}"`},
		{name: "unclosed tag/fasttemplate", tmpl: `
metadata: {name: '{{properly.closed}} {{improperly.closed}'}
spec: {project: default, destination: {}}
`, params: guestbookParams, wantErr: `metadata.name: invalid template`},
		{name: "bad option/goTemplate", tmpl: guestbookGo, params: guestbookParams, goTemplate: true,
			options: []string{"missingkey=sometimes"}, wantErr: `invalid goTemplateOptions`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tmpl := decodeTemplate(t, tc.tmpl)
			app, err := RenderApplication(tmpl, tc.params, tc.goTemplate, tc.options)
			checkApp(t, app, err, tc.want, tc.wantErr)
			if again := decodeTemplate(t, tc.tmpl); !equalYAML(t, tmpl, again) {
				t.Error("the template was changed")
			}
		})
	}
}

const longBranch = "feat/a_really+long_pull_request_name_to_test_argo_slugification_and_branch_name_shortening_feature"

// gitDirFast and gitDirGo are GoTemplate.md's migration example (git
// directories), before and after.
const gitDirFast = `
metadata:
  name: '{{path.basename}}'
spec:
  project: default
  source:
    repoURL: https://github.com/argoproj/argo-cd.git
    targetRevision: HEAD
    path: '{{path}}'
  destination:
    server: https://kubernetes.default.svc
    namespace: '{{path.basename}}'
`

const gitDirGo = `
metadata:
  name: '{{.path.basename}}'
spec:
  project: default
  source:
    repoURL: https://github.com/argoproj/argo-cd.git
    targetRevision: HEAD
    path: '{{.path.path}}'
  destination:
    server: https://kubernetes.default.svc
    namespace: '{{.path.basename}}'
`

// gitDirSprig builds the same with Sprig, as GoTemplate.md's table.
const gitDirSprig = `
metadata:
  name: '{{base .path.path}}'
spec:
  project: default
  source:
    repoURL: https://github.com/argoproj/argo-cd.git
    targetRevision: HEAD
    path: '{{.path.path}}'
  destination:
    server: https://kubernetes.default.svc
    namespace: '{{normalize .path.basename}}'
`

const gitDirWant = `
metadata:
  name: argo-workflows
spec:
  project: default
  source:
    repoURL: https://github.com/argoproj/argo-cd.git
    targetRevision: HEAD
    path: applicationset/examples/git-generator-directory/cluster-addons/argo-workflows
  destination:
    server: https://kubernetes.default.svc
    namespace: argo-workflows
`

var keysParams = map[string]any{"key": "some-key", "value": "some-value", "env": "prod"}

const keysFast = `
metadata:
  name: app-{{env}}
  namespace: ns-{{env}}
  labels: {'env-{{key}}': '{{env}}'}
  annotations: {'annotation-{{key}}': 'annotation-{{value}}'}
  finalizers: ['{{key}}.example.com/cleanup']
spec:
  project: default
  destination: {name: '{{env}}'}
  source:
    repoURL: r
    kustomize: {images: ['img:{{env}}']}
`

const keysGo = `
metadata:
  name: app-{{.env}}
  namespace: ns-{{.env}}
  labels: {'env-{{.key}}': '{{.env}}'}
  annotations: {'annotation-{{ .key }}': 'annotation-{{ .value }}'}
  finalizers: ['{{.key}}.example.com/cleanup']
spec:
  project: default
  destination: {name: '{{.env}}'}
  source:
    repoURL: r
    kustomize: {images: ['img:{{.env}}']}
`

const keysWant = `
metadata:
  name: app-prod
  namespace: ns-prod
  labels: {env-some-key: prod}
  annotations: {annotation-some-key: annotation-some-value}
  finalizers: [some-key.example.com/cleanup]
spec:
  project: default
  destination: {name: prod}
  source:
    repoURL: r
    kustomize: {images: ['img:prod']}
`

const valuesObjectFast = `
metadata: {name: '{{name}}'}
spec:
  project: default
  destination: {}
  source:
    repoURL: r
    helm:
      valuesObject:
        replicas: 3
        enabled: true
        dropped: null
        '{{key}}': {repository: 'registry/{{name}}', tags: ['{{name}}', 1]}
        some: {string: '{{ name }} {{ unknown }}'}
`

const valuesObjectGo = `
metadata: {name: '{{.name}}'}
spec:
  project: default
  destination: {}
  source:
    repoURL: r
    helm:
      valuesObject:
        replicas: 3
        enabled: true
        dropped: null
        '{{.key}}': {repository: 'registry/{{.name}}', tags: ['{{.name}}', 1]}
        some: {string: '{{ .name }} {{ "{{ unknown }}" }}'}
`

const valuesObjectWant = `
metadata: {name: web}
spec:
  project: default
  destination: {}
  source:
    repoURL: r
    helm:
      valuesObject:
        replicas: 3
        enabled: true
        image: {repository: registry/web, tags: [web, 1]}
        some: {string: 'web {{ unknown }}'}
`

func TestRenderHelmValuesObjectJSON(t *testing.T) {
	// Argo CD's TestRenderHelmValuesObjectJson: JSON is kept as JSON, the
	// result is compact JSON.
	tmpl := decodeTemplate(t, `{metadata: {name: a}, spec: {project: default, destination: {}, source: {repoURL: r}}}`)
	tmpl.Spec.Source.Helm = &v1alpha1.ApplicationSourceHelm{}
	tmpl.Spec.Source.Helm.ValuesObject = rawExtension(`{
		"some": {
			"string": "{{.test}}"
		}
	}`)
	app, err := RenderApplication(tmpl, map[string]any{"test": "Hello world"}, true, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(app.Spec.Source.Helm.ValuesObject.Raw), `{"some":{"string":"Hello world"}}`; got != want {
		t.Errorf("valuesObject = %s, want %s", got, want)
	}
}

func TestRenderGenerator(t *testing.T) {
	cases := []struct {
		name       string
		gen        string
		params     map[string]any
		goTemplate bool
		options    []string
		want       string
		wantErr    string
	}{
		{name: "matrix git then clusters/goTemplate", gen: `
clusters:
  selector:
    matchLabels:
      argocd.argoproj.io/secret-type: cluster
      kubernetes.io/environment: '{{.path.basename}}'
`, params: map[string]any{"path": map[string]any{"basename": "dev"}}, goTemplate: true, options: []string{"missingkey=error"}, want: `
clusters:
  selector:
    matchLabels:
      argocd.argoproj.io/secret-type: cluster
      kubernetes.io/environment: dev
`},
		{name: "matrix git then clusters/fasttemplate", gen: `
clusters:
  selector:
    matchLabels:
      kubernetes.io/environment: '{{path.basename}}'
`, params: map[string]any{"path.basename": "dev"}, want: `
clusters:
  selector:
    matchLabels:
      kubernetes.io/environment: dev
`},
		{name: "list elements and elementsYaml/goTemplate", gen: `
list:
  elements:
  - {cluster: '{{.path.basename}}', replicas: 2}
  elementsYaml: '{{ .key.components | toJson }}'
`, params: map[string]any{"path": map[string]any{"basename": "dev"}, "key": map[string]any{"components": []any{map[string]any{"name": "a"}}}},
			goTemplate: true, want: `
list:
  elements:
  - {cluster: dev, replicas: 2}
  elementsYaml: '[{"name":"a"}]'
`},
		{name: "values: cross-generator resolved, own deferred/goTemplate", gen: `
clusters:
  values:
    env: '{{.path.basename}}'
    clusterName: '{{.name}}'
    static: some-hardcoded-value
`, params: map[string]any{"path": map[string]string{"basename": "guestbook"}}, goTemplate: true, want: `
clusters:
  values:
    env: guestbook
    clusterName: '{{.name}}'
    static: some-hardcoded-value
`},
		{name: "values: own deferred under missingkey=error/goTemplate", gen: `
git:
  repoURL: https://git.example.com
  revision: HEAD
  values: {basename: '{{.path.basename}}'}
`, params: map[string]any{"some": "value"}, goTemplate: true, options: []string{"missingkey=error"}, want: `
git:
  repoURL: https://git.example.com
  revision: HEAD
  values: {basename: '{{.path.basename}}'}
`},
		{name: "values: cross-generator resolved, own kept/fasttemplate", gen: `
clusters:
  values: {env: '{{path.basename}}', clusterName: '{{name}}'}
`, params: map[string]any{"path.basename": "guestbook"}, want: `
clusters:
  values: {env: guestbook, clusterName: '{{name}}'}
`},
		{name: "values: malformed template/goTemplate", gen: `
clusters:
  values: {bad: '{{.path.basename'}
`, params: map[string]any{"x": "y"}, goTemplate: true, wantErr: `clusters.values: pre-resolve values key "bad": parse template`},
		{name: "values: function error/goTemplate", gen: `
clusters:
  values: {bad: '{{mustFromJson "not-valid-json"}}'}
`, params: map[string]any{"x": "y"}, goTemplate: true, wantErr: `clusters.values: pre-resolve values key "bad": execute template`},
		{name: "other fields use the set's options/goTemplate", gen: `
git: {repoURL: 'https://git.example.com/{{.name}}', revision: HEAD}
`, params: map[string]any{"x": "y"}, goTemplate: true, want: `
git: {repoURL: 'https://git.example.com/<no value>', revision: HEAD}
`},
		{name: "plugin input parameters/goTemplate", gen: `
plugin:
  configMapRef: {name: cm-plugin}
  input:
    parameters: {branch: '{{.branch}}', repo: argo-test}
`, params: map[string]any{"branch": "master"}, goTemplate: true, want: `
plugin:
  configMapRef: {name: cm-plugin}
  input:
    parameters: {branch: master, repo: argo-test}
`},
		{name: "no params/goTemplate", gen: `
git: {repoURL: 'https://git.example.com/{{.name}}', revision: HEAD}
`, goTemplate: true, want: `
git: {repoURL: 'https://git.example.com/{{.name}}', revision: HEAD}
`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var g v1alpha1.ApplicationSetGenerator
			if err := yaml.UnmarshalStrict([]byte(tc.gen), &g); err != nil {
				t.Fatal(err)
			}
			got, err := RenderGenerator(&g, tc.params, tc.goTemplate, tc.options)
			if !checkErr(t, err, tc.wantErr) {
				return
			}
			var want v1alpha1.ApplicationSetGenerator
			if err := yaml.UnmarshalStrict([]byte(tc.want), &want); err != nil {
				t.Fatal(err)
			}
			if g, w := toYAMLString(t, got), toYAMLString(t, want); g != w {
				t.Errorf("got\n%s\nwant\n%s", g, w)
			}
		})
	}
	if _, err := RenderGenerator(nil, nil, false, nil); err == nil {
		t.Error("nil generator: no error")
	}
}

func TestMergeTemplate(t *testing.T) {
	// Template.md's generator template example, plus the maps and the
	// booleans mergo merges.
	gen := decodeTemplate(t, `
metadata:
  labels: {team: gen}
spec:
  project: "default"
  source:
    targetRevision: HEAD
    repoURL: https://github.com/argoproj/argo-cd.git
    path: 'applicationset/examples/template-override/{{ .nameNormalized }}-override'
  destination: {}
  syncPolicy: {automated: {prune: false, selfHeal: true}}
`)
	set := decodeTemplate(t, `
metadata:
  name: '{{ .nameNormalized }}-guestbook'
  labels: {team: set, tier: web}
spec:
  project: "default"
  source:
    repoURL: https://github.com/argoproj/argo-cd.git
    targetRevision: HEAD
    path: applicationset/examples/template-override/default
  destination:
    server: '{{ .server }}'
    namespace: guestbook
  syncPolicy: {automated: {prune: true}, syncOptions: [CreateNamespace=true]}
`)
	got, err := MergeTemplate(gen, set)
	if err != nil {
		t.Fatal(err)
	}
	want := decodeTemplate(t, `
metadata:
  name: '{{ .nameNormalized }}-guestbook'
  labels: {team: gen, tier: web}
spec:
  project: "default"
  source:
    repoURL: https://github.com/argoproj/argo-cd.git
    targetRevision: HEAD
    path: 'applicationset/examples/template-override/{{ .nameNormalized }}-override'
  destination:
    server: '{{ .server }}'
    namespace: guestbook
  syncPolicy: {automated: {prune: true, selfHeal: true}, syncOptions: [CreateNamespace=true]}
`)
	if g, w := toYAMLString(t, got), toYAMLString(t, want); g != w {
		t.Errorf("got\n%s\nwant\n%s", g, w)
	}
	got.Labels["team"] = "changed"
	got.Spec.SyncPolicy.SyncOptions[0] = "changed"
	if gen.Labels["team"] != "gen" || set.Spec.SyncPolicy.SyncOptions[0] != "CreateNamespace=true" {
		t.Error("the result shares maps or slices with its inputs")
	}

	empty, err := MergeTemplate(v1alpha1.ApplicationSetTemplate{}, set)
	if err != nil {
		t.Fatal(err)
	}
	if g, w := toYAMLString(t, empty), toYAMLString(t, set); g != w {
		t.Errorf("empty generator template: got\n%s\nwant\n%s", g, w)
	}
}

func rawExtension(s string) *runtime.RawExtension {
	return &runtime.RawExtension{Raw: []byte(s)}
}

func decodeTemplate(t *testing.T, s string) v1alpha1.ApplicationSetTemplate {
	t.Helper()
	var tmpl v1alpha1.ApplicationSetTemplate
	if err := yaml.UnmarshalStrict([]byte(s), &tmpl); err != nil {
		t.Fatalf("decode template: %v", err)
	}
	return tmpl
}

// checkApp compares app with want (an Application as YAML) or err with wantErr.
func checkApp(t *testing.T, app *v1alpha1.Application, err error, want, wantErr string) {
	t.Helper()
	if !checkErr(t, err, wantErr) {
		return
	}
	var w v1alpha1.Application
	if err := yaml.UnmarshalStrict([]byte(want), &w); err != nil {
		t.Fatalf("decode want: %v", err)
	}
	if g, w := toYAMLString(t, app), toYAMLString(t, &w); g != w {
		t.Errorf("got\n%s\nwant\n%s", g, w)
	}
}

// checkErr reports whether the test goes on to compare results.
func checkErr(t *testing.T, err error, wantErr string) bool {
	t.Helper()
	switch {
	case wantErr == "" && err != nil:
		t.Fatalf("unexpected error: %v", err)
	case wantErr != "" && err == nil:
		t.Fatalf("no error, want one containing %q", wantErr)
	case wantErr != "" && !strings.Contains(err.Error(), wantErr):
		t.Fatalf("error %q does not contain %q", err, wantErr)
	}
	return wantErr == ""
}

func toYAMLString(t *testing.T, v any) string {
	t.Helper()
	b, err := yaml.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func equalYAML(t *testing.T, a, b any) bool {
	return toYAMLString(t, a) == toYAMLString(t, b)
}
