package diff

import (
	"regexp"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"flotilla.dev/flotilla/internal/object"
)

// fuzzDesired and fuzzLive are a desired object and its live counterpart
// with managedFields, the seeds' documents.
const fuzzDesired = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
  annotations: {team: a}
spec:
  replicas: 2
  template:
    spec:
      containers:
      - name: web
        image: nginx:1.27
        env: [{name: MODE, value: prod}]
      - name: sidecar
        image: envoy:1.30
`

const fuzzLive = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
  resourceVersion: "7"
  annotations:
    team: a
    kubectl.kubernetes.io/last-applied-configuration: '{}'
  managedFields:
  - manager: hpa-controller
    operation: Update
    fieldsType: FieldsV1
    fieldsV1: {"f:spec": {"f:replicas": {}}}
  - manager: kube-controller-manager
    operation: Update
    fieldsType: FieldsV1
    fieldsV1: {"f:spec": {"f:template": {"f:spec": {"f:containers": {"k:{\"name\":\"web\"}": {"f:image": {}}, "v:3": {}, "i:0": {}}}}}}
spec:
  replicas: 5
  template:
    spec:
      containers:
      - name: web
        image: nginx:1.28
        env: [{name: MODE, value: debug}]
      - name: sidecar
        image: envoy:1.30
status:
  replicas: 5
`

// FuzzIgnoreDifferences normalises arbitrary objects with arbitrary
// ignoreDifferences rules (group/kind globs, JSON pointers, jq path
// expressions, managedFieldsManagers read from the live object's
// managedFields). data holds the desired and the live object as YAML
// documents; pointers, jq and managers hold one entry per line. It checks
// that nothing panics and that:
//
//   - rules compile exactly when kind is set and every pointer starts
//     with "/" (or the error comes from a glob or jq expression);
//   - Normalize, Equal, Diff and RespectIgnored leave their inputs alone;
//   - Normalize drops status and volatile metadata, and a pointer that
//     reaches a field through maps only no longer reaches anything;
//   - an object equals a copy of itself under any rules, and Equal agrees
//     with Diff.
func FuzzIgnoreDifferences(f *testing.F) {
	f.Add([]byte(fuzzDesired+"---\n"+fuzzLive), "apps", "Deployment", "/spec/replicas", "", "")
	f.Add([]byte(fuzzDesired+"---\n"+fuzzLive), "*", "*", "", ".spec.template.spec.containers[] | select(.name == \"web\") | .image", "")
	f.Add([]byte(fuzzDesired+"---\n"+fuzzLive), "apps", "Deploy*", "", "", "hpa-controller\nkube-controller-manager")
	f.Add([]byte(fuzzDesired+"---\n"+fuzzLive), "", "Deployment", "/spec/template/spec/containers/-1/image\n/metadata/annotations/team", ".metadata.annotations", "kube-controller-manager")
	f.Add([]byte("apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData: {a: b}\ndata: {c: null}\n---\napiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata: {a: Yg==}\n"), "", "Secret", "/data/a\n/stringData/a", ".data.c", "")
	f.Add([]byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: m\n  managedFields:\n  - manager: m\n    fieldsV1: {\"f:data\": {\".\": {}, \"f:a~1b\": {}}}\ndata: {a/b: x, \"a~b\": y}\n"), "", "ConfigMap", "/data/a~1b\n/data/a~0b\nno-slash", ".data[\"a/b\"]", "m")
	f.Add([]byte("apiVersion: v1\nkind: List\nitems: []\n"), "[", "{a,b}", "/", ".[", "")

	f.Fuzz(func(t *testing.T, data []byte, group, kind, pointers, jq, managers string) {
		if len(data) > 1<<14 {
			t.Skip("objects this big only slow the fuzzer down")
		}
		if !safeJQ(jq) {
			t.Skip("jq that may allocate a lot within its timeout (see docs/fuzzing.md)")
		}
		objs, err := object.Decode(data)
		if err != nil || len(objs) == 0 {
			return
		}
		desired, live := objs[0], objs[len(objs)-1]
		rule := Rule{
			Group: group, Kind: kind,
			JSONPointers:          lines(pointers),
			JQPathExpressions:     lines(jq),
			ManagedFieldsManagers: lines(managers),
		}
		rules := []Rule{rule}
		desiredBefore, liveBefore := desired.DeepCopy(), live.DeepCopy()
		defer func() {
			unchanged(t, "desired", desiredBefore, desired)
			unchanged(t, "live", liveBefore, live)
		}()

		_, compileErr := compileRules(rules)
		switch {
		case compileErr == nil && (kind == "" || !allPointers(rule.JSONPointers)):
			t.Fatalf("rule %+v compiled", rule)
		case compileErr != nil && kind != "" && allPointers(rule.JSONPointers) &&
			!strings.Contains(compileErr.Error(), "pattern") && !strings.Contains(compileErr.Error(), "jq path expression"):
			t.Fatalf("rule %+v refused: %v", rule, compileErr)
		}
		norm, err := Normalize(live, rules, live)
		if compileErr != nil {
			if err == nil {
				t.Fatalf("Normalize accepted rules that do not compile (%v)", compileErr)
			}
			if _, err := Equal(desired, live, rules); err == nil {
				t.Fatalf("Equal accepted rules that do not compile (%v)", compileErr)
			}
			if _, err := Diff(desired, live, rules); err == nil {
				t.Fatalf("Diff accepted rules that do not compile (%v)", compileErr)
			}
			if _, err := RespectIgnored(desired, live, rules); err == nil {
				t.Fatalf("RespectIgnored accepted rules that do not compile (%v)", compileErr)
			}
			return
		}
		if err != nil {
			// The only other errors: managedFields whose entries of the
			// managers do not parse, and glob patterns on which
			// gobwas/glob panics when matching.
			if !expectedError(err) {
				t.Fatalf("Normalize: %v", err)
			}
			return
		}
		if _, ok := norm.Object["status"]; ok {
			t.Fatalf("status survived normalisation: %v", norm.Object)
		}
		for _, f := range volatileMetadata {
			if _, ok, _ := unstructured.NestedFieldNoCopy(norm.Object, "metadata", f); ok {
				t.Fatalf("metadata.%s survived normalisation", f)
			}
		}
		if _, ok := norm.GetAnnotations()[lastAppliedAnnotation]; ok {
			t.Fatal("the last-applied annotation survived normalisation")
		}

		// A pointer through maps only is gone afterwards (removals never
		// bring a field back). Resolved against the object as normalised
		// without the pointers and jq expressions.
		if len(rule.JSONPointers) > 0 {
			base, err := Normalize(live, []Rule{{Group: group, Kind: kind, ManagedFieldsManagers: rule.ManagedFieldsManagers}}, live)
			if err != nil {
				t.Fatalf("Normalize without pointers: %v", err)
			}
			rs, _ := compileRules(rules)
			if matched, _ := rs.matching(live); len(matched) > 0 {
				for _, p := range rule.JSONPointers {
					tokens, _ := parsePointer(p)
					if path, ok := resolvePointer(base.Object, tokens); ok && mapsOnly(path) {
						if _, still := resolvePointer(norm.Object, tokens); still {
							t.Fatalf("pointer %q still resolves after normalisation:\n%v", p, norm.Object)
						}
					}
				}
			}
		}

		// An object equals a copy of itself whatever the rules.
		if eq, err := Equal(live, live.DeepCopy(), rules); err != nil || !eq {
			t.Fatalf("Equal(live, copy of live) = %t, %v", eq, err)
		}
		eq, err := Equal(desired, live, rules)
		res, err2 := Diff(desired, live, rules)
		if (err == nil) != (err2 == nil) {
			t.Fatalf("Equal error %v, Diff error %v", err, err2)
		}
		if err != nil {
			// desired may select managers whose live entries do not parse,
			// or meet a pattern live did not.
			if !expectedError(err) {
				t.Fatalf("Equal: %v", err)
			}
			return
		}
		if res.Modified == eq {
			t.Fatalf("Equal = %t but Diff.Modified = %t:\n%s", eq, res.Modified, res.Unified)
		}
		if res.Modified && res.Unified == "" {
			t.Fatal("Diff is Modified with no unified diff")
		}
		if _, err := RespectIgnored(desired, live, rules); err != nil && !expectedError(err) {
			t.Fatalf("RespectIgnored: %v", err)
		}
	})
}

// expectedError reports the errors that compiled rules may still give.
func expectedError(err error) bool {
	return strings.Contains(err.Error(), "managed fields") || strings.Contains(err.Error(), "cannot be matched")
}

// lines splits s into its non-empty lines.
func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l != "" {
			out = append(out, l)
		}
	}
	return out
}

func allPointers(ps []string) bool {
	for _, p := range ps {
		if !strings.HasPrefix(p, "/") {
			return false
		}
	}
	return true
}

func mapsOnly(path []any) bool {
	for _, e := range path {
		if _, ok := e.(string); !ok {
			return false
		}
	}
	return true
}

// jqAmplifiers are jq builtins and operators with which a short expression
// produces many values or a large one before the one-second timeout stops
// it: ranges and recursion, string repetition (up to 2 GiB in gojq),
// exponentiation. The fuzzer is kept away from them; see docs/fuzzing.md.
var jqAmplifiers = regexp.MustCompile(`range|repeat|until|while|recurse|limit|\.\.|\*|pow|exp|splits|combinations|walk|paths|getpath|input|env|\$__|@|[0-9]{4}`)

func safeJQ(s string) bool {
	return len(s) <= 128 && !jqAmplifiers.MatchString(s)
}
