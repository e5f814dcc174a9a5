package helm

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"flotilla.dev/flotilla/internal/object"
)

// goldenCase is testdata/<name>/case.yaml: the inputs of one render, with
// paths as an Application would give them. expected.yaml beside it holds
// what `helm template` prints for them (see TestUpdateGoldenFiles).
type goldenCase struct {
	// Repo is the repository directory, relative to testdata; default is
	// the case's own directory.
	Repo string `json:"repo"`
	// AppPath is the chart directory relative to Repo.
	AppPath string `json:"appPath"`
	// Refs maps ref source names to directories relative to testdata.
	Refs map[string]string `json:"refs"`

	ReleaseName             string            `json:"releaseName"`
	Namespace               string            `json:"namespace"`
	ValueFiles              []string          `json:"valueFiles"`
	IgnoreMissingValueFiles bool              `json:"ignoreMissingValueFiles"`
	Values                  string            `json:"values"`
	ValuesObject            map[string]any    `json:"valuesObject"`
	Parameters              []Parameter       `json:"parameters"`
	FileParameters          []FileParameter   `json:"fileParameters"`
	SkipCrds                bool              `json:"skipCrds"`
	SkipTests               bool              `json:"skipTests"`
	SkipSchemaValidation    bool              `json:"skipSchemaValidation"`
	KubeVersion             string            `json:"kubeVersion"`
	APIVersions             []string          `json:"apiVersions"`
	Env                     map[string]string `json:"env"`
}

// goldenCases lists every directory of testdata that holds a case.yaml.
func goldenCases(t *testing.T) []string {
	t.Helper()
	matches, err := filepath.Glob(filepath.Join("testdata", "*", "case.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, m := range matches {
		names = append(names, filepath.Base(filepath.Dir(m)))
	}
	if len(names) == 0 {
		t.Fatal("no golden cases in testdata")
	}
	return names
}

func readGoldenCase(t testing.TB, name string) goldenCase {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name, "case.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var c goldenCase
	if err := yaml.UnmarshalStrict(data, &c); err != nil {
		t.Fatalf("%s/case.yaml: %v", name, err)
	}
	if c.Repo == "" {
		c.Repo = name
	}
	return c
}

// layout places a case's repositories under base (testdata itself, or a
// copy of it).
type layout struct {
	repoRoot, appPath string
	refs              map[string]string
}

func (c goldenCase) layout(base string) layout {
	l := layout{
		repoRoot: filepath.Join(base, c.Repo),
		refs:     map[string]string{},
	}
	l.appPath = filepath.Join(l.repoRoot, c.AppPath)
	for name, dir := range c.Refs {
		l.refs[name] = filepath.Join(base, dir)
	}
	return l
}

// options turns the case into render options, resolving paths with
// Argo CD's rules.
func (c goldenCase) options(t testing.TB, l layout) Options {
	t.Helper()
	r := Resolver{RepoRoot: l.repoRoot, AppPath: l.appPath, Refs: l.refs, Env: c.Env, IgnoreMissing: c.IgnoreMissingValueFiles}
	files, err := r.ValueFiles(c.ValueFiles)
	if err != nil {
		t.Fatalf("resolve value files: %v", err)
	}
	var fileParams []FileParameter
	for _, p := range c.FileParameters {
		path, err := r.File(p.Path)
		if err != nil {
			t.Fatalf("resolve file parameter: %v", err)
		}
		fileParams = append(fileParams, FileParameter{Name: p.Name, Path: path})
	}
	return Options{
		ReleaseName:          c.ReleaseName,
		Namespace:            c.Namespace,
		ValueFiles:           files,
		Values:               c.Values,
		ValuesObject:         c.ValuesObject,
		Parameters:           c.Parameters,
		FileParameters:       fileParams,
		SkipCrds:             c.SkipCrds,
		SkipTests:            c.SkipTests,
		SkipSchemaValidation: c.SkipSchemaValidation,
		KubeVersion:          c.KubeVersion,
		APIVersions:          c.APIVersions,
		Env:                  c.Env,
		RepoRoot:             l.repoRoot,
	}
}

// TestGolden renders every case and compares the objects with those of
// expected.yaml, in order.
func TestGolden(t *testing.T) {
	for _, name := range goldenCases(t) {
		t.Run(name, func(t *testing.T) {
			c := readGoldenCase(t, name)
			l := c.layout("testdata")
			got, err := Render(l.appPath, c.options(t, l))
			if err != nil {
				t.Fatalf("render: %v", err)
			}
			want := readExpected(t, name)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("objects differ from testdata/%s/expected.yaml\ngot:\n%s\nwant:\n%s", name, dump(t, got), dump(t, want))
			}
		})
	}
}

func readExpected(t *testing.T, name string) []*unstructured.Unstructured {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name, "expected.yaml"))
	if err != nil {
		t.Fatalf("%v (generate it with go test -run TestUpdateGoldenFiles -update, then review it)", err)
	}
	objs, err := object.Decode(data)
	if err != nil {
		t.Fatalf("expected.yaml: %v", err)
	}
	return objs
}

func dump(t *testing.T, objs []*unstructured.Unstructured) string {
	t.Helper()
	var out []byte
	for _, o := range objs {
		b, err := yaml.Marshal(o.Object)
		if err != nil {
			t.Fatal(err)
		}
		out = append(append(out, "---\n"...), b...)
	}
	return string(out)
}
