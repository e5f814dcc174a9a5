package appset

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"dario.cat/mergo"
	"sigs.k8s.io/yaml"

	"flotilla.dev/flotilla/api/v1alpha1"
)

// RenderApplication renders the template once for one parameter set: every
// string field of metadata (name, namespace, labels, annotations,
// finalizers) and spec, including inside helm.valuesObject and other
// free-form JSON, is rendered on its own, as Argo CD does. Map keys are
// rendered too. With no parameters nothing is rendered (as in Argo CD).
//
// The result has no TypeMeta and gets no finalizer. Argo CD adds the
// resources finalizer at this point (when the template names none and the
// set does not preserve resources on deletion), before the templatePatch:
// a caller after Argo CD's exact result adds it before ApplyTemplatePatch.
func RenderApplication(tmpl v1alpha1.ApplicationSetTemplate, params map[string]any, goTemplate bool, options []string) (*v1alpha1.Application, error) {
	t := tmpl.DeepCopy()
	app := &v1alpha1.Application{Spec: t.Spec}
	app.Name, app.Namespace = t.Name, t.Namespace
	app.Labels, app.Annotations, app.Finalizers = t.Labels, t.Annotations, t.Finalizers
	if len(params) == 0 {
		return app, nil
	}
	r := &renderer{params: params, goTemplate: goTemplate, options: options}
	if err := r.walk(reflect.ValueOf(app).Elem(), ""); err != nil {
		return nil, fmt.Errorf("render template: %w", err)
	}
	return app, nil
}

// RenderGenerator renders a generator's string fields with params (used
// by the matrix generator to interpolate its second child with each
// parameter set of the first), as Argo CD's RenderGeneratorParams. The
// `values` of the generators that have them are resolved with
// missingkey=error and a value that names a parameter not there yet is left
// as it was, so that its own generator renders it later.
func RenderGenerator(g *v1alpha1.ApplicationSetGenerator, params map[string]any, goTemplate bool, options []string) (*v1alpha1.ApplicationSetGenerator, error) {
	if g == nil {
		return nil, errors.New("generator is empty")
	}
	out := g.DeepCopy()
	if len(params) == 0 {
		return out, nil
	}
	r := &renderer{params: params, goTemplate: goTemplate, options: options, generator: true}
	if err := r.walk(reflect.ValueOf(out).Elem(), ""); err != nil {
		return nil, fmt.Errorf("render generator: %w", err)
	}
	return out, nil
}

// MergeTemplate merges a generator's own template over the set's template
// as Argo CD's mergeGeneratorTemplate (mergo.Merge: the generator's
// non-empty fields win, the set fills the rest; maps are merged key by
// key, lists are taken whole).
func MergeTemplate(generator, set v1alpha1.ApplicationSetTemplate) (v1alpha1.ApplicationSetTemplate, error) {
	dst := generator.DeepCopy()
	// A copy of the set's template, so that the result shares nothing.
	if err := mergo.Merge(dst, *set.DeepCopy()); err != nil {
		return v1alpha1.ApplicationSetTemplate{}, fmt.Errorf("merge generator template: %w", err)
	}
	return *dst, nil
}

// renderer walks a deep copy in place and renders every string in it.
type renderer struct {
	params     map[string]any
	goTemplate bool
	options    []string
	// generator is set by RenderGenerator: generators' values are
	// pre-resolved.
	generator bool
}

func (r *renderer) render(s, path string) (string, error) {
	out, err := RenderString(s, r.params, r.goTemplate, r.options)
	if err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	return out, nil
}

func (r *renderer) walk(v reflect.Value, path string) error {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return nil
		}
		return r.walk(v.Elem(), path)
	case reflect.Interface:
		return r.walkInterface(v, path)
	case reflect.Struct:
		return r.walkStruct(v, path)
	case reflect.Slice:
		for i := range v.Len() {
			if err := r.walk(v.Index(i), path+"["+strconv.Itoa(i)+"]"); err != nil {
				return err
			}
		}
	case reflect.Map:
		return r.walkMap(v, path)
	case reflect.String:
		s, err := r.render(v.String(), path)
		if err != nil {
			return err
		}
		v.SetString(s)
	}
	return nil
}

func (r *renderer) walkInterface(v reflect.Value, path string) error {
	if v.IsNil() {
		return nil
	}
	c := reflect.New(v.Elem().Type()).Elem()
	c.Set(v.Elem())
	if err := r.walk(c, path); err != nil {
		return err
	}
	v.Set(c)
	return nil
}

func (r *renderer) walkStruct(v reflect.Value, path string) error {
	t := v.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue // kept as the deep copy has it
		}
		fv, fp := v.Field(i), fieldPath(path, f)
		var err error
		switch {
		case isRawField(t, f):
			err = r.renderRaw(fv, path) // Raw is the whole value
		case r.generator && isValuesField(t, f):
			err = r.preResolveValues(fv, fp)
		default:
			err = r.walk(fv, fp)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// walkMap renders values and string keys. As Argo CD, entries whose value
// is nil are dropped. Keys are visited in order so that errors, and which
// of two keys that render alike wins, do not depend on map order.
func (r *renderer) walkMap(v reflect.Value, path string) error {
	if v.IsNil() {
		return nil
	}
	keys := v.MapKeys()
	if v.Type().Key().Kind() == reflect.String {
		slices.SortFunc(keys, func(a, b reflect.Value) int { return strings.Compare(a.String(), b.String()) })
	}
	out := reflect.MakeMapWithSize(v.Type(), len(keys))
	for _, k := range keys {
		e := v.MapIndex(k)
		if isNil(e) {
			continue
		}
		kp := path + "[" + fmt.Sprint(k.Interface()) + "]"
		c := reflect.New(e.Type()).Elem()
		c.Set(e)
		if err := r.walk(c, kp); err != nil {
			return err
		}
		if k.Kind() == reflect.String {
			s, err := r.render(k.String(), kp)
			if err != nil {
				return err
			}
			k = reflect.New(k.Type()).Elem()
			k.SetString(s)
		}
		out.SetMapIndex(k, c)
	}
	v.Set(out)
	return nil
}

func isNil(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Map, reflect.Pointer, reflect.Interface, reflect.Slice:
		return v.IsNil()
	}
	return false
}

// rawPackages are the packages whose struct field Raw holds free-form JSON
// or YAML (runtime.RawExtension, apiextensionsv1.JSON).
var rawPackages = []string{
	"k8s.io/apimachinery/pkg/runtime",
	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1",
}

func isRawField(t reflect.Type, f reflect.StructField) bool {
	return f.Name == "Raw" && f.Type.Kind() == reflect.Slice && slices.Contains(rawPackages, t.PkgPath())
}

// renderRaw renders free-form JSON or YAML as Argo CD does: decoded (YAML
// becomes JSON, numbers float64), every string and key rendered, and
// encoded again as JSON.
func (r *renderer) renderRaw(v reflect.Value, path string) error {
	js, err := yamlToJSON(v.Bytes())
	if err != nil {
		return fmt.Errorf("%s: convert to json: %w", path, err)
	}
	var doc any
	if err := json.Unmarshal(js, &doc); err != nil {
		return fmt.Errorf("%s: decode json: %w", path, err)
	}
	if err := r.walk(reflect.ValueOf(&doc).Elem(), path); err != nil {
		return err
	}
	out, err := json.Marshal(doc)
	if err != nil {
		return fmt.Errorf("%s: encode json: %w", path, err)
	}
	v.SetBytes(out)
	return nil
}

// yamlToJSON is Argo CD's ConvertYAMLToJSON: text that starts with "{" is
// taken as JSON, anything else is converted from YAML.
func yamlToJSON(b []byte) ([]byte, error) {
	if s := strings.TrimSpace(string(b)); s != "" && s[0] == '{' {
		return b, nil
	}
	return yaml.YAMLToJSON(b)
}

// valuesGenerators are the generator types with `values`, found as Argo CD
// finds them: the fields of ApplicationSetGenerator pointing to a
// *Generator type with a field Values map[string]string.
var valuesGenerators = findValuesGenerators()

func findValuesGenerators() map[reflect.Type]bool {
	out := map[reflect.Type]bool{}
	for f := range reflect.TypeFor[v1alpha1.ApplicationSetGenerator]().Fields() {
		if f.Type.Kind() != reflect.Pointer || !strings.HasSuffix(f.Type.String(), "Generator") {
			continue
		}
		if vf, ok := f.Type.Elem().FieldByName("Values"); ok && vf.Type == reflect.TypeFor[map[string]string]() {
			out[f.Type.Elem()] = true
		}
	}
	return out
}

func isValuesField(t reflect.Type, f reflect.StructField) bool {
	return f.Name == "Values" && f.Type == reflect.TypeFor[map[string]string]() && valuesGenerators[t]
}

// preResolveValues renders a generator's values with missingkey=error
// (under Go templates) and keeps a value as it was when it names a
// parameter that is not there; keys are not rendered.
func (r *renderer) preResolveValues(v reflect.Value, path string) error {
	if v.IsNil() {
		return nil
	}
	options := r.options
	if r.goTemplate {
		options = slices.DeleteFunc(slices.Clone(options), func(o string) bool { return strings.HasPrefix(o, "missingkey=") })
		options = append(options, "missingkey=error")
	}
	in := v.Interface().(map[string]string)
	out := make(map[string]string, len(in))
	for _, k := range slices.Sorted(maps.Keys(in)) {
		s, err := RenderString(in[k], r.params, r.goTemplate, options)
		switch {
		case err != nil && isMissingKeyError(err):
			s = in[k]
		case err != nil:
			return fmt.Errorf("%s: pre-resolve values key %q: %w", path, k, err)
		}
		out[k] = s
	}
	v.Set(reflect.ValueOf(out))
	return nil
}

// fieldPath names a field as its JSON name; embedded (inline) fields add
// nothing.
func fieldPath(parent string, f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	if name == "" && f.Anonymous {
		return parent
	}
	if name == "" {
		name = f.Name
	}
	if parent == "" {
		return name
	}
	return parent + "." + name
}
