package helm_test

import (
	"strings"
	"testing"

	renderhelm "flotilla.dev/flotilla/internal/render/helm"
	"flotilla.dev/flotilla/internal/source/helm"
	"flotilla.dev/flotilla/internal/source/helm/helmtest"
)

// DependencyFetcher is what render/helm needs for repository dependencies.
var _ renderhelm.DependencyFetcher = helm.DependencyFetcher{}

// TestRenderWithRepositoryDependencies renders a chart whose dependencies
// live in a chart repository (behind basic auth) and in an OCI registry,
// fetched through a DependencyFetcher, the way a controller wires the two
// packages.
func TestRenderWithRepositoryDependencies(t *testing.T) {
	repoSrv := helmtest.NewChartRepo(t, helmtest.RepoBasicAuth("reader", "repo-pass"))
	reg := helmtest.NewRegistry(t)
	for _, v := range []string{"1.0.0", "1.1.0", "2.0.0"} {
		repoSrv.AddChart(t, helmtest.WriteChart(t, "cache", v, nil))
		reg.PushChart(t, helmtest.WriteChart(t, "db", v, nil), "charts")
	}
	parent := helmtest.WriteChart(t, "app", "0.1.0", map[string]string{
		"Chart.yaml": "apiVersion: v2\nname: app\nversion: 0.1.0\ndependencies:\n" +
			"- name: cache\n  version: ^1.0.0\n  repository: " + repoSrv.URL() + "\n" +
			"- name: db\n  version: ~1.1.0\n  repository: '@registry'\n",
		"values.yaml": "greeting: parent\ncache:\n  greeting: from-parent\n",
	})

	deps := helm.DependencyFetcher{
		Fetcher: helm.NewFetcher(t.TempDir()),
		Auth: func(repository string) *helm.Auth {
			switch {
			case repository == repoSrv.URL():
				return &helm.Auth{Username: "reader", Password: "repo-pass"}
			case strings.HasPrefix(repository, "oci://"+reg.Host()):
				return &helm.Auth{CABundle: reg.CABundle()}
			}
			return nil
		},
		Resolve: func(name string) (string, bool) {
			return reg.URL("charts"), name == "registry"
		},
	}
	objs, err := renderhelm.RenderContext(testContext(t), parent, renderhelm.Options{ReleaseName: "rel", Namespace: "apps", Dependencies: deps})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, o := range objs {
		data := o.Object["data"].(map[string]any)
		got = append(got, o.GetName()+" "+data["chartVersion"].(string)+" "+data["greeting"].(string))
	}
	// In template path order: app/charts/cache, app/charts/db, app/templates.
	want := []string{"rel-cache 1.1.0 from-parent", "rel-db 1.1.0 hello", "rel-app 0.1.0 parent"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("rendered\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	t.Run("unknown alias", func(t *testing.T) {
		deps := deps
		deps.Resolve = nil
		_, err := renderhelm.RenderContext(testContext(t), parent, renderhelm.Options{ReleaseName: "rel", Dependencies: deps})
		if err == nil || !strings.Contains(err.Error(), `repository "@registry" names a configured repository`) {
			t.Fatalf("error = %v", err)
		}
	})
	t.Run("credentials missing", func(t *testing.T) {
		deps := deps
		deps.Auth = nil
		deps.Fetcher = helm.NewFetcher(t.TempDir()) // the first one has them cached
		_, err := renderhelm.RenderContext(testContext(t), parent, renderhelm.Options{ReleaseName: "rel", Dependencies: deps})
		if err == nil || !strings.Contains(err.Error(), "authentication failed") || strings.Contains(err.Error(), "repo-pass") {
			t.Fatalf("error = %v", err)
		}
	})
}
