package appset

import (
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"flotilla.dev/flotilla/api/v1alpha1"
)

// docPatch is Template.md's templatePatch example.
const docPatch = `spec:
  source:
    helm:
      valueFiles:
      {{- range $valueFile := .valueFiles }}
        - {{ $valueFile }}
      {{- end }}
{{- if .autoSync }}
  syncPolicy:
    automated:
      prune: {{ .prune }}
{{- end }}
`

// docPatchTemplate is the example's template; its parameters name and
// server are a cluster generator's.
const docPatchTemplate = `
metadata:
  name: '{{ .nameNormalized }}-deployment'
spec:
  project: "default"
  source:
    repoURL: https://github.com/infra-team/cluster-deployments.git
    targetRevision: HEAD
    path: guestbook/{{ .nameNormalized }}
  destination:
    server: '{{ .server }}'
    namespace: guestbook
`

func docPatchParams(autoSync bool) map[string]any {
	return map[string]any{
		"cluster": "engineering-dev", "url": "https://kubernetes.default.svc",
		"autoSync": autoSync, "prune": true,
		"valueFiles":     []any{"values.large.yaml", "values.debug.yaml"},
		"nameNormalized": "engineering-dev", "server": "https://kubernetes.default.svc",
	}
}

// patchedApp is the example's Application before the syncPolicy.
const patchedApp = `
metadata:
  name: engineering-dev-deployment
spec:
  project: default
  source:
    repoURL: https://github.com/infra-team/cluster-deployments.git
    targetRevision: HEAD
    path: guestbook/engineering-dev
    helm:
      valueFiles: [values.large.yaml, values.debug.yaml]
  destination:
    server: https://kubernetes.default.svc
    namespace: guestbook
`

// baseApp is Argo CD's Test_ApplyTemplatePatch Application.
const baseApp = `
metadata:
  name: my-cluster-guestbook
  namespace: namespace
  labels: {team: a}
  finalizers: [resources-finalizer.argocd.argoproj.io]
spec:
  project: default
  source:
    repoURL: https://github.com/argoproj/argocd-example-apps.git
    targetRevision: HEAD
    path: guestbook
  destination:
    server: https://kubernetes.default.svc
    namespace: guestbook
`

const baseAppPatched = `
metadata:
  name: my-cluster-guestbook
  namespace: namespace
  labels: {team: a, env: prod}
  annotations: {annotation-some-key: annotation-some-value}
  finalizers: [resources-finalizer.argocd.argoproj.io]
spec:
  project: default
  source:
    repoURL: https://github.com/argoproj/argocd-example-apps.git
    targetRevision: HEAD
    path: guestbook
    helm:
      valueFiles: [values.test.yaml, values.big.yaml]
  destination:
    server: https://kubernetes.default.svc
    namespace: guestbook
  syncPolicy:
    automated: {prune: true}
`

func TestApplyTemplatePatch(t *testing.T) {
	cases := []struct {
		name       string
		app        string // the rendered Application
		patch      string
		params     map[string]any
		goTemplate bool
		options    []string
		want       string
		wantErr    string
	}{
		{name: "docs example, autoSync/goTemplate", app: patchedAppUnpatched(t, true), patch: docPatch,
			params: docPatchParams(true), goTemplate: true,
			want: patchedApp + "  syncPolicy:\n    automated: {prune: true}\n"},
		{name: "docs example, no autoSync/goTemplate", app: patchedAppUnpatched(t, false), patch: docPatch,
			params: docPatchParams(false), goTemplate: true, want: patchedApp},
		{name: "JSON patch/goTemplate", app: baseApp, goTemplate: true, params: map[string]any{"env": "prod"}, patch: `{
			"metadata": {
				"labels": {"env": "{{.env}}"},
				"annotations": {"annotation-some-key": "annotation-some-value"}
			},
			"spec": {
				"source": {"helm": {"valueFiles": ["values.test.yaml", "values.big.yaml"]}},
				"syncPolicy": {"automated": {"prune": true}}
			}
		}`, want: baseAppPatched},
		{name: "YAML patch/fasttemplate", app: baseApp, params: map[string]any{"env": "prod"}, patch: `
metadata:
  labels: {env: '{{env}}'}
  annotations:
    annotation-some-key: annotation-some-value
spec:
  source:
    helm:
      valueFiles:
        - values.test.yaml
        - values.big.yaml
  syncPolicy:
    automated:
      prune: true`, want: baseAppPatched},
		{name: "project is kept/goTemplate", app: baseApp, goTemplate: true, params: map[string]any{"p": "my-project"},
			patch: "spec:\n  project: '{{.p}}'\n", want: baseApp},
		{name: "finalizers are merged/goTemplate", app: baseApp, goTemplate: true, params: map[string]any{"x": "y"},
			patch: "metadata:\n  finalizers: [example.com/cleanup]\n", want: replace(baseApp,
				"finalizers: [resources-finalizer.argocd.argoproj.io]",
				"finalizers: [example.com/cleanup, resources-finalizer.argocd.argoproj.io]")},
		{name: "lists are replaced/goTemplate", app: patchedApp, goTemplate: true, params: map[string]any{"x": "y"},
			patch: "spec:\n  source:\n    helm:\n      valueFiles: [values.only.yaml]\n",
			want:  replace(patchedApp, "[values.large.yaml, values.debug.yaml]", "[values.only.yaml]")},
		{name: "empty patch changes nothing/goTemplate", app: baseApp, goTemplate: true, params: map[string]any{"on": false},
			patch: "{{ if .on }}metadata: {labels: {x: y}}{{ end }}", want: baseApp},
		{name: "not an object", app: baseApp, patch: "hello world", wantErr: "invalid templatePatch"},
		{name: "wrong type", app: baseApp, patch: "spec: {syncPolicy: {automated: {prune: maybe}}}", wantErr: "invalid templatePatch"},
		{name: "missingkey=error/goTemplate", app: baseApp, goTemplate: true, options: []string{"missingkey=error"},
			params: map[string]any{"x": "y"}, patch: "metadata: {labels: {env: '{{.env}}'}}",
			wantErr: `render templatePatch: execute template`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var app v1alpha1.Application
			if err := yaml.UnmarshalStrict([]byte(tc.app), &app); err != nil {
				t.Fatal(err)
			}
			before := toYAMLString(t, &app)
			got, err := ApplyTemplatePatch(&app, tc.patch, tc.params, tc.goTemplate, tc.options)
			checkApp(t, got, err, tc.want, tc.wantErr)
			if toYAMLString(t, &app) != before {
				t.Error("the application was changed")
			}
		})
	}
}

// patchedAppUnpatched renders the docs example's template, as the
// controller does before the patch.
func patchedAppUnpatched(t *testing.T, autoSync bool) string {
	app, err := RenderApplication(decodeTemplate(t, docPatchTemplate), docPatchParams(autoSync), true, nil)
	if err != nil {
		t.Fatal(err)
	}
	return toYAMLString(t, app)
}

func replace(s, from, to string) string {
	if !strings.Contains(s, from) {
		panic("replace: " + from + " not found")
	}
	return strings.Replace(s, from, to, 1)
}
