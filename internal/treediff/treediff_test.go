package treediff

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/diff"
	"flotilla.dev/flotilla/internal/goldentest"
	"flotilla.dev/flotilla/internal/manifests"
)

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	goldentest.Check(t, name, got)
}

func app(name, path string) *v1alpha1.Application {
	return &v1alpha1.Application{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "argocd"},
		Spec: v1alpha1.ApplicationSpec{
			Project:     "default",
			Source:      &v1alpha1.ApplicationSource{RepoURL: "https://example.invalid/gitops", Path: path, TargetRevision: "HEAD"},
			Destination: v1alpha1.ApplicationDestination{Server: "https://kubernetes.default.svc", Namespace: "web"},
		},
	}
}

func obj(apiVersion, kind, name string, fields map[string]any) *unstructured.Unstructured {
	o := map[string]any{"apiVersion": apiVersion, "kind": kind, "metadata": map[string]any{"name": name, "namespace": "web"}}
	for k, v := range fields {
		o[k] = v
	}
	return &unstructured.Unstructured{Object: o}
}

func configMap(name, value string) *unstructured.Unstructured {
	return obj("v1", "ConfigMap", name, map[string]any{"data": map[string]any{"value": value}})
}

func secret(name, value string) *unstructured.Unstructured {
	return obj("v1", "Secret", name, map[string]any{"stringData": map[string]any{"password": value}})
}

func node(a *v1alpha1.Application, objs ...*unstructured.Unstructured) *manifests.Node {
	return &manifests.Node{App: a, Result: &manifests.Result{Objects: objs}}
}

func withChildren(n *manifests.Node, children ...*manifests.Node) *manifests.Node {
	n.Children = children
	return n
}

// trees are a root with children at base and head: "web" changes a
// ConfigMap and a Secret and loses one, "old" is removed, "new" is added,
// "same" stays, "broken" fails at head, and the root's spec changes.
func trees() (base, head []*manifests.Node) {
	same := func() *manifests.Node { return node(app("same", "same"), configMap("same", "x")) }
	b := withChildren(node(app("root", "apps")),
		node(app("web", "web"), configMap("settings", "v1"), secret("db", "hunter2"), configMap("gone", "g")),
		node(app("old", "old"), configMap("old", "o")),
		same(),
		node(app("broken", "broken"), configMap("b", "b")))
	hr := app("root", "apps")
	hr.Spec.Source.TargetRevision = "main"
	h := withChildren(node(hr),
		node(app("web", "web"), configMap("settings", "v2"), secret("db", "correct horse")),
		same(),
		node(app("new", "new"), configMap("new", "n")),
		&manifests.Node{App: app("broken", "broken"), Err: errors.New("render broken: boom")})
	return []*manifests.Node{b}, []*manifests.Node{h}
}

func report(t *testing.T, rules []diff.Rule) *Report {
	t.Helper()
	b, h := trees()
	r, err := Compare(b, h, rules)
	if err != nil {
		t.Fatal(err)
	}
	r.Base, r.Head = "main", "feature"
	return r
}

func TestCompare(t *testing.T) {
	r := report(t, nil)
	want := []struct {
		name   string
		change Change
		counts Counts
	}{
		{"root", Changed, Counts{}},
		{"web", Changed, Counts{Changed: 2, Removed: 1}},
		{"new", Added, Counts{Added: 1}},
		{"broken", Failed, Counts{}},
		{"old", Removed, Counts{Removed: 1}},
	}
	if len(r.Apps) != len(want) {
		t.Fatalf("apps: %+v", r.Apps)
	}
	for i, w := range want {
		a := r.Apps[i]
		if a.Name != w.name || a.Change != w.change || a.Counts() != w.counts {
			t.Errorf("app %d: %s %s %+v, want %+v", i, a.Name, a.Change, a.Counts(), w)
		}
	}
	if !strings.Contains(r.Apps[0].Spec, "+    targetRevision: main") {
		t.Errorf("root spec diff:\n%s", r.Apps[0].Spec)
	}
	if r.Apps[1].Parent != "root" || r.Apps[3].HeadError != "render broken: boom" {
		t.Errorf("web parent %q, broken error %q", r.Apps[1].Parent, r.Apps[3].HeadError)
	}
	want2 := Summary{Applications: Counts{Added: 1, Changed: 2, Removed: 1}, Objects: Counts{Added: 1, Changed: 2, Removed: 2}, Errors: 1}
	if r.Summary != want2 {
		t.Errorf("summary %+v, want %+v", r.Summary, want2)
	}
}

func TestCompareMasksSecrets(t *testing.T) {
	r := report(t, nil)
	for _, a := range r.Apps {
		for _, o := range a.Objects {
			if strings.Contains(o.Diff, "hunter2") || strings.Contains(o.Diff, "correct horse") ||
				strings.Contains(o.Diff, "aHVudGVyMg") || strings.Contains(o.Diff, "Y29ycmVjdCBob3Jz") {
				t.Errorf("%s shows a secret value:\n%s", o.Title(), o.Diff)
			}
			if o.Kind == "Secret" && o.Change != Changed {
				t.Errorf("secret %s", o.Change)
			}
		}
	}
}

func TestCompareIgnore(t *testing.T) {
	items, err := ParseIgnore([]byte(`
- kind: ConfigMap
  name: settings
  jsonPointers: [/data/value]
- group: argoproj.io
  kind: Application
  jqPathExpressions: [.spec.source.targetRevision]
`))
	if err != nil {
		t.Fatal(err)
	}
	r := report(t, diff.RulesOf(items))
	for _, a := range r.Apps {
		if a.Name == "root" {
			t.Errorf("root's spec change is ignored, yet reported:\n%s", a.Spec)
		}
		for _, o := range a.Objects {
			if o.Name == "settings" {
				t.Errorf("settings's value is ignored, yet reported:\n%s", o.Diff)
			}
		}
	}
}

func TestParseIgnoreErrors(t *testing.T) {
	for _, tt := range []struct{ name, yaml, want string }{
		{"not a list", "kind: ConfigMap", "parse ignore rules"},
		{"unknown field", "- kind: ConfigMap\n  jsonPointer: [/data]", "unknown field"},
		{"no kind", "- group: apps\n  jsonPointers: [/spec]", "kind is required"},
		{"bad pointer", "- kind: ConfigMap\n  jsonPointers: [data]", "pointer"},
		{"bad jq", "- kind: ConfigMap\n  jqPathExpressions: ['.data[']", "jq"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseIgnore([]byte(tt.yaml))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want %q", err, tt.want)
			}
		})
	}
}

func TestWriters(t *testing.T) {
	for _, tt := range []struct {
		golden string
		write  func(*bytes.Buffer, *Report) error
	}{
		{"report.md.golden", func(b *bytes.Buffer, r *Report) error { return WriteMarkdown(b, r, 0) }},
		{"report.json.golden", func(b *bytes.Buffer, r *Report) error { return WriteJSON(b, r) }},
		{"report.txt.golden", func(b *bytes.Buffer, r *Report) error { return WriteText(b, r) }},
		{"empty.md.golden", func(b *bytes.Buffer, _ *Report) error { return WriteMarkdown(b, NewReport("main", "main", nil), 0) }},
		{"empty.json.golden", func(b *bytes.Buffer, _ *Report) error { return WriteJSON(b, NewReport("main", "main", nil)) }},
	} {
		t.Run(tt.golden, func(t *testing.T) {
			var b bytes.Buffer
			if err := tt.write(&b, report(t, nil)); err != nil {
				t.Fatal(err)
			}
			golden(t, tt.golden, b.String())
		})
	}
}

func TestMarkdownTruncated(t *testing.T) {
	r := report(t, nil)
	var full bytes.Buffer
	if err := WriteMarkdown(&full, r, 1<<20); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(full.String(), "truncated") {
		t.Fatalf("truncated at 1 MiB:\n%s", full.String())
	}
	limit := strings.Index(full.String(), "<summary><code>new</code>") + noteReserve
	var b bytes.Buffer
	if err := WriteMarkdown(&b, r, limit); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if len(out) > limit {
		t.Errorf("%d bytes, over the cap of %d", len(out), limit)
	}
	if !strings.Contains(out, "| `old` | removed | 0 | 0 | 1 |") {
		t.Errorf("summary table lost a row:\n%s", out)
	}
	if !strings.Contains(out, "<code>web</code>") || strings.Contains(out, "<code>new</code>") {
		t.Errorf("sections:\n%s", out)
	}
	if !strings.Contains(out, "Output truncated: the diffs of 2 of 5 applications are shown.") {
		t.Errorf("no truncation note:\n%s", out)
	}
	golden(t, "truncated.md.golden", out)
}

func TestRevisionFlags(t *testing.T) {
	roots := []Root{{App: app("root", "apps")}}
	multi := app("multi", "x")
	multi.Spec.Source = nil
	multi.Spec.Sources = v1alpha1.ApplicationSources{
		{RepoURL: "https://example.invalid/values", Ref: "values"},
		{RepoURL: "https://charts.example.invalid", Chart: "web", TargetRevision: "1.0.0"},
	}
	for _, tt := range []struct {
		name   string
		values []string
		roots  []Root
		want   map[string]string
		err    string
	}{
		{"none", nil, roots, map[string]string{}, ""},
		{"bare", []string{"main"}, roots, map[string]string{"https://example.invalid/gitops": "main"}, ""},
		{"per repo wins", []string{"main", "https://Example.invalid/gitops.git=pr-1", "git@example.invalid:x/y=v2"}, roots,
			map[string]string{"https://example.invalid/gitops": "pr-1", "git@example.invalid:x/y": "v2"}, ""},
		{"multi-source root, not the chart", []string{"main"}, []Root{{App: multi}}, map[string]string{"https://example.invalid/values": "main"}, ""},
		{"two bare", []string{"a", "b"}, roots, nil, "two revisions"},
		{"no revision", []string{"https://example.invalid/x="}, roots, nil, "no revision"},
		{"bare without root app", []string{"main"}, []Root{{Set: &v1alpha1.ApplicationSet{}}}, nil, "no root Application"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f, err := ParseRevisionFlags(tt.values)
			var got map[string]string
			if err == nil {
				got, err = f.Revisions(tt.roots)
			}
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
			for k, v := range tt.want {
				if got[k] != v {
					t.Errorf("got %v, want %v", got, tt.want)
				}
			}
		})
	}
}
