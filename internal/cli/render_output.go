package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/yaml"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/manifests"
)

func toApplication(u *unstructured.Unstructured) (*v1alpha1.Application, error) {
	app := &v1alpha1.Application{}
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, app); err != nil {
		return nil, fmt.Errorf("application %s: %w", u.GetName(), err)
	}
	return app, nil
}

func writeRender(w io.Writer, format string, grouped bool, roots []*manifests.Node) error {
	switch format {
	case "tree":
		for _, r := range roots {
			writeTree(w, r)
		}
		return nil
	case "json":
		return writeJSON(w, grouped, roots)
	}
	return writeYAML(w, grouped, roots)
}

func writeYAML(w io.Writer, grouped bool, roots []*manifests.Node) error {
	for _, r := range roots {
		var err error
		r.Walk(func(n *manifests.Node, _ int) {
			if err != nil || n.Result == nil {
				return
			}
			if grouped {
				fmt.Fprintf(w, "# Application %s (revision %s)\n", n.App.Name, strings.Join(n.Result.Revisions, ", "))
			}
			for _, o := range n.Result.Objects {
				var b []byte
				if b, err = yaml.Marshal(o.Object); err != nil {
					return
				}
				fmt.Fprintf(w, "---\n%s", b)
			}
		})
		if err != nil {
			return fmt.Errorf("write yaml: %w", err)
		}
	}
	return nil
}

type jsonApp struct {
	Name           string           `json:"name"`
	Parent         string           `json:"parent,omitempty"`
	ApplicationSet string           `json:"applicationSet,omitempty"`
	Revisions      []string         `json:"revisions,omitempty"`
	Error          string           `json:"error,omitempty"`
	Warnings       []string         `json:"warnings,omitempty"`
	Objects        []map[string]any `json:"objects"`
}

func writeJSON(w io.Writer, grouped bool, roots []*manifests.Node) error {
	var apps []jsonApp
	for _, r := range roots {
		parents := map[*manifests.Node]string{}
		r.Walk(func(n *manifests.Node, _ int) {
			ja := jsonApp{Name: n.App.Name, Parent: parents[n], ApplicationSet: n.AppSet, Objects: []map[string]any{}}
			if n.Err != nil {
				ja.Error = n.Err.Error()
			}
			if n.Result != nil {
				ja.Revisions, ja.Warnings = n.Result.Revisions, n.Result.Warnings
				for _, o := range n.Result.Objects {
					ja.Objects = append(ja.Objects, o.Object)
				}
			}
			for _, c := range n.Children {
				parents[c] = n.App.Name
			}
			apps = append(apps, ja)
		})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if !grouped {
		var items []map[string]any
		for _, a := range apps {
			items = append(items, a.Objects...)
		}
		return enc.Encode(map[string]any{"apiVersion": "v1", "kind": "List", "items": items})
	}
	return enc.Encode(map[string]any{"applications": apps})
}

// writeTree prints app → child apps → object counts.
func writeTree(w io.Writer, root *manifests.Node) {
	var walk func(n *manifests.Node, prefix string, last, top bool)
	walk = func(n *manifests.Node, prefix string, last, top bool) {
		branch, next := "", ""
		if !top {
			branch, next = "├── ", "│   "
			if last {
				branch, next = "└── ", "    "
			}
		}
		name := n.App.Name
		if n.FailedAppSet {
			name = "ApplicationSet " + name
		}
		fmt.Fprintf(w, "%s%s%s  %s\n", prefix, branch, name, summary(n))
		for i, c := range n.Children {
			walk(c, prefix+next, i == len(n.Children)-1, false)
		}
	}
	walk(root, "", true, true)
}

func summary(n *manifests.Node) string {
	if n.Err != nil {
		return "ERROR: " + n.Err.Error()
	}
	var types []string
	for _, t := range n.Result.SourceTypes {
		if t != "" {
			types = append(types, string(t))
		}
	}
	counts := map[string]int{}
	for _, o := range n.Result.Objects {
		counts[o.GetKind()]++
	}
	kinds := make([]string, 0, len(counts))
	for k, c := range counts {
		kinds = append(kinds, fmt.Sprintf("%s %d", k, c))
	}
	sort.Strings(kinds)
	s := fmt.Sprintf("(%s @ %s) %d objects", strings.Join(types, "+"), shortRevs(n.Result.Revisions), len(n.Result.Objects))
	if len(kinds) > 0 {
		s += ": " + strings.Join(kinds, ", ")
	}
	return s
}

func shortRevs(revs []string) string {
	out := make([]string, len(revs))
	for i, r := range revs {
		if len(r) == 40 {
			r = r[:7]
		}
		out[i] = r
	}
	return strings.Join(out, ",")
}
