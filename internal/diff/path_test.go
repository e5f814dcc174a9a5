package diff

import (
	"slices"
	"testing"
)

func TestPointer(t *testing.T) {
	doc := map[string]any{
		"metadata": map[string]any{"annotations": map[string]any{"a/b": "1", "c~d": "2", "~1": "3"}},
		"list":     []any{"x", "y", "z"},
	}
	tests := []struct {
		pointer string
		want    []any
		ok      bool
	}{
		{"/metadata/annotations/a~1b", []any{"metadata", "annotations", "a/b"}, true},
		{"/metadata/annotations/c~0d", []any{"metadata", "annotations", "c~d"}, true},
		{"/metadata/annotations/~01", []any{"metadata", "annotations", "~1"}, true},
		{"/list/1", []any{"list", 1}, true},
		{"/list/-1", []any{"list", 2}, true},
		{"/list/3", nil, false},
		{"/list/-", nil, false},
		{"/list/x", nil, false},
		{"/metadata/labels/app", nil, false},
		{"/list/0/deeper", nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.pointer, func(t *testing.T) {
			tokens, err := parsePointer(tc.pointer)
			if err != nil {
				t.Fatal(err)
			}
			got, ok := resolvePointer(doc, tokens)
			if ok != tc.ok || (ok && comparePaths(got, tc.want) != 0) {
				t.Fatalf("resolvePointer = %v, %v; want %v, %v", got, ok, tc.want, tc.ok)
			}
		})
	}
	if _, err := parsePointer("spec/replicas"); err == nil {
		t.Error("pointer without leading slash accepted")
	}
}

func TestDeletePaths(t *testing.T) {
	doc := map[string]any{
		"a": []any{"0", "1", "2", "3"},
		"b": map[string]any{"c": int64(1), "d": int64(2)},
	}
	deletePaths(doc, [][]any{{"a", 1}, {"a", 2}, {"a", 1}, {"b", "c"}, {"b", "missing"}, {"a", 9}})
	if got := doc["a"].([]any); !slices.Equal(got, []any{"0", "3"}) {
		t.Errorf("a = %v, want [0 3]", got)
	}
	if got := doc["b"].(map[string]any); len(got) != 1 || got["d"] != int64(2) {
		t.Errorf("b = %v, want map[d:2]", got)
	}
}

func TestJQ(t *testing.T) {
	doc := parse(t, `
apiVersion: v1
kind: Service
metadata: {name: s}
spec:
  ports:
  - {name: http, port: 80}
  - {name: https, port: 443}
  - {name: admin, port: 8080}
`).Object
	tests := []struct {
		expr      string
		wantPorts []string
		ok        bool
	}{
		{`.spec.ports[] | select(.port > 100)`, []string{"http"}, true},
		{`.spec.ports[] | select(.port == 443) | .name`, []string{"http", "", "admin"}, true},
		{`.spec.ports[1, 2]`, []string{"http"}, true},
		{`.spec.nothing[]`, nil, false},
		{`.spec.ports[] | error("boom")`, nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.expr, func(t *testing.T) {
			x, err := compileJQ(tc.expr)
			if err != nil {
				t.Fatal(err)
			}
			out, ok := x.remove(doc)
			if ok != tc.ok {
				t.Fatalf("remove ok = %v, want %v", ok, tc.ok)
			}
			if !ok {
				return
			}
			var names []string
			for _, p := range out["spec"].(map[string]any)["ports"].([]any) {
				n, _ := p.(map[string]any)["name"].(string)
				names = append(names, n)
				if _, isInt64 := p.(map[string]any)["port"].(int64); !isInt64 {
					t.Errorf("port %v is %T, want int64", p.(map[string]any)["port"], p.(map[string]any)["port"])
				}
			}
			if !slices.Equal(names, tc.wantPorts) {
				t.Errorf("ports left = %v, want %v", names, tc.wantPorts)
			}
		})
	}
	if _, err := compileJQ(".spec.["); err == nil {
		t.Error("invalid expression compiled")
	}
}
