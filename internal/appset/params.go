package appset

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"text/template"
)

// RenderString renders one string with params, as Argo CD's Render.Replace:
// with Go templates when goTemplate is set (options are text/template
// options such as "missingkey=error"), otherwise with fasttemplate tags,
// where `{{ key }}` is replaced by params[key] when that is a string and
// left as it is otherwise. Unlike RenderApplication it renders even when
// params is empty.
func RenderString(s string, params map[string]any, goTemplate bool, options []string) (string, error) {
	if !strings.Contains(s, "{{") {
		return s, nil // neither engine changes a string without a tag
	}
	if goTemplate {
		return goReplace(s, params, options)
	}
	return fastReplace(s, params)
}

// isTemplated is Argo CD's isTemplatedRegex: fasttemplate only looks at a
// string with "{{" before "}}" on one line.
var isTemplated = regexp.MustCompile("{{.*}}")

// fastReplace is fasttemplate.ExecuteFuncString with Argo CD's tag
// function: the tag between "{{" and the next "}}" is trimmed and looked up;
// an empty, unknown or non-string key leaves the tag as it was.
func fastReplace(s string, params map[string]any) (string, error) {
	if !isTemplated.MatchString(s) {
		return s, nil
	}
	var b strings.Builder
	rest := s
	for {
		start := strings.Index(rest, "{{")
		if start < 0 {
			b.WriteString(rest)
			return b.String(), nil
		}
		b.WriteString(rest[:start])
		rest = rest[start+2:]
		end := strings.Index(rest, "}}")
		if end < 0 {
			return "", fmt.Errorf("invalid template %q: cannot find end tag \"}}\" after %q", s, rest)
		}
		tag := rest[:end]
		rest = rest[end+2:]
		key := strings.TrimSpace(tag)
		if v, ok := params[key].(string); ok && key != "" {
			b.WriteString(v)
		} else {
			b.WriteString("{{" + tag + "}}")
		}
	}
}

// goReplace parses s (or takes it from the cache) and executes it on params.
func goReplace(s string, params map[string]any, options []string) (string, error) {
	t, err := parsed(s, options)
	if err != nil {
		return "", err
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, params); err != nil {
		return "", fmt.Errorf("execute template %q: %w", s, err)
	}
	return buf.String(), nil
}

// baseTemplate holds the functions; every template is a clone of it, named
// "base" as in Argo CD so that error messages read the same.
var baseTemplate = template.New("base").Funcs(funcMap)

// maxCachedTemplates bounds the cache: when it is full it starts over.
const maxCachedTemplates = 4096

type templateKey struct{ options, text string }

// templateCache holds parsed templates; a parsed template may be executed
// by many goroutines at once.
var templateCache = struct {
	sync.Mutex
	m map[templateKey]*template.Template
}{m: map[templateKey]*template.Template{}}

func parsed(s string, options []string) (*template.Template, error) {
	key := templateKey{strings.Join(options, "\x00"), s}
	templateCache.Lock()
	t := templateCache.m[key]
	templateCache.Unlock()
	if t != nil {
		return t, nil
	}
	t, err := parse(s, options)
	if err != nil {
		return nil, err
	}
	templateCache.Lock()
	if len(templateCache.m) >= maxCachedTemplates {
		clear(templateCache.m)
	}
	templateCache.m[key] = t
	templateCache.Unlock()
	return t, nil
}

func parse(s string, options []string) (*template.Template, error) {
	t, err := baseTemplate.Clone()
	if err != nil {
		return nil, fmt.Errorf("clone base template: %w", err)
	}
	if err := setOptions(t, options); err != nil {
		return nil, err
	}
	if _, err := t.Parse(s); err != nil {
		return nil, fmt.Errorf("parse template %q: %w", s, err)
	}
	return t, nil
}

// setOptions applies goTemplateOptions; text/template panics on an unknown
// option, which becomes an error here.
func setOptions(t *template.Template, options []string) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("invalid goTemplateOptions %q: %v", options, r)
		}
	}()
	t.Option(options...)
	return nil
}

// isMissingKeyError is Argo CD's test for an execution error caused by a
// parameter that is not there (yet).
func isMissingKeyError(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "map has no entry for key") ||
		strings.Contains(msg, "can't evaluate field")
}

// FlattenParams flattens a parameter set as Argo CD's flattenParameters
// does for post-selectors: nested maps and lists become dotted keys
// ("metadata.labels.env", "list.0"), every leaf is formatted with %v, and
// empty maps and lists vanish. Maps of strings are walked like maps of any
// (Argo CD's normalizeMapForFlatten) except inside lists, where they are
// leaves, as in Argo CD.
func FlattenParams(params map[string]any) map[string]string {
	out := map[string]string{}
	flattenInto(out, "", true, normalizeForFlatten(params))
	return out
}

func normalizeForFlatten(in map[string]any) map[string]any {
	out := make(map[string]any, len(in))
	for k, v := range in {
		switch v := v.(type) {
		case map[string]string:
			inner := make(map[string]any, len(v))
			for ik, iv := range v {
				inner[ik] = iv
			}
			out[k] = inner
		case map[string]any:
			out[k] = normalizeForFlatten(v)
		default:
			out[k] = v
		}
	}
	return out
}

// flattenInto is github.com/jeremywohl/flatten's Flatten with DotStyle:
// it descends only into map[string]any and []any; keys of the top level
// take no dot.
func flattenInto(out map[string]string, prefix string, top bool, v any) {
	key := func(k string) string {
		if top {
			return prefix + k
		}
		return prefix + "." + k
	}
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			flattenValue(out, key(k), e)
		}
	case []any:
		for i, e := range v {
			flattenValue(out, key(strconv.Itoa(i)), e)
		}
	}
}

func flattenValue(out map[string]string, key string, v any) {
	switch v.(type) {
	case map[string]any, []any:
		flattenInto(out, key, false, v)
	default:
		out[key] = fmt.Sprintf("%v", v)
	}
}
