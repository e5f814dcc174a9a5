package object

import (
	"bytes"
	"encoding/json"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"
)

// FuzzDecode feeds arbitrary bytes to the multi-document YAML/JSON decoder
// that reads every manifest (directories, Helm and kustomize output). It
// checks that:
//
//   - nothing panics and inputs over the limits are refused;
//   - every object returned has apiVersion, kind and a name or
//     generateName, and nesting within MaxDepth;
//   - the objects survive a round trip: written back as YAML documents
//     separated by "---" (and as JSON), they decode to the same objects.
func FuzzDecode(f *testing.F) {
	f.Add([]byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  k: v\n"))
	f.Add([]byte("# comment\n---\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: ns}\nspec:\n  replicas: 3\n"))
	f.Add([]byte(`{"apiVersion":"v1","kind":"Service","metadata":{"name":"s"},"spec":{"ports":[{"port":80}]}}`))
	f.Add([]byte("apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: l1\n- apiVersion: v1\n  kind: Secret\n  metadata:\n    generateName: s-\n"))
	f.Add([]byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\ndata:\n  n: 1.0\n  f: 1.5\n  i: 9007199254740993\n  e: 1e3\n  s: |\n    ---\n    not a separator\n"))
	f.Add([]byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n---\nkind: ConfigMap\n"))
	f.Add([]byte("a: &a [*a]\n"))
	f.Add([]byte("- 1\n- 2\n"))
	f.Add([]byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  labels: {? [x]: y}\n"))

	// Small limits so that the fuzzer reaches them.
	lim := Limits{MaxBytes: 1 << 16, MaxDepth: 10}

	f.Fuzz(func(t *testing.T, data []byte) {
		objs, err := DecodeWithLimits(data, lim)
		if len(data) > lim.MaxBytes && err == nil {
			t.Fatalf("input of %d bytes accepted over the limit of %d", len(data), lim.MaxBytes)
		}
		if err != nil {
			if objs != nil {
				t.Fatalf("error %v returned with %d objects", err, len(objs))
			}
			return
		}
		for i, u := range objs {
			if u.GetAPIVersion() == "" || u.GetKind() == "" || (u.GetName() == "" && u.GetGenerateName() == "") {
				t.Fatalf("object %d lacks apiVersion, kind or name: %v", i, u.Object)
			}
			if d := depth(u.Object, 0, lim.MaxDepth); d > lim.MaxDepth {
				t.Fatalf("object %d nests %d levels, over the limit of %d", i, d, lim.MaxDepth)
			}
		}

		// Round trip through YAML, one document per object.
		var y bytes.Buffer
		for _, u := range objs {
			doc, err := yaml.Marshal(u.Object)
			if err != nil {
				t.Fatalf("marshal %v: %v", u.Object, err)
			}
			y.WriteString("---\n")
			y.Write(doc)
		}
		again, err := DecodeWithLimits(y.Bytes(), Limits{MaxDepth: lim.MaxDepth})
		if err != nil {
			t.Fatalf("decode of the re-encoded objects: %v\n%s", err, y.Bytes())
		}
		sameObjects(t, "YAML", objs, again)

		// Round trip through JSON, one value per document.
		var j bytes.Buffer
		for _, u := range objs {
			doc, err := json.Marshal(u.Object)
			if err != nil {
				t.Fatalf("marshal %v: %v", u.Object, err)
			}
			j.Write(doc)
			j.WriteString("\n---\n")
		}
		again, err = DecodeWithLimits(j.Bytes(), Limits{MaxDepth: lim.MaxDepth})
		if err != nil {
			t.Fatalf("decode of the re-encoded objects: %v\n%s", err, j.Bytes())
		}
		sameObjects(t, "JSON", objs, again)
	})
}

// sameObjects compares two decodes by their JSON encoding, under which a
// number reads the same whether it decoded as int64 or float64 (1.0 and 1
// are one JSON number).
func sameObjects(t *testing.T, via string, want, got []*unstructured.Unstructured) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s round trip: %d objects, want %d", via, len(got), len(want))
	}
	for i := range want {
		w, err := json.Marshal(want[i].Object)
		if err != nil {
			t.Fatal(err)
		}
		g, err := json.Marshal(got[i].Object)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(w, g) {
			t.Fatalf("%s round trip changed object %d:\n got %s\nwant %s", via, i, g, w)
		}
	}
}
