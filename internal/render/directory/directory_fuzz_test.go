package directory

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/gobwas/glob"
)

// FuzzDecodeFile feeds arbitrary file contents to the decoding of one
// manifest file of a directory source, under a .yaml and a .json name. It
// checks that nothing panics, that a file with the skip marker yields
// nothing, that a YAML file which does not look like a manifest is never an
// error (Argo CD ignores it), that a .json file holds one value, and that
// every object has apiVersion, kind and a name.
func FuzzDecodeFile(f *testing.F) {
	f.Add([]byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n"))
	f.Add([]byte(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"}}`))
	f.Add([]byte(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"}} {}`))
	f.Add([]byte("replicas: 3\nimage: nginx\n"))
	f.Add([]byte("# +argocd:skip-file-rendering\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: skipped\n"))
	f.Add([]byte("apiVersion: v1\nkind: ConfigMap\nmetadata: [not, a, map]\n"))
	f.Add([]byte("apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: l1\n"))
	f.Add([]byte("[1, 2]"))

	f.Fuzz(func(t *testing.T, data []byte) {
		skipped := bytes.Contains(data, []byte(skipMarker))
		for _, name := range []string{"app/m.yaml", "app/m.yml", "app/m.json"} {
			objs, err := decodeFile(name, data)
			if err != nil {
				if objs != nil {
					t.Fatalf("%s: error %v returned with %d objects", name, err, len(objs))
				}
				if !strings.Contains(err.Error(), name) {
					t.Fatalf("%s: error does not name the file: %v", name, err)
				}
				if !strings.HasSuffix(name, ".json") && !looksLikeManifest(data) {
					t.Fatalf("%s: a file that does not look like a manifest is an error: %v", name, err)
				}
			}
			if skipped && (err != nil || len(objs) > 0) {
				t.Fatalf("%s: file with the skip marker gave %d objects, error %v", name, len(objs), err)
			}
			for i, u := range objs {
				if u.GetAPIVersion() == "" || u.GetKind() == "" || (u.GetName() == "" && u.GetGenerateName() == "") {
					t.Fatalf("%s: object %d lacks apiVersion, kind or name: %v", name, i, u.Object)
				}
			}
			if strings.HasSuffix(name, ".json") && err == nil && !skipped {
				// Exactly one JSON value, and then only whitespace.
				dec := json.NewDecoder(bytes.NewReader(data))
				var v json.RawMessage
				if dec.Decode(&v) != nil || dec.More() {
					t.Fatalf("%s: accepted something other than one JSON value: %q", name, data)
				}
			}
		}
	})
}

// globTree is the directory FuzzDirectoryGlobs renders: manifests at
// several depths, names with glob metacharacters, and files that are no
// manifests.
var globTree = []string{
	"a.yaml", "b.yml", "c.json", "README.md", "values.txt",
	"sub/d.yaml", "sub/deep/e.yaml", "sub/deep/f.yml",
	"other/g.yaml", "x[1].yaml", "star*.yaml", "q?.json", "{brace}.yaml", "dot.d/h.yaml",
}

// FuzzDirectoryGlobs renders one fixed directory with arbitrary
// spec.source.directory include and exclude patterns, with and without
// recurse, and checks the selection against the rules: a file is rendered
// iff it is a manifest (.yaml/.yml/.json/.jsonnet) in reach (top level unless
// recursing), is not matched by exclude and is matched by include (an empty
// include matches all). Patterns that do not compile, or that gobwas/glob
// panics on when matching a path, are errors, and glob metacharacters
// quoted with glob.QuoteMeta match only themselves.
func FuzzDirectoryGlobs(f *testing.F) {
	f.Add("*.yaml", "", true)
	f.Add("", "sub/*", true)
	f.Add("{*.yaml,*.json}", "sub/deep/*", true)
	f.Add("**/*.yml", "", false)
	f.Add("x[1].yaml", "[", true)
	f.Add("[!a]*", "?.json", true)
	f.Add("{", "}", false)
	f.Add("\\*", "star\\*.yaml", true)
	f.Add("[a-]", "[]a]", true)

	root := f.TempDir()
	for i, rel := range globTree {
		p := filepath.Join(root, "app", filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			f.Fatal(err)
		}
		content := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm" + strconv.Itoa(i) + "\n  annotations:\n    file: " + strconv.Quote(rel) + "\n"
		if strings.HasSuffix(rel, ".json") {
			content = `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm` + strconv.Itoa(i) + `","annotations":{"file":` + strconv.Quote(rel) + `}}}`
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			f.Fatal(err)
		}
	}
	app := filepath.Join(root, "app")

	f.Fuzz(func(t *testing.T, include, exclude string, recurse bool) {
		if len(include) > 256 || len(exclude) > 256 {
			t.Skip("patterns this long only slow the fuzzer down")
		}
		// Quoted metacharacters match the literal text and nothing else.
		// (gobwas/glob drops NUL from a pattern and refuses invalid UTF-8;
		// no path holds either.)
		for _, s := range []string{include, exclude} {
			if strings.Contains(s, "\x00") || !utf8.ValidString(s) {
				continue
			}
			g, err := glob.Compile(glob.QuoteMeta(s))
			if err != nil {
				t.Fatalf("QuoteMeta(%q) does not compile: %v", s, err)
			}
			if !g.Match(s) || g.Match(s+"x") || g.Match("x"+s) {
				t.Fatalf("QuoteMeta(%q) matches other text than itself", s)
			}
		}

		inc, incErr := compile(include)
		exc, excErr := compile(exclude)
		objs, err := Render(root, app, Options{Recurse: recurse, Include: include, Exclude: exclude})
		if incErr != nil || excErr != nil {
			if err == nil {
				t.Fatalf("include %q / exclude %q do not compile (%v, %v), but Render succeeded", include, exclude, incErr, excErr)
			}
			return
		}
		var want []string
		unmatchable := false // gobwas/glob panics on the pattern and path
		for _, rel := range globTree {
			if !manifestFile.MatchString(rel) || (!recurse && strings.Contains(rel, "/")) {
				continue
			}
			if excluded, ok := tryMatch(exc, rel); !ok {
				unmatchable = true
				break
			} else if exc != nil && excluded {
				continue
			}
			if included, ok := tryMatch(inc, rel); !ok {
				unmatchable = true
				break
			} else if inc != nil && !included {
				continue
			}
			want = append(want, rel)
		}
		if unmatchable {
			if err == nil || !strings.Contains(err.Error(), "cannot be matched") {
				t.Fatalf("Render(include %q, exclude %q) with a pattern that panics on a path: %v", include, exclude, err)
			}
			return
		}
		if err != nil {
			t.Fatalf("Render(include %q, exclude %q): %v", include, exclude, err)
		}
		var got []string
		for _, u := range objs {
			got = append(got, u.GetAnnotations()["file"])
		}
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Fatalf("include %q, exclude %q, recurse %t: rendered %q, want %q", include, exclude, recurse, got, want)
		}
	})
}

// tryMatch is g.Match(s), ok false when it panics; a nil g matches nothing.
func tryMatch(g glob.Glob, s string) (matched, ok bool) {
	if g == nil {
		return false, true
	}
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	return g.Match(s), true
}

func compile(pattern string) (glob.Glob, error) {
	if pattern == "" {
		return nil, nil
	}
	return glob.Compile(pattern)
}
