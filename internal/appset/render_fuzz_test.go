package appset

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"text/template"
	tparse "text/template/parse"
	"unicode/utf8"

	"k8s.io/apimachinery/pkg/runtime"

	"flotilla.dev/flotilla/api/v1alpha1"
)

// Bounding Go templates for the fuzzer.
//
// RenderString puts no bound on what a Go template may allocate: Sprig's
// repeat, until and indent take a count, and plain text/template can double
// a string with a variable and print in a few bytes of template. The fuzzer
// would find these within seconds and run out of memory, which says nothing
// about flotilla's code. So while fuzzing, templates are parsed with a
// guarded copy of the function map (every function checks its arguments and
// result against fuzzMaxCost and fuzzMaxResult and fails the execution
// beyond them) and templates with loops or template calls are skipped. The
// guard lives in this test file only; production templates are unchanged.
const (
	// fuzzMaxTemplate bounds the template text.
	fuzzMaxTemplate = 256
	// fuzzMaxCost bounds the work one function call may do, estimated
	// from its arguments.
	fuzzMaxCost = 1 << 20
	// fuzzMaxResult bounds the size of one function's result.
	fuzzMaxResult = 1 << 12
)

// countFuncs multiply their output by a numeric argument.
var countFuncs = map[string]bool{
	"repeat": true, "indent": true, "nindent": true, "until": true, "untilStep": true, "seq": true,
	"printf": true, "wrap": true, "wrapWith": true, "chunk": true, "mustChunk": true,
}

// unfuzzedFuncs are slow (key generation, password hashing) or
// non-deterministic; the fuzzer gets an error instead.
var unfuzzedFuncs = []string{
	"now", "ago", "randAlphaNum", "randAlpha", "randAscii", "randNumeric", "randInt", "randBytes", "shuffle",
	"uuidv4", "bcrypt", "htpasswd", "genPrivateKey", "derivePassword", "buildCustomCert", "genCA",
	"genCAWithKey", "genSelfSignedCert", "genSelfSignedCertWithKey", "genSignedCert", "genSignedCertWithKey",
	"encryptAES",
}

// ownFuncs are flotilla's own template functions: a panic in one of them is
// a bug even though text/template turns it into an error.
var ownFuncs = []string{"normalize", "slugify", "toYaml", "fromYaml", "fromYamlArray"}

// errFuzzGuard stops a template execution that goes over the bounds.
var errFuzzGuard = errors.New("over the fuzzing bounds")

// ownPanic records a panic of one of ownFuncs during the current input.
var ownPanic string

func guardedFuncMap() template.FuncMap {
	m := template.FuncMap{}
	all := template.FuncMap{
		// text/template's builtins that build strings, so that they are
		// guarded too (a template's functions take precedence).
		"print": fmt.Sprint, "printf": fmt.Sprintf, "println": fmt.Sprintln,
		"html": template.HTMLEscaper, "js": template.JSEscaper, "urlquery": template.URLQueryEscaper,
	}
	for name, fn := range funcMap {
		all[name] = fn
	}
	for name, fn := range all {
		m[name] = guard(name, fn)
	}
	for _, name := range unfuzzedFuncs {
		m[name] = func(...any) (string, error) { return "", errFuzzGuard }
	}
	return m
}

func guard(name string, fn any) any {
	fv := reflect.ValueOf(fn)
	ft := fv.Type()
	own := slices.Contains(ownFuncs, name)
	return reflect.MakeFunc(ft, func(args []reflect.Value) (out []reflect.Value) {
		leaves := args
		if ft.IsVariadic() {
			last := args[len(args)-1]
			leaves = slices.Clone(args[:len(args)-1])
			for i := range last.Len() {
				leaves = append(leaves, last.Index(i))
			}
		}
		cost, size := 1, 1
		for _, a := range leaves {
			if n, isNum := number(a); isNum && countFuncs[name] {
				cost = capMul(cost, n+1)
				continue
			}
			size += sizeOf(a, fuzzMaxCost)
		}
		if capMul(cost, size) > fuzzMaxCost {
			panic(errFuzzGuard)
		}
		if own {
			defer func() {
				if r := recover(); r != nil {
					ownPanic = fmt.Sprintf("%s panicked: %v", name, r)
					panic(r)
				}
			}()
		}
		if ft.IsVariadic() {
			out = fv.CallSlice(args)
		} else {
			out = fv.Call(args)
		}
		for _, o := range out {
			if sizeOf(o, fuzzMaxResult) > fuzzMaxResult {
				panic(errFuzzGuard)
			}
		}
		return out
	}).Interface()
}

// number returns the magnitude of a numeric argument.
func number(v reflect.Value) (int, bool) {
	for v.Kind() == reflect.Interface && !v.IsNil() {
		v = v.Elem()
	}
	switch v.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n := v.Int()
		if n == math.MinInt64 {
			return math.MaxInt, true
		}
		return int(max(n, -n)), true
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return int(min(v.Uint(), math.MaxInt)), true
	case reflect.Float32, reflect.Float64:
		f := math.Abs(v.Float())
		if math.IsNaN(f) || f >= math.MaxInt/2 {
			return math.MaxInt / 2, true
		}
		return int(f), true
	}
	return 0, false
}

func capMul(a, b int) int {
	if a > 0 && b > fuzzMaxCost*2/a {
		return fuzzMaxCost * 2
	}
	return a * b
}

// sizeOf estimates the size of a value (string bytes, elements), stopping
// past limit; shared parts count each time they are reached, as an encoder
// would write them.
func sizeOf(v reflect.Value, limit int) int {
	n := 0
	var walk func(v reflect.Value, depth int)
	walk = func(v reflect.Value, depth int) {
		if n > limit {
			return
		}
		n++
		if depth > 100 {
			n = limit + 1
			return
		}
		switch v.Kind() {
		case reflect.Interface, reflect.Pointer:
			if !v.IsNil() {
				walk(v.Elem(), depth+1)
			}
		case reflect.String:
			n += v.Len()
		case reflect.Slice, reflect.Array:
			if v.Type().Elem().Kind() == reflect.Uint8 {
				n += v.Len()
				return
			}
			for i := 0; i < v.Len() && n <= limit; i++ {
				walk(v.Index(i), depth+1)
			}
		case reflect.Map:
			it := v.MapRange()
			for it.Next() && n <= limit {
				walk(it.Key(), depth+1)
				walk(it.Value(), depth+1)
			}
		}
	}
	walk(v, 0)
	return n
}

// guardTemplates makes RenderString parse with the guarded functions for
// the rest of the fuzz test.
func guardTemplates(f *testing.F) {
	saved := baseTemplate
	reset := func() {
		templateCache.Lock()
		clear(templateCache.m)
		templateCache.Unlock()
	}
	baseTemplate = template.New("base").Funcs(guardedFuncMap())
	reset()
	f.Cleanup(func() {
		baseTemplate = saved
		reset()
	})
}

// boundedTemplate reports whether s is a template the fuzzer may execute:
// short, and, for Go templates, without range loops, template calls or
// template definitions (through which a short template runs for as long as
// it likes). Templates that do not parse are fine: they are not executed.
func boundedTemplate(s string, goTemplate bool, options []string) bool {
	if len(s) > fuzzMaxTemplate {
		return false
	}
	if !goTemplate || !strings.Contains(s, "{{") {
		return true
	}
	t, err := parse(s, options)
	if err != nil {
		return true
	}
	if len(t.Templates()) > 1 || t.Tree == nil {
		return false
	}
	return !hasLoop(t.Tree.Root)
}

func hasLoop(n tparse.Node) bool {
	switch n := n.(type) {
	case *tparse.ListNode:
		if n == nil {
			return false
		}
		return slices.ContainsFunc(n.Nodes, hasLoop)
	case *tparse.RangeNode, *tparse.TemplateNode:
		return true
	case *tparse.IfNode:
		return hasLoop(n.List) || hasLoop(n.ElseList)
	case *tparse.WithNode:
		return hasLoop(n.List) || hasLoop(n.ElseList)
	}
	return false
}

var fuzzOptions = [][]string{nil, {"missingkey=error"}, {"missingkey=zero"}, {"missingkey=default"}, {"bogus=1"}}

func fuzzParams(key, value string) map[string]any {
	p := map[string]any{
		"name":   value,
		"nested": map[string]any{"name": value, "n": int64(3)},
		"list":   []any{value, "b", 2.5},
		"path":   map[string]any{"basename": "guestbook", "segments": []any{"apps", "guestbook"}},
	}
	p[key] = value
	return p
}

// FuzzRenderString renders an arbitrary template with fasttemplate and with
// Go templates (Sprig and Argo CD's functions, bounded as described above).
// It checks that nothing panics (flotilla's own template functions
// included) and that:
//
//   - a string without "{{" comes back unchanged;
//   - rendering is deterministic (the second time from the parse cache);
//   - fasttemplate leaves a template unchanged when no parameter matches,
//     fails only on a tag that is not closed, and substitutes {{key}} with
//     the parameter;
//   - Go templates give a parameter back verbatim through index, and
//     missingkey=error makes an absent key an error.
func FuzzRenderString(f *testing.F) {
	f.Add("{{name}}-guestbook", false, uint8(0), "cluster", "engineering-dev")
	f.Add("{{ .name }}-{{ .nested.name | upper }}", true, uint8(1), "key", "Dev_Cluster")
	f.Add("{{ normalize .name }}/{{ slugify 10 false .name }}/{{ slugify .name }}", true, uint8(0), "k", "A very Long_Name.with.dots--and--dashes")
	f.Add("{{ toYaml .nested }}|{{ (fromYaml \"a: 1\").a }}|{{ index (fromYamlArray \"[x]\") 0 }}", true, uint8(2), "k", "v")
	f.Add("{{ .missing }}", true, uint8(1), "k", "v")
	f.Add("{{ repeat 3 .name }}{{ indent 2 .name }}{{ printf \"%05d\" 7 }}", true, uint8(0), "k", "x")
	f.Add("{{ unclosed", false, uint8(0), "k", "v")
	f.Add("{{}} {{ }} {{ k }} {{k}}", false, uint8(0), "k", "value")
	f.Add("{{ if eq .name \"a\" }}A{{ else }}{{ default \"d\" .nested.x }}{{ end }}", true, uint8(3), "k", "a")
	f.Add("{{ .path.basename }}{{ index .path.segments 1 }}", true, uint8(4), "k", "v")
	f.Add("{{$a := .name}}{{$a = cat $a $a}}{{$a}}", true, uint8(0), "k", "ab")

	guardTemplates(f)

	f.Fuzz(func(t *testing.T, tmpl string, goTemplate bool, opt uint8, key, value string) {
		options := fuzzOptions[int(opt)%len(fuzzOptions)]
		if !boundedTemplate(tmpl, goTemplate, options) || len(key) > 256 || len(value) > 1024 {
			t.Skip("unbounded template")
		}
		params := fuzzParams(key, value)
		ownPanic = ""
		out, err := RenderString(tmpl, params, goTemplate, options)
		if ownPanic != "" {
			t.Fatalf("template %q: %s", tmpl, ownPanic)
		}
		if !strings.Contains(tmpl, "{{") && (err != nil || out != tmpl) {
			t.Fatalf("string without a tag rendered to %q, %v", out, err)
		}
		again, err2 := RenderString(tmpl, params, goTemplate, options)
		if again != out || fmt.Sprint(err) != fmt.Sprint(err2) {
			t.Fatalf("rendering %q twice: %q, %v then %q, %v", tmpl, out, err, again, err2)
		}

		if !goTemplate {
			none, err := RenderString(tmpl, nil, false, nil)
			if err == nil && none != tmpl {
				t.Fatalf("fasttemplate with no parameters changed %q to %q", tmpl, none)
			}
			if err != nil && !strings.Contains(err.Error(), "cannot find end tag") {
				t.Fatalf("fasttemplate error: %v", err)
			}
			if key != "" && strings.TrimSpace(key) == key && !strings.ContainsAny(key, "}\n") {
				got, err := RenderString("{{"+key+"}}", params, false, nil)
				if err != nil || got != value {
					t.Fatalf("fasttemplate {{%s}} = %q, %v, want %q", key, got, err, value)
				}
			}
			return
		}

		got, err := RenderString("{{ index . "+strconv.Quote(key)+" }}", params, true, options)
		if err == nil && got != value {
			t.Fatalf("{{ index . %q }} = %q, want %q", key, got, value)
		}
		if err != nil && !strings.Contains(err.Error(), "invalid goTemplateOptions") {
			t.Fatalf("{{ index . %q }}: %v", key, err)
		}
		if slices.Equal(options, []string{"missingkey=error"}) && key != "absent" {
			if _, err := RenderString("{{ .absent }}", params, true, options); err == nil {
				t.Fatal("missingkey=error rendered an absent key")
			}
		}
	})
}

// FuzzRenderApplication renders an ApplicationSet template whose every
// string field (metadata, labels and their keys, annotations, finalizers,
// spec, helm values and the free-form valuesObject) is the fuzzed template,
// then applies a fuzzed templatePatch. It checks that nothing panics, that
// each field renders exactly as RenderString renders the template on its
// own, that a template renders to itself without parameters, and that a
// templatePatch never changes the project.
func FuzzRenderApplication(f *testing.F) {
	f.Add("{{name}}", false, uint8(0), "guestbook", `{"spec": {"destination": {"namespace": "{{name}}"}}}`)
	f.Add("{{ .name | upper }}", true, uint8(1), "guestbook", "spec:\n  project: other\n  source:\n    path: '{{ .name }}'\n")
	f.Add("plain", true, uint8(0), "v", "{}")
	f.Add("{{ .nested.absent }}", true, uint8(1), "v", "metadata: {labels: {a: b}}")
	f.Add("{{ unclosed", false, uint8(0), "v", "[")
	f.Add("{{ toYaml .list }}", true, uint8(2), "v", "spec: {syncPolicy: {automated: {prune: true}}}")
	f.Add("x-{{name}}-{{nested.name}}", false, uint8(0), "v", `{"metadata": {"finalizers": null}}`)

	guardTemplates(f)

	f.Fuzz(func(t *testing.T, tmpl string, goTemplate bool, opt uint8, value, patch string) {
		options := fuzzOptions[int(opt)%len(fuzzOptions)]
		if !boundedTemplate(tmpl, goTemplate, options) || !boundedTemplate(patch, goTemplate, options) || len(value) > 1024 {
			t.Skip("unbounded template")
		}
		raw, err := json.Marshal(map[string]any{"k": tmpl, "list": []any{tmpl, 1}})
		if err != nil {
			t.Fatal(err)
		}
		at := v1alpha1.ApplicationSetTemplate{
			ApplicationSetTemplateMeta: v1alpha1.ApplicationSetTemplateMeta{
				Name: tmpl, Namespace: tmpl,
				Labels:      map[string]string{tmpl: tmpl},
				Annotations: map[string]string{"a": tmpl},
				Finalizers:  []string{tmpl},
			},
			Spec: v1alpha1.ApplicationSpec{
				Project: tmpl,
				Source: &v1alpha1.ApplicationSource{
					RepoURL: tmpl, Path: tmpl, TargetRevision: tmpl,
					Helm: &v1alpha1.ApplicationSourceHelm{
						Values:       tmpl,
						ValueFiles:   []string{tmpl},
						ValuesObject: &runtime.RawExtension{Raw: raw},
					},
				},
				Destination: v1alpha1.ApplicationDestination{Server: tmpl, Namespace: tmpl},
			},
		}
		before := at.DeepCopy()

		// No parameters: nothing is rendered.
		same, err := RenderApplication(at, nil, goTemplate, options)
		if err != nil || same.Name != tmpl || same.Spec.Source.Path != tmpl || same.Labels[tmpl] != tmpl {
			t.Fatalf("RenderApplication without parameters: %v, %+v", err, same)
		}

		params := fuzzParams("key", value)
		ownPanic = ""
		want, wantErr := RenderString(tmpl, params, goTemplate, options)
		app, err := RenderApplication(at, params, goTemplate, options)
		if ownPanic != "" {
			t.Fatalf("template %q: %s", tmpl, ownPanic)
		}
		if !reflect.DeepEqual(&at, before) {
			t.Fatal("RenderApplication changed its template")
		}
		if wantErr != nil {
			if err == nil {
				t.Fatalf("RenderString(%q) failed (%v), RenderApplication did not", tmpl, wantErr)
			}
			return
		}
		if err != nil {
			t.Fatalf("RenderString(%q) = %q, but RenderApplication: %v", tmpl, want, err)
		}
		for field, got := range map[string]string{
			"name": app.Name, "namespace": app.Namespace, "label": app.Labels[want],
			"annotation": app.Annotations["a"], "finalizer": app.Finalizers[0], "project": app.Spec.Project,
			"repoURL": app.Spec.Source.RepoURL, "path": app.Spec.Source.Path, "targetRevision": app.Spec.Source.TargetRevision,
			"values": app.Spec.Source.Helm.Values, "valueFiles": app.Spec.Source.Helm.ValueFiles[0],
			"server": app.Spec.Destination.Server, "destination namespace": app.Spec.Destination.Namespace,
		} {
			if got != want {
				t.Fatalf("%s rendered to %q, RenderString gives %q", field, got, want)
			}
		}
		if len(app.Labels) != 1 {
			t.Fatalf("labels %v, want the one rendered key %q", app.Labels, want)
		}
		var obj struct {
			K    string `json:"k"`
			List []any  `json:"list"`
		}
		if err := json.Unmarshal(app.Spec.Source.Helm.ValuesObject.Raw, &obj); err != nil {
			t.Fatalf("rendered valuesObject %s: %v", app.Spec.Source.Helm.ValuesObject.Raw, err)
		}
		// (JSON turns invalid UTF-8 into U+FFFD.)
		if utf8.ValidString(tmpl) && utf8.ValidString(want) && (obj.K != want || len(obj.List) != 2 || obj.List[0] != want) {
			t.Fatalf("valuesObject rendered to %s, want %q", app.Spec.Source.Helm.ValuesObject.Raw, want)
		}

		// The templatePatch.
		patched, err := ApplyTemplatePatch(app, patch, params, goTemplate, options)
		if err != nil {
			return
		}
		if patched.Spec.Project != app.Spec.Project {
			t.Fatalf("templatePatch %q moved the project from %q to %q", patch, app.Spec.Project, patched.Spec.Project)
		}
		if strings.TrimSpace(patch) == "{}" && !reflect.DeepEqual(asJSON(t, app), asJSON(t, patched)) {
			t.Fatalf("empty templatePatch changed the application:\n%+v\n%+v", app, patched)
		}
	})
}

// asJSON is v as encoding/json sees it (invalid UTF-8 read as U+FFFD).
func asJSON(t *testing.T, v any) any {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatal(err)
	}
	return out
}
