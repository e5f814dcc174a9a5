package appset

import (
	"strings"
	"testing"
)

// TestListDocExample is Generators-List.md's first example, with the
// commented-out second element enabled, in both template modes.
func TestListDocExample(t *testing.T) {
	for _, goTemplate := range []bool{true, false} {
		tmpl := `
    metadata:
      name: '{{.cluster}}-guestbook'
    spec:
      project: "my-project"
      source:
        repoURL: https://github.com/argoproj/argo-cd.git
        targetRevision: HEAD
        path: applicationset/examples/list-generator/guestbook/{{.cluster}}
      destination:
        server: '{{.url}}'
        namespace: guestbook`
		mode := "goTemplate: true"
		if !goTemplate {
			tmpl = strings.ReplaceAll(tmpl, "{{.", "{{")
			mode = "goTemplate: false"
		}
		set := genSet(t, `
metadata: {name: guestbook, namespace: argocd}
spec:
  `+mode+`
  generators:
  - list:
      elements:
      - cluster: engineering-dev
        url: https://kubernetes.default.svc
      - cluster: engineering-prod
        url: https://kubernetes.default.svc
  template:`+tmpl)
		lines, _ := genRun(t, set, Env{})
		genCheckLines(t, lines,
			"engineering-dev-guestbook ns=argocd project=my-project src=https://github.com/argoproj/argo-cd.git@HEAD:applicationset/examples/list-generator/guestbook/engineering-dev dst=https://kubernetes.default.svc/guestbook",
			"engineering-prod-guestbook ns=argocd project=my-project src=https://github.com/argoproj/argo-cd.git@HEAD:applicationset/examples/list-generator/guestbook/engineering-prod dst=https://kubernetes.default.svc/guestbook",
		)
	}
}

// TestListParams shows the same elements as parameters in both modes: the
// v0.1.0 form's `values` map is flattened to values.<key> with
// fasttemplate and kept as a map with Go templates.
func TestListParams(t *testing.T) {
	const generators = `
  generators:
  - list:
      elements:
      - cluster: engineering-dev
        url: https://kubernetes.default.svc
        values:
          additional: value
      - staging: "true"
        gitRepo: https://kubernetes.default.svc
      elementsYaml: |
        - name: component1
          version: "6.3.2"
          replicas: 2
  template: {metadata: {}, spec: {project: default, destination: {}}}
`
	fast := genSet(t, "metadata: {name: s}\nspec:"+generators)
	genCheckParams(t, genParamsOf(t, fast, Env{}), `
- cluster: engineering-dev
  url: https://kubernetes.default.svc
  values.additional: value
- staging: "true"
  gitRepo: https://kubernetes.default.svc
- name: component1
  version: "6.3.2"
  replicas: 2
`)
	gotmpl := genSet(t, "metadata: {name: s}\nspec:\n  goTemplate: true"+generators)
	genCheckParams(t, genParamsOf(t, gotmpl, Env{}), `
- cluster: engineering-dev
  url: https://kubernetes.default.svc
  values: {additional: value}
- staging: "true"
  gitRepo: https://kubernetes.default.svc
- name: component1
  version: "6.3.2"
  replicas: 2
`)
}

func TestListGoTemplateTakesAnyValue(t *testing.T) {
	set := genSet(t, `
metadata: {name: s}
spec:
  goTemplate: true
  generators:
  - list:
      elements:
      - name: a
        replicas: 3
        tags: [x, y]
        nested: {deep: {er: true}}
  template: {metadata: {}, spec: {project: default, destination: {}}}
`)
	genCheckParams(t, genParamsOf(t, set, Env{}), `
- name: a
  replicas: 3
  tags: [x, y]
  nested: {deep: {er: true}}
`)
}

func TestListFasttemplateErrors(t *testing.T) {
	for _, tt := range []struct{ element, want string }{
		{`{cluster: a, replicas: 3}`, `element 0: value of "replicas" is not a string`},
		{`{cluster: a, values: [x]}`, `element 0: values is not a map`},
		{`{cluster: a, values: {num: 1}}`, `element 0: value of "values.num" is not a string`},
	} {
		set := genSet(t, `
metadata: {name: s}
spec:
  generators:
  - list:
      elements:
      - `+tt.element+`
  template: {metadata: {}, spec: {project: default, destination: {}}}
`)
		_, err := genParamsErr(set, Env{})
		genCheckErr(t, err, tt.want)
	}
}

func TestListElementsYamlBadYAML(t *testing.T) {
	set := genSet(t, `
metadata: {name: s}
spec:
  goTemplate: true
  generators:
  - list:
      elementsYaml: "{a: b}"
  template: {metadata: {}, spec: {project: default, destination: {}}}
`)
	_, err := genParamsErr(set, Env{})
	genCheckErr(t, err, "elementsYaml")
}
