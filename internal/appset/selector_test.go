package appset

import (
	"testing"
)

// TestPostSelectorDocExample is Generators-Post-Selector.md's example,
// with matchLabels and with the equivalent matchExpressions.
func TestPostSelectorDocExample(t *testing.T) {
	for _, selector := range []string{
		"matchLabels: {env: staging}",
		"matchExpressions: [{key: env, operator: In, values: [staging]}]",
	} {
		set := genSet(t, `
metadata: {name: guestbook, namespace: argocd}
spec:
  goTemplate: true
  goTemplateOptions: ["missingkey=error"]
  generators:
  - list:
      elements:
        - cluster: engineering-dev
          url: https://kubernetes.default.svc
          env: staging
        - cluster: engineering-prod
          url: https://kubernetes.default.svc
          env: prod
    selector:
      `+selector+`
  template:
    metadata:
      name: '{{.cluster}}-guestbook'
    spec:
      project: default
      source:
        repoURL: https://github.com/argoproj-labs/applicationset.git
        targetRevision: HEAD
        path: examples/list-generator/guestbook/{{.cluster}}
      destination:
        server: '{{.url}}'
        namespace: guestbook
`)
		lines, _ := genRun(t, set, Env{})
		genCheckLines(t, lines, "engineering-dev-guestbook ns=argocd project=default src=https://github.com/argoproj-labs/applicationset.git@HEAD:examples/list-generator/guestbook/engineering-dev dst=https://kubernetes.default.svc/guestbook")
	}
}

// TestPostSelector covers operators, values a label selector would refuse
// (URLs), and nested Go template parameters matched by their dotted keys.
func TestPostSelector(t *testing.T) {
	tests := []struct {
		name, selector string
		want           []string
	}{
		{"url value", "{matchLabels: {server: 'https://2.4.6.8'}}", []string{"production"}},
		{"nested label", "{matchLabels: {metadata.labels.type: staging}}", []string{"staging"}},
		{"nested annotation exists", "{matchExpressions: [{key: metadata.annotations.my-custom-annotation, operator: Exists}]}", []string{"staging"}},
		{"does not exist", "{matchExpressions: [{key: metadata.labels.type, operator: DoesNotExist}]}", []string{"in-cluster"}},
		{"not in", "{matchExpressions: [{key: name, operator: NotIn, values: [staging, in-cluster]}]}", []string{"production"}},
		{"all requirements", "{matchLabels: {project: ''}, matchExpressions: [{key: name, operator: In, values: [staging, production]}]}", []string{"staging"}},
		{"empty selects all", "{}", []string{"production", "staging", "in-cluster"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			set := genSet(t, `
metadata: {name: s}
spec:
  goTemplate: true
  generators:
  - clusters: {}
    selector: `+tt.selector+`
  template: {metadata: {}, spec: {project: default, destination: {}}}
`)
			var names []string
			for _, p := range genParamsOf(t, set, genEnv(t, genClusterSecrets)) {
				names = append(names, p["name"].(string))
			}
			genCheckLines(t, names, tt.want...)
		})
	}
}

func TestPostSelectorErrors(t *testing.T) {
	tests := []struct{ selector, want string }{
		{"{matchLabels: {'bad key!': x}}", `generator 0 (list): selector: invalid key "bad key!"`},
		{"{matchExpressions: [{key: a, operator: In}]}", `generator 0 (list): selector: key "a": values of In can't be empty`},
		{"{matchExpressions: [{key: a, operator: Exists, values: [x]}]}", `generator 0 (list): selector: key "a": values of Exists must be empty`},
		{"{matchExpressions: [{key: a, operator: Gt, values: ['1']}]}", `generator 0 (list): selector: "Gt" is not a valid selector operator`},
	}
	for _, tt := range tests {
		set := genSet(t, `
metadata: {name: s, namespace: argocd}
spec:
  generators:
  - list: {elements: [{a: b}]}
    selector: `+tt.selector+`
  template: {metadata: {name: x}, spec: {project: default, destination: {}}}
`)
		_, err := Generate(t.Context(), set, Env{})
		genCheckErr(t, err, tt.want)
	}
}
