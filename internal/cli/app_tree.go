package cli

import (
	"fmt"
	"io"
	"strings"

	"flotilla.dev/flotilla/internal/appctl"
)

// branches returns the box-drawing prefix of a tree line and the prefix
// of the lines below it.
func branches(prefix string, last, top bool) (line, below string) {
	switch {
	case top:
		return "", ""
	case last:
		return prefix + "└── ", prefix + "    "
	}
	return prefix + "├── ", prefix + "│   "
}

// writeAppTree prints an app-of-apps hierarchy, one app a line:
// name, sync, health, wave and dependsOn, aligned.
func writeAppTree(w io.Writer, root *appctl.AppNode) error {
	t := &table{}
	var walk func(n *appctl.AppNode, prefix string, last, top bool)
	walk = func(n *appctl.AppNode, prefix string, last, top bool) {
		line, below := branches(prefix, last, top)
		t.row(append([]string{line + n.Name}, appNodeStatus(n)...)...)
		for i, c := range n.Children {
			walk(c, below, i == len(n.Children)-1, false)
		}
	}
	walk(root, "", true, true)
	return t.write(w)
}

// appNodeStatus is the sync, health, wave and dependsOn columns of a
// tree line (always four, so the table stays aligned); a missing app or
// a cut cycle says so instead.
func appNodeStatus(n *appctl.AppNode) []string {
	switch {
	case n.Cycle:
		return []string{"(cycle)", "", "", ""}
	case n.App == nil:
		return []string{"(missing)", "", "", ""}
	}
	st := n.App.Status
	cols := []string{orDash(string(st.Sync.Status)), orDash(string(st.Health.Status)), "", ""}
	if n.Wave != "" {
		cols[2] = "wave " + n.Wave
	}
	if len(n.DependsOn) > 0 {
		cols[3] = "dependsOn " + strings.Join(n.DependsOn, ",")
	}
	return cols
}

// writeResourceTree prints the resources and the objects they own.
func writeResourceTree(w io.Writer, nodes []*appctl.ResourceNode) error {
	t := &table{}
	t.row("RESOURCE", "SYNC", "HEALTH", "MESSAGE")
	var walk func(n *appctl.ResourceNode, prefix string, last, top bool)
	walk = func(n *appctl.ResourceNode, prefix string, last, top bool) {
		line, below := branches(prefix, last, top)
		t.row(line+resourceName(n.Group, n.Kind, n.Namespace, n.Name), n.Sync, n.Health, oneLine(n.Message))
		for i, c := range n.Children {
			walk(c, below, i == len(n.Children)-1, false)
		}
	}
	for _, n := range nodes {
		walk(n, "", true, true)
	}
	return t.write(w)
}

// resourceName renders group/Kind namespace/name, as Argo CD's diff
// headers do ("/ConfigMap ns/name" for the core group).
func resourceName(group, kind, namespace, name string) string {
	if namespace == "" {
		return fmt.Sprintf("%s/%s %s", group, kind, name)
	}
	return fmt.Sprintf("%s/%s %s/%s", group, kind, namespace, name)
}
