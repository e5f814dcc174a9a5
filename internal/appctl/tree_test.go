package appctl

import (
	"context"
	"fmt"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"flotilla.dev/flotilla/api/v1alpha1"
)

// render prints a tree as indented "name wave=W deps=D" lines, with
// "missing" for absent apps and "cycle" for cut ones.
func render(n *AppNode) string {
	var b strings.Builder
	n.Walk(func(n *AppNode, depth int) {
		fmt.Fprintf(&b, "%s%s wave=%s deps=%s", strings.Repeat("  ", depth), n.Name, n.Wave, strings.Join(n.DependsOn, ","))
		if n.App == nil {
			b.WriteString(" missing")
		}
		if n.Cycle {
			b.WriteString(" cycle")
		}
		b.WriteString("\n")
	})
	return b.String()
}

func TestAppTree(t *testing.T) {
	wave := func(w string) map[string]string { return map[string]string{WaveAnnotation: w} }
	tests := []struct {
		name string
		apps []*v1alpha1.Application
		want string
	}{
		{
			name: "leaf",
			apps: []*v1alpha1.Application{application("root", nil)},
			want: "root wave= deps=\n",
		},
		{
			name: "children by wave then name, grandchildren, dependsOn trimmed",
			apps: []*v1alpha1.Application{
				application("root", nil, "web", "db", "cache"),
				application("web", map[string]string{WaveAnnotation: "2", DependsOnAnnotation: " db , platform/cache,, "}, "web-config"),
				application("db", wave("1")),
				application("cache", wave("1")),
				application("web-config", nil),
			},
			want: "root wave= deps=\n" +
				"  cache wave=1 deps=\n" +
				"  db wave=1 deps=\n" +
				"  web wave=2 deps=db,platform/cache\n" +
				"    web-config wave= deps=\n",
		},
		{
			name: "missing child",
			apps: []*v1alpha1.Application{application("root", nil, "gone")},
			want: "root wave= deps=\n  gone wave= deps= missing\n",
		},
		{
			name: "cycle is cut",
			apps: []*v1alpha1.Application{application("a", nil, "b"), application("b", nil, "a")},
			want: "a wave= deps=\n  b wave= deps=\n    a wave= deps= cycle\n",
		},
		{
			name: "self reference",
			apps: []*v1alpha1.Application{application("a", nil, "a")},
			want: "a wave= deps=\n  a wave= deps= cycle\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			objs := make([]client.Object, 0, len(tt.apps))
			for _, a := range tt.apps {
				objs = append(objs, a)
			}
			root, err := AppTree(context.Background(), fakeClient(t, objs...), "argocd", tt.apps[0].Name)
			if err != nil {
				t.Fatal(err)
			}
			if got := render(root); got != tt.want {
				t.Errorf("tree:\n%s\nwant:\n%s", got, tt.want)
			}
		})
	}
}

func TestAppTreeNotFound(t *testing.T) {
	_, err := AppTree(context.Background(), fakeClient(t), "argocd", "nope")
	if !apierrors.IsNotFound(err) || !strings.Contains(err.Error(), "get application nope") {
		t.Fatalf("err = %v, want a wrapped NotFound naming the app", err)
	}
}
