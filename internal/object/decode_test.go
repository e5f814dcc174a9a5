package object

import (
	"strings"
	"testing"
)

func TestDecode(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    []string // Key strings
		wantErr string
	}{
		{
			name: "multi document with blanks and comments",
			in: `
# leading comment
---
apiVersion: v1
kind: ConfigMap
metadata: {name: a, namespace: ns}
---
---
# only a comment
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
`,
			want: []string{"/ConfigMap/ns/a", "apps/Deployment//web"},
		},
		{
			name: "json document",
			in:   `{"apiVersion":"v1","kind":"Service","metadata":{"name":"s"}}`,
			want: []string{"/Service//s"},
		},
		{
			name: "kind List is flattened, nested lists too",
			in: `
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: one}
- apiVersion: v1
  kind: ConfigMapList
  items:
  - apiVersion: v1
    kind: ConfigMap
    metadata: {name: two}
`,
			want: []string{"/ConfigMap//one", "/ConfigMap//two"},
		},
		{name: "invalid yaml", in: "apiVersion: v1\nkind: [unclosed\n", wantErr: "document 1: parse"},
		{name: "no kind", in: "apiVersion: v1\nmetadata: {name: x}\n", wantErr: "no kind"},
		{name: "no name", in: "apiVersion: v1\nkind: ConfigMap\n", wantErr: "ConfigMap has no metadata.name"},
		{name: "second document broken", in: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n: : :\n", wantErr: "document 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			objs, err := Decode([]byte(tt.in))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, o := range objs {
				got = append(got, KeyOf(o).String())
			}
			if strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}
}

// A key given twice keeps its last value, as in Argo CD, unless decoding
// strictly.
func TestDecodeDuplicateKeys(t *testing.T) {
	in := []byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  v: first\n  v: second\n")
	objs, err := Decode(in)
	if err != nil || len(objs) != 1 || objs[0].Object["data"].(map[string]any)["v"] != "second" {
		t.Fatalf("Decode = %v, %v; want the last value", objs, err)
	}
	tests := []struct {
		name, in, wantErr string
	}{
		{name: "yaml", in: string(in), wantErr: "document 1: parse: yaml: unmarshal errors:\n  line 7: key \"v\" already set in map"},
		{name: "json", in: `{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a", "name": "b"}}`, wantErr: `key "name" already set in map`},
		{name: "second document", in: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\nkind: A\nkind: B\n", wantErr: "document 2: parse"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := DecodeStrict([]byte(tt.in)); err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error = %v, want containing %q", err, tt.wantErr)
			}
		})
	}
	if _, err := DecodeStrict([]byte("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n")); err != nil {
		t.Fatalf("the same keys in two documents: %v", err)
	}
}

func TestDecodeLimits(t *testing.T) {
	deep := "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: " + strings.Repeat("[", 200) + strings.Repeat("]", 200) + "\n"
	if _, err := Decode([]byte(deep)); err == nil || !strings.Contains(err.Error(), "nesting deeper") {
		t.Fatalf("deep nesting: error = %v", err)
	}
	big := []byte(strings.Repeat("#", 100))
	if _, err := DecodeWithLimits(big, Limits{MaxBytes: 10}); err == nil || !strings.Contains(err.Error(), "larger than the limit") {
		t.Fatalf("size limit: error = %v", err)
	}
	bomb := `a: &a ["x","x","x","x","x","x","x","x","x"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
`
	if _, err := Decode([]byte(bomb)); err == nil {
		t.Fatal("alias bomb was accepted")
	}
}
