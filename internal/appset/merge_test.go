package appset

import (
	"testing"
)

const genMergeSecrets = `
apiVersion: v1
kind: Secret
metadata:
  name: staging
  namespace: argocd
  labels: {argocd.argoproj.io/secret-type: cluster, use-kafka: "false"}
stringData: {name: staging, server: https://1.2.3.4}
---
apiVersion: v1
kind: Secret
metadata:
  name: production
  namespace: argocd
  labels: {argocd.argoproj.io/secret-type: cluster}
stringData: {name: production, server: https://2.4.6.8}
`

// TestMergeDocExample is Generators-Merge.md's first example: a base
// clusters generator, an override for the clusters with a label, and a
// list overriding one cluster. Its flat `values.redis` key overrides with
// fasttemplate, where values are flat keys too.
func TestMergeDocExample(t *testing.T) {
	set := genSet(t, `
metadata: {name: cluster-git, namespace: argocd}
spec:
  generators:
    - merge:
        mergeKeys:
          - server
        generators:
          - clusters:
              values:
                kafka: 'true'
                redis: 'false'
          - clusters:
              selector:
                matchLabels:
                  use-kafka: 'false'
              values:
                kafka: 'false'
          - list:
              elements:
                - server: https://2.4.6.8
                  values.redis: 'true'
                - server: https://9.9.9.9
                  values.redis: 'nowhere'
  template:
    metadata:
      name: '{{name}}'
    spec:
      project: default
      source:
        repoURL: https://github.com/argoproj/argo-cd.git
        targetRevision: HEAD
        path: app
      destination:
        server: '{{server}}'
        namespace: default
`)
	env := genEnv(t, genMergeSecrets)
	genCheckParams(t, genPick(genParamsOf(t, set, env), "name", "server", "values.kafka", "values.redis"), `
- {name: production, server: 'https://2.4.6.8', values.kafka: 'true', values.redis: 'true'}
- {name: staging, server: 'https://1.2.3.4', values.kafka: 'false', values.redis: 'false'}
- {name: in-cluster, server: 'https://kubernetes.default.svc', values.kafka: 'true', values.redis: 'false'}
`)
	lines, _ := genRun(t, set, env)
	const src = " src=https://github.com/argoproj/argo-cd.git@HEAD:app"
	genCheckLines(t, lines,
		"production ns=argocd project=default"+src+" dst=https://2.4.6.8/default",
		"staging ns=argocd project=default"+src+" dst=https://1.2.3.4/default",
		"in-cluster ns=argocd project=default"+src+" dst=https://kubernetes.default.svc/default",
	)
}

// TestMergeGoTemplateDeep checks that with Go templates an override's
// values map merges into the base's key by key.
func TestMergeGoTemplateDeep(t *testing.T) {
	set := genSet(t, `
metadata: {name: s}
spec:
  goTemplate: true
  generators:
    - merge:
        mergeKeys: [server]
        generators:
          - clusters:
              values: {kafka: 'true', redis: 'false'}
          - clusters:
              selector: {matchLabels: {use-kafka: 'false'}}
              values: {kafka: 'false'}
          - list:
              elements:
                - {server: 'https://2.4.6.8', values: {redis: 'true'}, extra: [1, 2]}
  template: {metadata: {}, spec: {project: default, destination: {}}}
`)
	got := genPick(genParamsOf(t, set, genEnv(t, genMergeSecrets)), "name", "values", "extra")
	genCheckParams(t, got, `
- {name: production, values: {kafka: 'true', redis: 'true'}, extra: [1, 2]}
- {name: staging, values: {kafka: 'false', redis: 'false'}}
- {name: in-cluster, values: {kafka: 'true', redis: 'false'}}
`)
}

func TestMergeErrors(t *testing.T) {
	tests := []struct{ merge, want string }{
		{`{mergeKeys: [a], generators: [{list: {elements: [{a: "1"}]}}]}`, "generator 0 (merge): merge needs at least two generators, found 1"},
		{`{generators: [{list: {elements: [{a: "1"}]}}, {list: {elements: [{a: "1"}]}}]}`, "generator 0 (merge): merge needs at least one merge key"},
		{`{mergeKeys: [a], generators: [{list: {elements: [{a: "1"}, {a: "1"}]}}, {list: {elements: []}}]}`, `generator 0 (merge): child 0: parameter sets are not unique by mergeKeys: {"a":"1"} appears twice`},
		{`{mergeKeys: [a], generators: [{list: {elements: [{a: "1"}]}}, {list: {elements: [{b: "1"}, {b: "2"}]}}]}`, `generator 0 (merge): child 1: parameter sets are not unique by mergeKeys: {"a":null} appears twice`},
		{`{mergeKeys: [a], generators: [{list: {elements: [{a: "1"}]}}, {pullRequest: {}}]}`, "generator 0 (merge): child 1 (pullRequest): pull request provider: no pull request provider configured"},
	}
	for _, tt := range tests {
		set := genSet(t, `
metadata: {name: s, namespace: argocd}
spec:
  generators:
  - merge: `+tt.merge+`
  template: {metadata: {name: x}, spec: {project: default, destination: {}}}
`)
		_, err := Generate(t.Context(), set, Env{})
		genCheckErr(t, err, tt.want)
	}
}

// TestMergeNestedInMerge merges a nested merge's result with a list, on
// two keys.
func TestMergeNestedInMerge(t *testing.T) {
	set := genSet(t, `
metadata: {name: s}
spec:
  generators:
  - merge:
      mergeKeys: [app, env]
      generators:
      - merge:
          mergeKeys: [app]
          generators:
          - list: {elements: [{app: web, env: dev, size: s}, {app: api, env: prod, size: s}]}
          - list: {elements: [{app: api, size: m}]}
      - list: {elements: [{app: web, env: dev, replicas: "3"}, {app: web, env: prod, replicas: "9"}]}
  template: {metadata: {}, spec: {project: default, destination: {}}}
`)
	genCheckParams(t, genParamsOf(t, set, Env{}), `
- {app: web, env: dev, size: s, replicas: "3"}
- {app: api, env: prod, size: m}
`)
}
