package kustomize

import (
	"bytes"
	"crypto/sha256"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	sigsyaml "sigs.k8s.io/yaml"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

const digest = "sha256:24a0c4b4a4c0eb97a1aabb8e29f18e917d05abfe1b7a7c07857230879ce7d3d3"

// TestBuildGolden builds each fixture (a repository under testdata/<fixture>)
// and compares with testdata/<fixture>/<name>.golden.yaml.
func TestBuildGolden(t *testing.T) {
	tests := []struct {
		name, fixture, app string
		opts               Options
	}{
		{
			name: "images", fixture: "images", app: "overlay",
			opts: Options{Images: []string{
				"nginx=registry.local/mirror/nginx:1.27",
				"redis:7.2",
				"example.com/team/app@" + digest,
				"busybox=*:1.37",
			}},
		},
		{name: "no-options", fixture: "images", app: "overlay"},
		{
			name: "nameprefix", fixture: "nameprefix", app: "overlay",
			opts: Options{NamePrefix: "dev-", NameSuffix: "-v2"},
		},
		{name: "namespace", fixture: "namespace", app: "overlay", opts: Options{Namespace: "team-a"}},
		{
			name: "labels", fixture: "labels", app: "overlay",
			opts: Options{
				CommonLabels:      map[string]string{"team": "blue", "tier": `"web"`},
				CommonAnnotations: map[string]string{"owner": "platform", "link": "https://example.com/a:b"},
			},
		},
		{
			name: "labels-without-selector", fixture: "labels", app: "overlay",
			opts: Options{CommonLabels: map[string]string{"team": "blue"}, LabelWithoutSelector: true},
		},
		{
			name: "labels-include-templates", fixture: "labels", app: "overlay",
			opts: Options{
				CommonLabels:         map[string]string{"team": "blue"},
				LabelWithoutSelector: true, LabelIncludeTemplates: true,
			},
		},
		{
			name: "labels-force", fixture: "labels", app: "overlay-existing",
			opts: Options{
				CommonLabels: map[string]string{"team": "blue"}, ForceCommonLabels: true,
				CommonAnnotations: map[string]string{"owner": "platform"}, ForceCommonAnnotations: true,
			},
		},
		{
			name: "replicas", fixture: "replicas", app: "overlay",
			opts: Options{Replicas: []Replica{{Name: "web", Count: 5}, {Name: "db", Count: 3}}},
		},
		{
			name: "patches", fixture: "patches", app: "overlay",
			opts: Options{Patches: []Patch{
				{
					Patch:  `[{"op": "replace", "path": "/spec/template/spec/containers/0/ports/0/containerPort", "value": 443}]`,
					Target: &Selector{Kind: "Deployment", Name: "web"},
				},
				{
					Patch: "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n" +
						"  template:\n    spec:\n      containers:\n        - name: sidecar\n          image: busybox:1.37\n",
				},
				{Path: "app-patch.yaml"},
				{
					Patch:  "- op: add\n  path: /spec/type\n  value: NodePort\n",
					Target: &Selector{Version: "v1", Kind: "Service", LabelSelector: "tier=frontend"},
				},
			}},
		},
		{
			name: "components", fixture: "components", app: "overlay",
			opts: Options{
				Components:              []string{"../components/monitoring", "../components/missing"},
				IgnoreMissingComponents: true,
			},
		},
		{name: "root-app", fixture: "appofapps", app: "environments/dev/_root/root-app"},
		{name: "web-apps", fixture: "appofapps", app: "environments/dev/web"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := filepath.Join("testdata", tt.fixture)
			before := snapshot(t, root)
			objs, err := Build(root, filepath.Join(root, tt.app), tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if after := snapshot(t, root); after != before {
				t.Fatal("the build changed files in the repository")
			}
			got := toYAML(t, objs)
			golden := filepath.Join(root, tt.name+".golden.yaml")
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("output differs from %s:\n%s", golden, got)
			}
		})
	}
}

func toYAML(t *testing.T, objs []*unstructured.Unstructured) []byte {
	t.Helper()
	var buf bytes.Buffer
	for i, o := range objs {
		if i > 0 {
			buf.WriteString("---\n")
		}
		data, err := sigsyaml.Marshal(o.Object)
		if err != nil {
			t.Fatal(err)
		}
		buf.Write(data)
	}
	return buf.Bytes()
}

// snapshot hashes every file below root except golden files.
func snapshot(t *testing.T, root string) string {
	t.Helper()
	h := sha256.New()
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(p, ".golden.yaml") {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		h.Write([]byte(p))
		h.Write(data)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return string(h.Sum(nil))
}

// TestBuildConcurrent checks that parallel builds (a controller renders
// many Applications at once) are race-free and give the same result.
func TestBuildConcurrent(t *testing.T) {
	root := filepath.Join("testdata", "nameprefix")
	want, err := os.ReadFile(filepath.Join(root, "nameprefix.golden.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	type result struct {
		objs []*unstructured.Unstructured
		err  error
	}
	results := make(chan result, 4)
	for range 4 {
		go func() {
			objs, err := Build(root, filepath.Join(root, "overlay"), Options{NamePrefix: "dev-", NameSuffix: "-v2"})
			results <- result{objs, err}
		}()
	}
	for range 4 {
		r := <-results
		if r.err != nil {
			t.Fatal(r.err)
		}
		if got := toYAML(t, r.objs); !bytes.Equal(got, want) {
			t.Fatalf("concurrent build differs:\n%s", got)
		}
	}
}

func BenchmarkBuild(b *testing.B) {
	root := filepath.Join("testdata", "nameprefix")
	for b.Loop() {
		if _, err := Build(root, filepath.Join(root, "overlay"), Options{NamePrefix: "dev-"}); err != nil {
			b.Fatal(err)
		}
	}
}
