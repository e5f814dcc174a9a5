package appset

import (
	"fmt"
	"maps"
	"strings"
	"sync"
	"testing"
)

func TestFlattenParams(t *testing.T) {
	cases := []struct {
		name   string
		params map[string]any
		want   map[string]string
	}{
		{name: "post-selector docs list element",
			params: map[string]any{"cluster": "engineering-dev", "url": "https://kubernetes.default.svc", "env": "staging"},
			want:   map[string]string{"cluster": "engineering-dev", "url": "https://kubernetes.default.svc", "env": "staging"}},
		{name: "fasttemplate flat keys stay",
			params: map[string]any{"path": "apps/a", "path.basename": "a", "path[0]": "apps"},
			want:   map[string]string{"path": "apps/a", "path.basename": "a", "path[0]": "apps"}},
		{name: "cluster under goTemplate: maps of strings are walked",
			params: map[string]any{"name": "in-cluster", "metadata": map[string]any{
				"labels":      map[string]string{"env": "staging", "argocd.argoproj.io/secret-type": "cluster"},
				"annotations": map[string]string{},
			}},
			want: map[string]string{"name": "in-cluster", "metadata.labels.env": "staging",
				"metadata.labels.argocd.argoproj.io/secret-type": "cluster"}},
		{name: "git under goTemplate: []string is a leaf",
			params: map[string]any{"path": map[string]any{"path": "apps/a", "segments": []string{"apps", "a"}}},
			want:   map[string]string{"path.path": "apps/a", "path.segments": "[apps a]"}},
		{name: "lists, numbers, booleans, null",
			params: map[string]any{"items": []any{"x", map[string]any{"n": 2.0, "ok": true}, []any{}},
				"replicas": 3.0, "big": 1e21, "none": nil, "empty": map[string]any{}},
			want: map[string]string{"items.0": "x", "items.1.n": "2", "items.1.ok": "true",
				"replicas": "3", "big": "1e+21", "none": "<nil>"}},
		{name: "maps of strings inside lists are leaves",
			params: map[string]any{"l": []any{map[string]string{"a": "b"}}},
			want:   map[string]string{"l.0": "map[a:b]"}},
		{name: "empty key", params: map[string]any{"": map[string]any{"a": "b"}},
			want: map[string]string{".a": "b"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := FlattenParams(tc.params); !maps.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestSanitizeName(t *testing.T) {
	long := ""
	for range 26 {
		long += "abcdefghij"
	}
	cases := map[string]string{
		"in-cluster":                 "in-cluster",
		"https://kubernetes.default": "https---kubernetes.default",
		"Engineering_Dev":            "engineering-dev",
		"--.a.b.--":                  "a.b",
		"café":                       "caf",
		"_Ä_":                        "",
		long:                         long[:253],
		long[:252] + "-x":            long[:252],
	}
	for in, want := range cases {
		if got := SanitizeName(in); got != want {
			t.Errorf("SanitizeName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSlugify(t *testing.T) {
	// Argo CD's TestSlugify, plus the defaults and gosimple/slug's edges.
	long := "feat/areallylongpullrequestnametotestargoslugificationandbranchnameshorteningfeature"
	cases := []struct {
		args []any
		want string
	}{
		{[]any{50, false, longBranch}, "feat-a-really-long-pull-request-name-to-test-argo"},
		{[]any{53, true, longBranch}, "feat-a-really-long-pull-request-name-to-test-argo"},
		{[]any{50, true, long}, "feat"},
		{[]any{50, false, long}, "feat-areallylongpullrequestnametotestargoslugifica"},
		{[]any{longBranch}, "feat-a-really-long-pull-request-name-to-test-argo"},
		{[]any{23, longBranch}, "feat-a-really-long-pull"},
		{[]any{"Some..Name."}, "some-name"},
		{[]any{3, false, "a..b"}, "a"},
		{[]any{0, "no-limit-" + long}, "no-limit-feat-" + long[5:]},
		{[]any{4, true, "abcdefgh"}, "abcd"},
		{[]any{}, ""},
	}
	for _, tc := range cases {
		got, err := slugify(tc.args...)
		if err != nil || got != tc.want {
			t.Errorf("slugify(%v) = %q, %v; want %q", tc.args, got, err, tc.want)
		}
	}
	for _, args := range [][]any{{"50", "x"}, {50, "yes", "x"}, {50, true, 7}, {-1, false, "x"}} {
		if _, err := slugify(args...); err == nil {
			t.Errorf("slugify(%v): no error", args)
		}
	}
}

func TestRenderString(t *testing.T) {
	params := map[string]any{"name": "in-cluster", "path.basename": "guestbook",
		"path": map[string]any{"basename": "guestbook"}, "n": 3}
	cases := []struct {
		in         string
		goTemplate bool
		options    []string
		want       string
		wantErr    string
	}{
		{in: "{{ path.basename }}-{{name}}", want: "guestbook-in-cluster"},
		{in: "{{ .path.basename }}-{{.name}}", goTemplate: true, want: "guestbook-in-cluster"},
		{in: "{{n}} {{missing}} {{ }}", want: "{{n}} {{missing}} {{ }}"},
		{in: "{{.n}} {{.missing}}", goTemplate: true, want: "3 <no value>"},
		{in: "{{.missing}}", goTemplate: true, options: []string{"missingkey=zero"}, want: "<no value>"},
		{in: "{{.missing}}", goTemplate: true, options: []string{"missingkey=error"},
			wantErr: `map has no entry for key "missing"`},
		{in: "{{ .name | upper }} {{ normalize \"A_B\" }}", goTemplate: true, want: "IN-CLUSTER a-b"},
		{in: "no tags at all {", goTemplate: true, want: "no tags at all {"},
		{in: "{{ multi\nline }}", want: "{{ multi\nline }}"},
		{in: `{{ get (fromYaml "hello: world") "hello" }}`, goTemplate: true, want: "world"},
		{in: `{{ fromYamlArray "- a\n- b" | last }}`, goTemplate: true, want: "b"},
		{in: `{{ toYaml .path | indent 2 }}`, goTemplate: true, want: "  basename: guestbook"},
		{in: `{{ fromYaml "non\n compliant\n yaml" }}`, goTemplate: true, wantErr: "error calling fromYaml"},
		{in: `{{ env "HOME" }}`, goTemplate: true, wantErr: `function "env" not defined`},
		{in: "{{ .name ", goTemplate: true, wantErr: `parse template "{{ .name "`},
	}
	for _, tc := range cases {
		got, err := RenderString(tc.in, params, tc.goTemplate, tc.options)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("RenderString(%q): error %v, want one containing %q", tc.in, err, tc.wantErr)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("RenderString(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

// TestRenderStringConcurrent shares cached templates between goroutines
// (run with -race).
func TestRenderStringConcurrent(t *testing.T) {
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 50 {
				params := map[string]any{"i": i, "j": j}
				got, err := RenderString("{{.i}}-{{.j}}-{{ slugify \"A B\" }}", params, true, []string{"missingkey=error"})
				if want := fmt.Sprintf("%d-%d-a-b", i, j); err != nil || got != want {
					t.Errorf("got %q, %v; want %q", got, err, want)
					return
				}
			}
		})
	}
	wg.Wait()
}
