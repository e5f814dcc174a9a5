package appset

import (
	"strings"
	"testing"
	"time"
)

// genDuckObjects are Generators-Cluster-Decision-Resource.md's ConfigMap
// and Duck, with cluster Secrets for two of the three decisions.
const genDuckObjects = `
apiVersion: v1
kind: ConfigMap
metadata:
  name: my-configmap
  namespace: argocd
data:
  apiVersion: mallard.io/v1beta1
  kind: ducks
  statusListKey: decisions
  matchKey: clusterName
---
apiVersion: mallard.io/v1beta1
kind: Duck
metadata:
  name: quak
  namespace: argocd
  labels: {duck: spotted}
spec: {}
status:
  decisions:
  - clusterName: cluster-01
    score: 7
  - clusterName: cluster-02
  - clusterName: cluster-unknown
---
apiVersion: mallard.io/v1beta1
kind: Duck
metadata:
  name: other
  namespace: argocd
  labels: {duck: plain}
status:
  decisions:
  - clusterName: cluster-02
---
apiVersion: mallard.io/v1beta1
kind: Duck
metadata:
  name: elsewhere
  namespace: other-ns
  labels: {duck: spotted}
status:
  decisions:
  - clusterName: cluster-01
---
apiVersion: v1
kind: Secret
metadata:
  name: c1
  namespace: argocd
  labels: {argocd.argoproj.io/secret-type: cluster}
stringData: {name: cluster-01, server: https://c1.example.com}
---
apiVersion: v1
kind: Secret
metadata:
  name: c2
  namespace: argocd
  labels: {argocd.argoproj.io/secret-type: cluster}
stringData: {name: cluster-02, server: https://c2.example.com}
`

// TestDuckTypeDocExample is the documented example, by name and by label
// selector.
func TestDuckTypeDocExample(t *testing.T) {
	for _, choice := range []string{
		"name: quak",
		`labelSelector: {matchExpressions: [{key: duck, operator: In, values: ["spotted", "canvasback"]}]}`,
	} {
		set := genSet(t, `
metadata: {name: guestbook, namespace: argocd}
spec:
  goTemplate: true
  goTemplateOptions: ["missingkey=error"]
  generators:
  - clusterDecisionResource:
      configMapRef: my-configmap
      `+choice+`
      requeueAfterSeconds: 60
  template:
    metadata:
      name: '{{.name}}-guestbook'
    spec:
      project: "default"
      source:
        repoURL: https://github.com/argoproj/argocd-example-apps/
        targetRevision: HEAD
        path: guestbook
      destination:
        server: '{{.server}}'
        namespace: guestbook
`)
		lines, res := genRun(t, set, genEnv(t, genDuckObjects))
		const src = " src=https://github.com/argoproj/argocd-example-apps/@HEAD:guestbook"
		genCheckLines(t, lines,
			"cluster-01-guestbook ns=argocd project=default"+src+" dst=https://c1.example.com/guestbook",
			"cluster-02-guestbook ns=argocd project=default"+src+" dst=https://c2.example.com/guestbook",
		)
		if res.RequeueAfter != time.Minute {
			t.Errorf("RequeueAfter = %v, want 1m", res.RequeueAfter)
		}
	}
}

// TestDuckTypeParams shows the parameters in both modes: the decision's
// keys as strings, and values taken as they are.
func TestDuckTypeParams(t *testing.T) {
	const gen = `
  generators:
  - clusterDecisionResource:
      configMapRef: my-configmap
      name: quak
      values: {team: '{{name}}', plain: x}
  template: {metadata: {}, spec: {project: default, destination: {}}}`
	env := genEnv(t, genDuckObjects)
	fast := genSet(t, "metadata: {name: s}\nspec:"+gen)
	genCheckParams(t, genParamsOf(t, fast, env), `
- {name: cluster-01, server: 'https://c1.example.com', clusterName: cluster-01, score: "7", values.team: '{{name}}', values.plain: x}
- {name: cluster-02, server: 'https://c2.example.com', clusterName: cluster-02, values.team: '{{name}}', values.plain: x}
`)
	gotmpl := genSet(t, "metadata: {name: s}\nspec:\n  goTemplate: true"+gen)
	genCheckParams(t, genParamsOf(t, gotmpl, env), `
- {name: cluster-01, server: 'https://c1.example.com', clusterName: cluster-01, score: "7", values: {team: '{{name}}', plain: x}}
- {name: cluster-02, server: 'https://c2.example.com', clusterName: cluster-02, values: {team: '{{name}}', plain: x}}
`)
}

func TestDuckTypeLocalClusterAndNoMatchKey(t *testing.T) {
	objs := strings.Replace(genDuckObjects, "cluster-unknown", "in-cluster", 1)
	set := genSet(t, `
metadata: {name: s}
spec:
  generators:
  - clusterDecisionResource: {configMapRef: my-configmap, name: quak}
  template: {metadata: {}, spec: {project: default, destination: {}}}
`)
	got := genPick(genParamsOf(t, set, genEnv(t, objs)), "name", "server")
	genCheckParams(t, got, `
- {name: cluster-01, server: 'https://c1.example.com'}
- {name: cluster-02, server: 'https://c2.example.com'}
- {name: in-cluster, server: 'https://kubernetes.default.svc'}
`)
	objs = strings.Replace(objs, "matchKey: clusterName", "matchKey: ''", 1)
	genCheckParams(t, genParamsOf(t, set, genEnv(t, objs)), `[]`)
}

func TestDuckTypeErrors(t *testing.T) {
	tests := []struct{ objs, gen, want string }{
		{genDuckObjects, "{configMapRef: my-configmap}", "exactly one of name and labelSelector"},
		{genDuckObjects, "{configMapRef: my-configmap, name: quak, labelSelector: {matchLabels: {duck: spotted}}}", "exactly one of name and labelSelector"},
		{genDuckObjects, "{configMapRef: missing, name: quak}", "read configMapRef: no ConfigMap argocd/missing"},
		{genDuckObjects, "{configMapRef: my-configmap, name: nobody}", "no ducks.mallard.io found in argocd"},
		{strings.Replace(genDuckObjects, "apiVersion: mallard.io/v1beta1\n  kind", "apiVersion: v1\n  kind", 1), "{configMapRef: my-configmap, name: quak}", `needs a kind and an apiVersion group/version`},
		{strings.Replace(genDuckObjects, "statusListKey: decisions", "statusListKey: nothing", 1), "{configMapRef: my-configmap, name: quak}", "quak: status.nothing is not a list"},
	}
	for _, tt := range tests {
		set := genSet(t, `
metadata: {name: s, namespace: argocd}
spec:
  generators:
  - clusterDecisionResource: `+tt.gen+`
  template: {metadata: {name: x}, spec: {project: default, destination: {}}}
`)
		_, err := Generate(t.Context(), set, genEnv(t, tt.objs))
		genCheckErr(t, err, "generator 0 (clusterDecisionResource): ", tt.want)
	}
}
