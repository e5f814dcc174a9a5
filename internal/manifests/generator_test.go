package manifests

import (
	"context"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/source/git/gittest"
)

const chartYAML = "apiVersion: v2\nname: web\nversion: 0.1.0\n"

const chartDeployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}
spec:
  replicas: {{ .Values.replicas }}
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: "{{ .Values.image }}"}]}
`

func decodeApp(t *testing.T, manifest string) *v1alpha1.Application {
	t.Helper()
	app := &v1alpha1.Application{}
	if err := yaml.UnmarshalStrict([]byte(manifest), app); err != nil {
		t.Fatal(err)
	}
	return app
}

func find(objs []*unstructured.Unstructured, kind, name string) *unstructured.Unstructured {
	for _, o := range objs {
		if o.GetKind() == kind && o.GetName() == name {
			return o
		}
	}
	return nil
}

func TestGenerateMultiSourceRefValues(t *testing.T) {
	srv := gittest.NewServer(t)
	charts := srv.NewRepo(t, "charts")
	charts.Commit(t, map[string]string{
		"web/Chart.yaml":                chartYAML,
		"web/values.yaml":               "replicas: 1\nimage: web:chart-default\n",
		"web/templates/deployment.yaml": chartDeployment,
		"web/templates/config.yaml":     "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: shared}\ndata: {from: chart}\n",
	}, "chart")
	envs := srv.NewRepo(t, "envs")
	envs.Commit(t, map[string]string{"dev/web.yaml": "replicas: 2\nimage: web:v2\n"}, "dev values")
	defaults := srv.NewRepo(t, "defaults")
	defaults.Commit(t, map[string]string{"web.yaml": "replicas: 3\n"}, "defaults")
	extras := srv.NewRepo(t, "extras")
	extras.Commit(t, map[string]string{"manifests/shared.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: shared}\ndata: {from: extras}\n"}, "extras")

	app := decodeApp(t, `
metadata: {name: web-dev, namespace: argocd}
spec:
  project: default
  destination: {server: https://kubernetes.default.svc, namespace: web}
  sources:
  - {repoURL: `+envs.URL()+`, targetRevision: HEAD, ref: envs}
  - {repoURL: `+defaults.URL()+`, targetRevision: HEAD, ref: defaults}
  - repoURL: `+charts.URL()+`
    targetRevision: HEAD
    path: web
    helm:
      valueFiles: [$envs/dev/web.yaml, $defaults/web.yaml]
  - {repoURL: `+extras.URL()+`, targetRevision: main, path: manifests}
`)
	gen := NewGenerator(t.TempDir())
	res, err := gen.Generate(context.Background(), Request{App: app})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Revisions) != 4 || len(res.Revisions[0]) != 40 {
		t.Fatalf("revisions = %v, want 4 commit SHAs", res.Revisions)
	}
	if got := strings.Join(toStrings(res.SourceTypes), ","); got != ",,Helm,Directory" {
		t.Errorf("source types = %s", got)
	}
	dep := find(res.Objects, "Deployment", "web-dev")
	if dep == nil {
		t.Fatalf("no Deployment web-dev among %d objects", len(res.Objects))
	}
	replicas, _, _ := unstructured.NestedInt64(dep.Object, "spec", "replicas")
	if replicas != 3 {
		t.Errorf("replicas = %d, want 3 (the later value file wins)", replicas)
	}
	containers, _, _ := unstructured.NestedSlice(dep.Object, "spec", "template", "spec", "containers")
	if img := containers[0].(map[string]any)["image"]; img != "web:v2" {
		t.Errorf("image = %v, want web:v2 from the first value file", img)
	}
	cm := find(res.Objects, "ConfigMap", "shared")
	if from, _, _ := unstructured.NestedString(cm.Object, "data", "from"); from != "extras" {
		t.Errorf("shared ConfigMap from %q, want the later source (extras)", from)
	}
	if len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], "/ConfigMap//shared appears in sources 3 and 4") {
		t.Errorf("warnings = %v", res.Warnings)
	}
}

func toStrings(ts []v1alpha1.ApplicationSourceType) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = string(t)
	}
	return out
}

func TestGenerateChoosesTool(t *testing.T) {
	repo := gittest.NewLocalRepo(t)
	repo.Commit(t, map[string]string{
		"helm/Chart.yaml":                chartYAML,
		"helm/values.yaml":               "replicas: 1\nimage: x\n",
		"helm/templates/deployment.yaml": chartDeployment,
		"kust/kustomization.yaml":        "resources: [cm.yaml]\nnamePrefix: k-\n",
		"kust/cm.yaml":                   "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\n",
		"plain/cm.yaml":                  "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: plain}\n",
	}, "tools")
	tests := []struct {
		path, extra string
		want        v1alpha1.ApplicationSourceType
		name        string
		wantErr     string
	}{
		{path: "helm", want: v1alpha1.ApplicationSourceTypeHelm, name: "t"},
		{path: "kust", want: v1alpha1.ApplicationSourceTypeKustomize, name: "k-cm"},
		{path: "plain", want: v1alpha1.ApplicationSourceTypeDirectory, name: "plain"},
		{path: "kust", extra: "directory: {recurse: true}", want: v1alpha1.ApplicationSourceTypeDirectory, name: "cm"},
		{path: "plain", extra: "directory: {}\n    kustomize: {}", wantErr: "multiple application sources"},
		{path: "../..", wantErr: "outside the repository"},
		{path: "nowhere", wantErr: `app path "nowhere" does not exist`},
	}
	gen := NewGenerator(t.TempDir())
	for _, tt := range tests {
		t.Run(tt.path+" "+tt.extra, func(t *testing.T) {
			app := decodeApp(t, `
metadata: {name: t, namespace: argocd}
spec:
  project: default
  destination: {server: https://kubernetes.default.svc, namespace: ns}
  source:
    repoURL: `+repo.URL()+`
    path: `+tt.path+`
    `+tt.extra+`
`)
			res, err := gen.Generate(context.Background(), Request{App: app})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if res.SourceTypes[0] != tt.want || len(res.Objects) != 1 || res.Objects[0].GetName() != tt.name {
				t.Fatalf("type %s, objects %d (%v), want %s with %s", res.SourceTypes[0], len(res.Objects), res.Objects, tt.want, tt.name)
			}
		})
	}
}

func TestGenerateCachesUntilNewRevision(t *testing.T) {
	srv := gittest.NewServer(t)
	repo := srv.NewRepo(t, "cached")
	repo.Commit(t, map[string]string{"app/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\ndata: {v: one}\n"}, "one")
	app := decodeApp(t, `
metadata: {name: cached, namespace: argocd}
spec:
  project: default
  destination: {server: https://kubernetes.default.svc, namespace: ns}
  source: {repoURL: `+srv.URL("cached")+`, path: app, targetRevision: HEAD}
`)
	gen := NewGenerator(t.TempDir())
	gen.PollInterval = time.Hour
	first, err := gen.Generate(context.Background(), Request{App: app})
	if err != nil {
		t.Fatal(err)
	}
	first.Objects[0].SetName("mutated by the caller")
	fetches := srv.Fetches()
	second, err := gen.Generate(context.Background(), Request{App: app})
	if err != nil {
		t.Fatal(err)
	}
	if srv.Fetches() != fetches {
		t.Errorf("an unchanged revision within the poll interval fetched again")
	}
	if second.Objects[0].GetName() != "cm" {
		t.Errorf("cached objects were shared with a caller: %s", second.Objects[0].GetName())
	}
	sha := repo.Commit(t, map[string]string{"app/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\ndata: {v: two}\n"}, "two")
	stale, _ := gen.Generate(context.Background(), Request{App: app})
	if stale.Revisions[0] == sha {
		t.Errorf("a new commit was seen without a refresh inside the poll interval")
	}
	fresh, err := gen.Generate(context.Background(), Request{App: app, Refresh: true})
	if err != nil {
		t.Fatal(err)
	}
	if v, _, _ := unstructured.NestedString(fresh.Objects[0].Object, "data", "v"); fresh.Revisions[0] != sha || v != "two" {
		t.Errorf("after refresh: revision %s value %q, want %s two", fresh.Revisions[0], v, sha)
	}
}

// A refresh that fails (a wrong password, a branch deleted) is not undone
// by the next render going back to the older resolution: that render asks
// again and fails too, until the repository answers.
func TestGenerateFailedRefreshForgetsTheOlderResolution(t *testing.T) {
	srv := gittest.NewServer(t)
	repo := srv.NewRepo(t, "gone")
	repo.Commit(t, map[string]string{"app/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\n"}, "one")
	repo.Branch(t, "release")
	app := decodeApp(t, `
metadata: {name: gone, namespace: argocd}
spec:
  project: default
  destination: {server: https://kubernetes.default.svc, namespace: ns}
  source: {repoURL: `+srv.URL("gone")+`, path: app, targetRevision: release}
`)
	gen := NewGenerator(t.TempDir())
	gen.PollInterval = time.Hour
	if _, err := gen.Generate(context.Background(), Request{App: app}); err != nil {
		t.Fatal(err)
	}
	repo.Git(t, "push", "-q", "origin", ":refs/heads/release")
	for _, req := range []Request{{App: app, Refresh: true}, {App: app}, {App: app}} {
		if _, err := gen.Generate(context.Background(), req); err == nil || !strings.Contains(err.Error(), `revision "release" not found`) {
			t.Fatalf("render (refresh %t) after the branch was deleted: error = %v, want revision not found", req.Refresh, err)
		}
	}
	repo.Git(t, "push", "-q", "origin", "HEAD:refs/heads/release")
	if _, err := gen.Generate(context.Background(), Request{App: app}); err != nil {
		t.Fatalf("render once the branch is back: %v", err)
	}
}

func TestGenerateRefEscapeRefused(t *testing.T) {
	repo := gittest.NewLocalRepo(t)
	repo.Commit(t, map[string]string{
		"web/Chart.yaml":                chartYAML,
		"web/values.yaml":               "replicas: 1\nimage: x\n",
		"web/templates/deployment.yaml": chartDeployment,
	}, "chart")
	app := decodeApp(t, `
metadata: {name: esc, namespace: argocd}
spec:
  project: default
  destination: {server: https://kubernetes.default.svc, namespace: ns}
  sources:
  - {repoURL: `+repo.URL()+`, ref: vals}
  - repoURL: `+repo.URL()+`
    path: web
    helm: {valueFiles: [$vals/../../../../../../etc/hostname]}
`)
	_, err := NewGenerator(t.TempDir()).Generate(context.Background(), Request{App: app})
	if err == nil || !strings.Contains(err.Error(), "outside") {
		t.Fatalf("error = %v, want a refusal to leave the repository", err)
	}
}
