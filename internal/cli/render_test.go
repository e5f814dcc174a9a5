package cli

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"flotilla.dev/flotilla/internal/object"
	"flotilla.dev/flotilla/internal/source/git/gittest"
	"flotilla.dev/flotilla/internal/source/helm/helmtest"
)

var fourRepos = []string{
	"homelab-k8s-environments-apps",
	"homelab-k8s-environments",
	"homelab-k8s-base-manifests",
	"homelab-k8s-argo-config",
}

// fourRepoMaps maps the four public repositories of the four-repo example
// to local directories, or to a real git server when served is true.
func fourRepoMaps(t *testing.T, served bool) []string {
	base := filepath.Join(examplesDir(t), "four-repo")
	var srv *gittest.Server
	if served {
		srv = gittest.NewServer(t)
	}
	var args []string
	for _, name := range fourRepos {
		to := filepath.Join(base, name)
		if served {
			repo := srv.NewRepo(t, name)
			repo.CopyDir(t, to, ".", "publish "+name)
			to = repo.URL()
		}
		args = append(args, "--repo-map", "https://github.com/anvaplus/"+name+"="+to)
	}
	return args
}

func TestRenderFourRepoTree(t *testing.T) {
	for _, served := range []bool{false, true} {
		name := "local directories"
		if served {
			name = "git server"
		}
		t.Run(name, func(t *testing.T) {
			root := filepath.Join(examplesDir(t), "four-repo", "homelab-k8s-environments-apps", "root-homelab-dev.yaml")
			args := append([]string{"render", "--cache-dir", t.TempDir(), "-f", root, "--recursive", "-o", "tree"}, fourRepoMaps(t, served)...)
			res := run(t, args...)
			if res.code != 0 {
				t.Fatalf("exit %d: %s", res.code, res.stderr)
			}
			lines := strings.Split(strings.TrimSpace(res.stdout), "\n")
			want := []string{"root-homelab-dev", "└── root-web-dev", "    └── web-hugo-dev"}
			if len(lines) != len(want) {
				t.Fatalf("tree:\n%s", res.stdout)
			}
			for i, w := range want {
				if !strings.HasPrefix(lines[i], w+"  ") {
					t.Errorf("line %d = %q, want prefix %q", i, lines[i], w)
				}
			}
			if !strings.Contains(lines[2], "3 objects: ConfigMap 1, Deployment 1, Service 1") {
				t.Errorf("web-hugo-dev: %s", lines[2])
			}
		})
	}
}

func TestRenderFourRepoWorkload(t *testing.T) {
	root := filepath.Join(examplesDir(t), "four-repo", "homelab-k8s-environments-apps", "root-homelab-dev.yaml")
	args := append([]string{"render", "--cache-dir", t.TempDir(), "-f", root, "--recursive", "-o", "yaml"}, fourRepoMaps(t, false)...)
	res := run(t, args...)
	if res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	groups := strings.Split(res.stdout, "# Application ")
	var workload string
	for _, g := range groups {
		if strings.HasPrefix(g, "web-hugo-dev ") {
			workload = g[strings.Index(g, "\n")+1:]
		}
	}
	objs, err := object.Decode([]byte(workload))
	if err != nil {
		t.Fatalf("decode web-hugo-dev: %v\n%s", err, res.stdout)
	}
	byKind := map[string]map[string]any{}
	for _, o := range objs {
		if o.GetNamespace() != "web" {
			t.Errorf("%s %s in namespace %q, want web", o.GetKind(), o.GetName(), o.GetNamespace())
		}
		byKind[o.GetKind()] = o.Object
	}
	if len(objs) != 3 || byKind["Deployment"] == nil || byKind["Service"] == nil || byKind["ConfigMap"] == nil {
		t.Fatalf("web-hugo-dev renders %d objects, want a Deployment, a Service and a ConfigMap:\n%s", len(objs), workload)
	}
	dep, svc := byKind["Deployment"], byKind["Service"]
	if got := dig(dep, "spec", "template", "spec", "containers", 0, "image"); got != "anvaplus/hugo-blog-example:v0.1.0-alpha.7" {
		t.Errorf("image = %v", got)
	}
	if got := dig(dep, "spec", "replicas"); got != int64(1) {
		t.Errorf("replicas = %v", got)
	}
	if dig(svc, "spec", "type") != "ClusterIP" || dig(svc, "spec", "ports", 0, "port") != int64(80) || dig(svc, "spec", "ports", 0, "targetPort") != int64(8080) {
		t.Errorf("service spec = %v", svc["spec"])
	}
}

func TestRenderErrors(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no file", []string{"render"}, `required flag(s) "filename" not set`},
		{"missing file", []string{"render", "-f", filepath.Join(dir, "nope.yaml")}, "no such file"},
		{"bad output", []string{"render", "-f", "x", "-o", "xml"}, `unknown output format "xml"`},
		{"bad repo map", []string{"render", "-f", "x", "--repo-map", "nonsense"}, "want URL=PATH_OR_URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := run(t, tt.args...)
			if res.code == 0 || !strings.Contains(res.stderr, tt.want) {
				t.Fatalf("exit %d, stderr %q, want error containing %q", res.code, res.stderr, tt.want)
			}
		})
	}
}

// dig walks maps by key and lists by index.
func dig(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			l, _ := v.([]any)
			if k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}

// standInCharts publishes charts with the names and versions the homelab
// example uses to one local chart repository.
func standInCharts(t *testing.T) *helmtest.ChartRepo {
	repo := helmtest.NewChartRepo(t)
	charts := map[string]string{
		"cert-manager": "v1.16.2", "base": "1.23.2", "cni": "1.23.2", "istiod": "1.23.2", "ztunnel": "1.23.2", "minio": "5.4.0",
	}
	for name, version := range charts {
		files := map[string]string{}
		if name == "minio" {
			files["templates/deployment.yaml"] = minioDeployment
		}
		repo.AddChart(t, helmtest.WriteChart(t, name, version, files))
	}
	return repo
}

const minioDeployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}
  labels: {mode: {{ .Values.mode | quote }}}
spec:
  replicas: {{ .Values.replicas }}
  selector: {matchLabels: {app: minio}}
  template:
    metadata: {labels: {app: minio}}
    spec: {containers: [{name: minio, image: "minio/minio"}]}
`

func TestRenderHomelabAppOfApps(t *testing.T) {
	charts := standInCharts(t)
	base := filepath.Join(examplesDir(t), "homelab-app-of-apps")
	args := []string{
		"render", "--cache-dir", t.TempDir(), "-f", filepath.Join(base, "bootstrap", "app-of-apps.yaml"), "--recursive", "-o", "json",
		"--repo-map", "https://gitlab.com/your-org/homelab.git=" + base,
		"--repo-map", "https://charts.jetstack.io=" + charts.URL(),
		"--repo-map", "https://istio-release.storage.googleapis.com/charts=" + charts.URL(),
		"--repo-map", "https://charts.min.io/=" + charts.URL(),
	}
	res := run(t, args...)
	if res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	var out struct {
		Applications []struct {
			Name, Parent string
			Objects      []map[string]any
		}
	}
	if err := json.Unmarshal([]byte(res.stdout), &out); err != nil {
		t.Fatal(err)
	}
	byName := map[string][]map[string]any{}
	var children []string
	for _, a := range out.Applications {
		byName[a.Name] = a.Objects
		if a.Parent == "app-of-apps" {
			children = append(children, a.Name)
		}
	}
	sort.Strings(children)
	if got := strings.Join(children, ","); got != "cert-manager,istio-base,istio-cni,istiod,minio,ztunnel" {
		t.Fatalf("children of app-of-apps = %s", got)
	}
	var minio []string
	for _, o := range byName["minio"] {
		minio = append(minio, fmt.Sprintf("%s/%s", o["kind"], dig(o, "metadata", "name")))
	}
	sort.Strings(minio)
	want := "ConfigMap/minio-minio,Deployment/minio,ExternalSecret/minio-credentials,HTTPRoute/minio-console"
	if got := strings.Join(minio, ","); got != want {
		t.Errorf("minio renders %s\nwant %s (the chart's objects plus only the minio-*.yaml manifests)", got, want)
	}
	for _, o := range byName["minio"] {
		if o["kind"] == "Deployment" && fmt.Sprint(dig(o, "spec", "replicas")) != "1" {
			t.Errorf("minio replicas = %v, want 1 from helm.values", dig(o, "spec", "replicas"))
		}
	}
	for _, name := range []string{"istio-base", "istio-cni", "istiod", "ztunnel", "cert-manager"} {
		if len(byName[name]) == 0 {
			t.Errorf("%s renders no objects", name)
		}
	}
}
