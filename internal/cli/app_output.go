package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"sigs.k8s.io/yaml"

	"flotilla.dev/flotilla/api/v1alpha1"
)

// table collects rows and prints them aligned, two spaces apart, without
// trailing blanks.
type table struct {
	rows [][]string
}

func (t *table) row(cols ...string) { t.rows = append(t.rows, cols) }

func (t *table) write(w io.Writer) error {
	var buf bytes.Buffer
	tw := tabwriter.NewWriter(&buf, 0, 8, 2, ' ', 0)
	for _, r := range t.rows {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, line := range strings.SplitAfter(buf.String(), "\n") {
		if line == "" {
			continue
		}
		if _, err := io.WriteString(w, strings.TrimRight(line, " \n")+"\n"); err != nil {
			return err
		}
	}
	return nil
}

// shortRev shortens a commit SHA to 7 characters.
func shortRev(rev string) string {
	if len(rev) == 40 {
		return rev[:7]
	}
	return rev
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// forOutput is a copy of app fit for -o yaml|json: kind and apiVersion set,
// managedFields left out (as kubectl does).
func forOutput(app *v1alpha1.Application) *v1alpha1.Application {
	out := app.DeepCopy()
	out.APIVersion, out.Kind = v1alpha1.SchemeGroupVersion.String(), v1alpha1.ApplicationKind
	out.ManagedFields = nil
	return out
}

// writeObject prints v as YAML or JSON.
func writeObject(w io.Writer, format string, v any) error {
	switch format {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	case "yaml":
		b, err := yaml.Marshal(v)
		if err != nil {
			return fmt.Errorf("encode yaml: %w", err)
		}
		_, err = w.Write(b)
		return err
	}
	return fmt.Errorf("unknown output format %q", format)
}

// destination renders an app's destination as cluster/namespace.
func destination(d v1alpha1.ApplicationDestination) string {
	cluster := d.Name
	if cluster == "" {
		cluster = d.Server
	}
	if d.Namespace == "" {
		return cluster
	}
	return cluster + "/" + d.Namespace
}

// sourceSummary renders a source as "repo path@revision" (charts as
// "repo chart@version").
func sourceSummary(s v1alpha1.ApplicationSource) string {
	what := s.Path
	if s.Chart != "" {
		what = s.Chart
	}
	rev := s.TargetRevision
	if rev == "" {
		rev = "HEAD"
	}
	return fmt.Sprintf("%s %s@%s", s.RepoURL, orDash(what), rev)
}

// conditionsSummary lists condition types, comma separated.
func conditionsSummary(app *v1alpha1.Application) string {
	var types []string
	for _, c := range app.Status.Conditions {
		types = append(types, string(c.Type))
	}
	return strings.Join(types, ",")
}

// healthOf is a resource's health code, "" when it has none.
func healthOf(h *v1alpha1.HealthStatus) string {
	if h == nil {
		return ""
	}
	return string(h.Status)
}
