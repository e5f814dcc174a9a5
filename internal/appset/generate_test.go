package appset

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"flotilla.dev/flotilla/api/v1alpha1"
)

// genSet decodes an ApplicationSet from YAML.
func genSet(t *testing.T, s string) *v1alpha1.ApplicationSet {
	t.Helper()
	var set v1alpha1.ApplicationSet
	if err := yaml.UnmarshalStrict([]byte(s), &set); err != nil {
		t.Fatalf("decode ApplicationSet: %v", err)
	}
	return &set
}

// genObjects decodes a multi-document YAML stream of objects.
func genObjects(t *testing.T, s string) []*unstructured.Unstructured {
	t.Helper()
	var objs []*unstructured.Unstructured
	for _, doc := range strings.Split(s, "\n---\n") {
		if strings.TrimSpace(doc) == "" {
			continue
		}
		u := &unstructured.Unstructured{}
		if err := yaml.Unmarshal([]byte(doc), &u.Object); err != nil {
			t.Fatalf("decode object: %v", err)
		}
		objs = append(objs, u)
	}
	return objs
}

// genEnv is an Env reading objs in namespace argocd.
func genEnv(t *testing.T, objs string) Env {
	t.Helper()
	return Env{Namespace: "argocd", Reader: NewStaticReader(genObjects(t, objs))}
}

// genRun runs Generate and summarizes the Applications, one line each.
func genRun(t *testing.T, set *v1alpha1.ApplicationSet, env Env) ([]string, *Result) {
	t.Helper()
	res, err := Generate(context.Background(), set, env)
	if err != nil {
		t.Fatalf("Generate: %v", err)
	}
	return genSummaries(res.Applications), res
}

// genSummaries summarizes Applications as
// "name ns=… project=… src=repo@rev:path dst=server/namespace" plus their
// labels and annotations.
func genSummaries(apps []v1alpha1.Application) []string {
	var out []string
	for _, a := range apps {
		s := fmt.Sprintf("%s ns=%s project=%s", a.Name, a.Namespace, a.Spec.Project)
		if src := a.Spec.Source; src != nil {
			s += fmt.Sprintf(" src=%s@%s:%s", src.RepoURL, src.TargetRevision, src.Path)
		}
		d := a.Spec.Destination
		s += " dst=" + d.Server + d.Name + "/" + d.Namespace
		for _, k := range slices.Sorted(maps.Keys(a.Labels)) {
			s += fmt.Sprintf(" label[%s]=%s", k, a.Labels[k])
		}
		for _, k := range slices.Sorted(maps.Keys(a.Annotations)) {
			s += fmt.Sprintf(" ann[%s]=%s", k, a.Annotations[k])
		}
		out = append(out, s)
	}
	return out
}

// genCheckLines compares summaries with the expected ones.
func genCheckLines(t *testing.T, got []string, want ...string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("got:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

// genCheckParams compares parameter sets with YAML, through JSON so that
// map types and number types do not matter.
func genCheckParams(t *testing.T, got []map[string]any, want string) {
	t.Helper()
	gotJSON, err := json.Marshal(got)
	if err != nil {
		t.Fatalf("encode params: %v", err)
	}
	var g, w any
	if err := json.Unmarshal(gotJSON, &g); err != nil {
		t.Fatal(err)
	}
	wantJSON, err := yaml.YAMLToJSON([]byte(want))
	if err != nil {
		t.Fatalf("decode want: %v", err)
	}
	if err := json.Unmarshal(wantJSON, &w); err != nil {
		t.Fatal(err)
	}
	if w == nil {
		w = []any{}
	}
	if g == nil {
		g = []any{}
	}
	if !reflect.DeepEqual(g, w) {
		gy, _ := yaml.Marshal(g)
		wy, _ := yaml.Marshal(w)
		t.Errorf("params:\n%s\nwant:\n%s", gy, wy)
	}
}

// genParamsOf runs the set's first generator alone (selector included)
// and returns its parameter sets.
func genParamsOf(t *testing.T, set *v1alpha1.ApplicationSet, env Env) []map[string]any {
	t.Helper()
	p, err := genParamsErr(set, env)
	if err != nil {
		t.Fatalf("params: %v", err)
	}
	return p
}

func genParamsErr(set *v1alpha1.ApplicationSet, env Env) ([]map[string]any, error) {
	g := &generation{
		ctx: context.Background(), set: set, env: env,
		goTemplate: set.Spec.GoTemplate, options: set.Spec.GoTemplateOptions,
		checkouts: map[string]string{},
	}
	gen := &set.Spec.Generators[0]
	kind, err := kindOf(gen)
	if err != nil {
		return nil, err
	}
	return g.paramSets(gen, kind, nil)
}

// genCheckErr checks that err contains every fragment.
func genCheckErr(t *testing.T, err error, fragments ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want one containing %q", fragments)
	}
	for _, f := range fragments {
		if !strings.Contains(err.Error(), f) {
			t.Errorf("error %q does not contain %q", err, f)
		}
	}
}

func TestGenerateTemplateOverrideAndNamespace(t *testing.T) {
	// The generator's own template wins over the set's; the Application
	// lands in the set's namespace whatever the template says.
	set := genSet(t, `
metadata: {name: guestbook, namespace: team-a}
spec:
  goTemplate: true
  generators:
  - list:
      elements:
      - cluster: dev
      template:
        metadata:
          name: '{{.cluster}}-override'
          namespace: elsewhere
        spec:
          project: special
          destination: {}
  - list:
      elements:
      - cluster: prod
  template:
    metadata:
      name: '{{.cluster}}-guestbook'
      labels: {env: '{{.cluster}}'}
    spec:
      project: default
      source: {repoURL: 'https://example.com/repo.git', targetRevision: HEAD, path: 'apps/{{.cluster}}'}
      destination: {server: 'https://kubernetes.default.svc', namespace: guestbook}
`)
	lines, res := genRun(t, set, Env{})
	genCheckLines(t, lines,
		"dev-override ns=team-a project=special src=https://example.com/repo.git@HEAD:apps/dev dst=https://kubernetes.default.svc/guestbook label[env]=dev",
		"prod-guestbook ns=team-a project=default src=https://example.com/repo.git@HEAD:apps/prod dst=https://kubernetes.default.svc/guestbook label[env]=prod",
	)
	if res.RequeueAfter != 0 {
		t.Errorf("RequeueAfter = %v, want 0 for list generators", res.RequeueAfter)
	}
}

func TestGenerateTemplatePatch(t *testing.T) {
	set := genSet(t, `
metadata: {name: guestbook, namespace: argocd}
spec:
  goTemplate: true
  generators:
  - list:
      elements:
      - cluster: dev
        autoSync: true
      - cluster: prod
        autoSync: false
  template:
    metadata: {name: '{{.cluster}}-guestbook'}
    spec:
      project: default
      source: {repoURL: 'https://example.com/repo.git', path: guestbook}
      destination: {server: 'https://kubernetes.default.svc', namespace: guestbook}
  templatePatch: |
    {{- if .autoSync }}
    metadata:
      annotations:
        auto: "yes"
    {{- end }}
`)
	lines, _ := genRun(t, set, Env{})
	genCheckLines(t, lines,
		"dev-guestbook ns=argocd project=default src=https://example.com/repo.git@:guestbook dst=https://kubernetes.default.svc/guestbook ann[auto]=yes",
		"prod-guestbook ns=argocd project=default src=https://example.com/repo.git@:guestbook dst=https://kubernetes.default.svc/guestbook",
	)
}

func TestGenerateErrorsNameTheGenerator(t *testing.T) {
	tests := []struct {
		name, generators string
		want             []string
	}{{
		name: "render error names the parameter set",
		generators: `
  - list: {elements: [{cluster: a}]}
  - list: {elements: [{cluster: b}, {cluster: c}, {other: d}]}`,
		want: []string{"generator 1 (list), parameter set 2: ", "cluster"},
	}, {
		name: "two generators in one entry",
		generators: `
  - list: {elements: [{cluster: a}]}
    clusters: {}`,
		want: []string{"generator 0: ", "more than one generator", "list, clusters"},
	}, {
		name:       "no generator",
		generators: "\n  - selector: {matchLabels: {a: b}}",
		want:       []string{"generator 0: no generator set"},
	}, {
		name:       "scmProvider without a provider",
		generators: "\n  - scmProvider: {}",
		want:       []string{"generator 0 (scmProvider): scm provider: no SCM provider configured (github, gitlab, gitea, bitbucket, bitbucketServer or azureDevOps)"},
	}, {
		name:       "scmProvider awsCodeCommit",
		generators: "\n  - scmProvider: {awsCodeCommit: {region: eu-west-1}}",
		want:       []string{"generator 0 (scmProvider): scm provider: the awsCodeCommit provider is not supported"},
	}, {
		name:       "pullRequest",
		generators: "\n  - list: {elements: [{cluster: a}]}\n  - pullRequest: {}",
		want:       []string{"generator 1 (pullRequest): pull request provider: no pull request provider configured"},
	}, {
		name:       "git without client",
		generators: "\n  - git: {repoURL: 'https://example.com/r.git', revision: HEAD, directories: [{path: '*'}]}",
		want:       []string{"generator 0 (git): ", "no git client"},
	}, {
		name:       "clusters without reader",
		generators: "\n  - clusters: {}",
		want:       []string{"generator 0 (clusters): ", "no reader"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			set := genSet(t, `
metadata: {name: s, namespace: argocd}
spec:
  goTemplate: true
  goTemplateOptions: ["missingkey=error"]
  generators:`+tt.generators+`
  template:
    metadata: {name: '{{.cluster}}'}
    spec: {project: default, destination: {server: 'https://kubernetes.default.svc'}}
`)
			res, err := Generate(context.Background(), set, Env{})
			if res != nil {
				t.Errorf("result %v on error, want nil", res)
			}
			genCheckErr(t, err, tt.want...)
		})
	}
}

func TestGenerateRequeue(t *testing.T) {
	set := genSet(t, `
metadata: {name: s, namespace: argocd}
spec:
  generators:
  - list: {elements: []}
  - matrix:
      generators:
      - list: {elements: []}
      - plugin: {configMapRef: {name: p}, requeueAfterSeconds: 90}
  - merge:
      mergeKeys: [a]
      generators:
      - clusterDecisionResource: {configMapRef: c, name: n}
      - list: {elements: []}
  template:
    metadata: {name: x}
    spec: {project: default, destination: {}}
`)
	tests := []struct {
		gen  int
		want time.Duration
	}{{0, 0}, {1, 90 * time.Second}, {2, DefaultDuckTypeRequeue}}
	for _, tt := range tests {
		if got := requeueAfter(&set.Spec.Generators[tt.gen]); got != tt.want {
			t.Errorf("requeueAfter(generator %d) = %v, want %v", tt.gen, got, tt.want)
		}
	}
	// The plugin is never called: the matrix's first child has no sets.
	set.Spec.Generators = set.Spec.Generators[:2]
	_, res := genRun(t, set, Env{})
	if res.RequeueAfter != 90*time.Second {
		t.Errorf("RequeueAfter = %v, want 1m30s", res.RequeueAfter)
	}
}

func TestLeastRequeue(t *testing.T) {
	for _, tt := range []struct{ a, b, want time.Duration }{
		{0, 0, 0}, {0, 5, 5}, {5, 0, 5}, {5, 3, 3}, {3, 5, 3}, {-1, 4, 4}, {4, -1, 4},
	} {
		if got := leastRequeue(tt.a, tt.b); got != tt.want {
			t.Errorf("leastRequeue(%v, %v) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}
