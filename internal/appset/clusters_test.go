package appset

import (
	"context"
	"testing"
)

// genClusterSecrets are two remote clusters as Generators-Cluster.md and
// Generators-Matrix.md describe them, and a Secret of another type.
const genClusterSecrets = `
apiVersion: v1
kind: Secret
metadata:
  name: cluster-staging
  namespace: argocd
  labels:
    argocd.argoproj.io/secret-type: cluster
    staging: "true"
    type: staging
    environment: staging-project
  annotations:
    my-custom-annotation: HEAD
stringData:
  name: staging
  server: https://1.2.3.4
---
apiVersion: v1
kind: Secret
metadata:
  name: cluster-production
  namespace: argocd
  labels:
    argocd.argoproj.io/secret-type: cluster
    type: production
    environment: production-project
data:
  name: cHJvZHVjdGlvbg==           # production
  server: aHR0cHM6Ly8yLjQuNi44     # https://2.4.6.8
  project: cGxhdGZvcm0=           # platform
---
apiVersion: v1
kind: Secret
metadata:
  name: repo
  namespace: argocd
  labels:
    argocd.argoproj.io/secret-type: repository
stringData:
  name: not-a-cluster
  server: https://9.9.9.9
`

func TestClusterParams(t *testing.T) {
	const spec = `
  generators:
  - clusters: {}
  template: {metadata: {}, spec: {project: default, destination: {}}}
`
	env := genEnv(t, genClusterSecrets)
	fast := genSet(t, "metadata: {name: s}\nspec:"+spec)
	genCheckParams(t, genParamsOf(t, fast, env), `
- name: production
  nameNormalized: production
  server: https://2.4.6.8
  project: platform
  metadata.labels.argocd.argoproj.io/secret-type: cluster
  metadata.labels.type: production
  metadata.labels.environment: production-project
- name: staging
  nameNormalized: staging
  server: https://1.2.3.4
  project: ""
  metadata.labels.argocd.argoproj.io/secret-type: cluster
  metadata.labels.staging: "true"
  metadata.labels.type: staging
  metadata.labels.environment: staging-project
  metadata.annotations.my-custom-annotation: HEAD
- name: in-cluster
  nameNormalized: in-cluster
  server: https://kubernetes.default.svc
  project: ""
`)
	gotmpl := genSet(t, "metadata: {name: s}\nspec:\n  goTemplate: true"+spec)
	genCheckParams(t, genParamsOf(t, gotmpl, env), `
- name: production
  nameNormalized: production
  server: https://2.4.6.8
  project: platform
  metadata:
    labels: {argocd.argoproj.io/secret-type: cluster, type: production, environment: production-project}
- name: staging
  nameNormalized: staging
  server: https://1.2.3.4
  project: ""
  metadata:
    labels: {argocd.argoproj.io/secret-type: cluster, staging: "true", type: staging, environment: staging-project}
    annotations: {my-custom-annotation: HEAD}
- name: in-cluster
  nameNormalized: in-cluster
  server: https://kubernetes.default.svc
  project: ""
`)
}

// TestClusterLocalCluster checks when the local cluster is added: only
// for an empty selector, and only when no Secret has its server.
func TestClusterLocalCluster(t *testing.T) {
	const localSecret = `
---
apiVersion: v1
kind: Secret
metadata:
  name: in-cluster
  namespace: argocd
  labels: {argocd.argoproj.io/secret-type: cluster}
stringData:
  name: in-cluster2
  server: https://kubernetes.default.svc
`
	tests := []struct {
		name, secrets, selector string
		want                    []string
	}{
		{"empty selector", genClusterSecrets, "{}", []string{"production", "staging", "in-cluster"}},
		{"label selector", genClusterSecrets, "{matchLabels: {staging: 'true'}}", []string{"staging"}},
		{"secret-type selector", genClusterSecrets, "{matchLabels: {argocd.argoproj.io/secret-type: cluster}}", []string{"production", "staging"}},
		{"expression", genClusterSecrets, "{matchExpressions: [{key: type, operator: In, values: [production]}]}", []string{"production"}},
		{"a Secret for the local cluster", genClusterSecrets + localSecret, "{}", []string{"in-cluster2", "production", "staging"}},
		{"no Secrets", "", "{}", []string{"in-cluster"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			set := genSet(t, `
metadata: {name: s}
spec:
  generators:
  - clusters: {selector: `+tt.selector+`}
  template: {metadata: {}, spec: {project: default, destination: {}}}
`)
			var names []string
			for _, p := range genParamsOf(t, set, genEnv(t, tt.secrets)) {
				names = append(names, p["name"].(string))
			}
			genCheckLines(t, names, tt.want...)
		})
	}
}

// TestClusterValuesDocExample is Generators-Cluster.md's values example:
// two cluster generators, values templated with the cluster's parameters.
func TestClusterValuesDocExample(t *testing.T) {
	tests := []struct{ mode, revision, clusterName, tmpl string }{{
		mode:        "goTemplate: true",
		revision:    `'{{index .metadata.annotations "my-custom-annotation"}}'`,
		clusterName: `'{{.name}}'`,
		tmpl: `
    metadata: {name: '{{.name}}-guestbook'}
    spec:
      project: "my-project"
      source: {repoURL: 'https://github.com/argoproj/argocd-example-apps/', targetRevision: '{{.values.revision}}', path: guestbook}
      destination: {server: '{{.values.clusterName}}', namespace: guestbook}`,
	}, {
		mode:        "goTemplate: false",
		revision:    `'{{metadata.annotations.my-custom-annotation}}'`,
		clusterName: `'{{name}}'`,
		tmpl: `
    metadata: {name: '{{name}}-guestbook'}
    spec:
      project: "my-project"
      source: {repoURL: 'https://github.com/argoproj/argocd-example-apps/', targetRevision: '{{values.revision}}', path: guestbook}
      destination: {server: '{{values.clusterName}}', namespace: guestbook}`,
	}}
	for _, tt := range tests {
		t.Run(tt.mode, func(t *testing.T) {
			set := genSet(t, `
metadata: {name: guestbook, namespace: argocd}
spec:
  `+tt.mode+`
  generators:
  - clusters:
      selector: {matchLabels: {type: 'staging'}}
      values:
        revision: `+tt.revision+`
        clusterName: `+tt.clusterName+`
  - clusters:
      selector: {matchLabels: {type: 'production'}}
      values:
        revision: stable
        clusterName: `+tt.clusterName+`
  template:`+tt.tmpl)
			lines, _ := genRun(t, set, genEnv(t, genClusterSecrets))
			genCheckLines(t, lines,
				"staging-guestbook ns=argocd project=my-project src=https://github.com/argoproj/argocd-example-apps/@HEAD:guestbook dst=staging/guestbook",
				"production-guestbook ns=argocd project=my-project src=https://github.com/argoproj/argocd-example-apps/@stable:guestbook dst=production/guestbook",
			)
		})
	}
}

// TestClusterFlatListDocExample is Generators-Cluster.md's flatList
// example: one Application listing both clusters.
func TestClusterFlatListDocExample(t *testing.T) {
	set := genSet(t, `
metadata: {name: flat, namespace: argocd}
spec:
  goTemplate: true
  goTemplateOptions: ["missingkey=error"]
  generators:
  - clusters:
      selector:
        matchExpressions: [{key: type, operator: Exists}]
      flatList: true
  template:
    metadata:
      name: 'flat-list-guestbook'
    spec:
      project: "my-project"
      source:
        repoURL: https://github.com/argoproj/argocd-example-apps/
        targetRevision: 'HEAD'
        path: helm-guestbook
        helm:
          values: |
            clusters:
            {{- range .clusters }}
              - name: {{ .name }}
            {{- end }}
      destination:
        server: 'my-cluster'
        namespace: guestbook
`)
	res, err := Generate(context.Background(), set, genEnv(t, genClusterSecrets))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Applications) != 1 {
		t.Fatalf("%d Applications, want 1", len(res.Applications))
	}
	got := res.Applications[0].Spec.Source.Helm.Values
	want := "clusters:\n  - name: production\n  - name: staging\n"
	if got != want {
		t.Errorf("helm values:\n%s\nwant:\n%s", got, want)
	}
}

func TestClusterBadSelector(t *testing.T) {
	set := genSet(t, `
metadata: {name: s}
spec:
  generators:
  - clusters: {selector: {matchExpressions: [{key: type, operator: Bogus}]}}
  template: {metadata: {}, spec: {project: default, destination: {}}}
`)
	_, err := genParamsErr(set, genEnv(t, genClusterSecrets))
	genCheckErr(t, err, "cluster selector")
}
