package cli

import (
	"fmt"
	"sort"
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/appctl"
)

type appListOptions struct {
	output, selector string
	all              bool
}

func newAppListCmd(opts *options) *cobra.Command {
	var lo appListOptions
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List Applications with their sync and health status",
		Example: `  # the Applications of the current namespace (default argocd)
  flotilla app list

  # every namespace, with destination, repository and conditions
  flotilla app list -A -o wide

  # by label, as YAML
  flotilla app list -l team=shop -o yaml`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runAppList(cmd, opts, lo) },
	}
	f := cmd.Flags()
	f.StringVarP(&lo.output, "output", "o", "", "output format: wide, yaml or json (default: a table)")
	f.StringVarP(&lo.selector, "selector", "l", "", "label selector (key=value,key!=value,…)")
	f.BoolVarP(&lo.all, "all-namespaces", "A", false, "list the Applications of every namespace")
	return cmd
}

func runAppList(cmd *cobra.Command, opts *options, lo appListOptions) error {
	switch lo.output {
	case "", "wide", "yaml", "json":
	default:
		return fmt.Errorf("unknown output format %q: use wide, yaml or json", lo.output)
	}
	sel, err := labels.Parse(lo.selector)
	if err != nil {
		return fmt.Errorf("label selector %q: %w", lo.selector, err)
	}
	c, err := opts.appClient()
	if err != nil {
		return err
	}
	listOpts := []client.ListOption{client.MatchingLabelsSelector{Selector: sel}}
	if !lo.all {
		listOpts = append(listOpts, client.InNamespace(opts.appNamespace()))
	}
	var list v1alpha1.ApplicationList
	if err := c.List(cmd.Context(), &list, listOpts...); err != nil {
		return fmt.Errorf("list applications: %w", err)
	}
	sort.Slice(list.Items, func(i, j int) bool {
		a, b := list.Items[i], list.Items[j]
		if a.Namespace != b.Namespace {
			return a.Namespace < b.Namespace
		}
		return a.Name < b.Name
	})
	if lo.output == "yaml" || lo.output == "json" {
		items := make([]*v1alpha1.Application, 0, len(list.Items))
		for i := range list.Items {
			items = append(items, forOutput(&list.Items[i]))
		}
		return writeObject(opts.out, lo.output, map[string]any{"apiVersion": "v1", "kind": "List", "items": items})
	}
	if len(list.Items) == 0 {
		where := "namespace " + opts.appNamespace()
		if lo.all {
			where = "any namespace"
		}
		fmt.Fprintf(opts.err, "No Applications found in %s.\n", where)
		return nil
	}
	return appTable(list.Items, lo.all, lo.output == "wide").write(opts.out)
}

func appTable(apps []v1alpha1.Application, withNamespace, wide bool) *table {
	t := &table{}
	header := []string{"NAME", "PROJECT", "SYNC", "HEALTH", "REVISION", "WAVE"}
	if wide {
		header = append(header, "DESTINATION", "REPO", "PATH", "CONDITIONS")
	}
	if withNamespace {
		header = append([]string{"NAMESPACE"}, header...)
	}
	t.row(header...)
	for i := range apps {
		a := &apps[i]
		wave := strings.TrimSpace(a.Annotations[appctl.WaveAnnotation])
		if wave == "" {
			wave = "0"
		}
		var revs []string
		for _, r := range a.Status.GetRevisions() {
			revs = append(revs, shortRev(r))
		}
		row := []string{a.Name, a.Spec.GetProject(), orDash(string(a.Status.Sync.Status)), orDash(string(a.Status.Health.Status)),
			orDash(strings.Join(revs, ",")), wave}
		if wide {
			src := a.Spec.GetSource()
			path := src.Path
			if src.Chart != "" {
				path = src.Chart
			}
			repo := src.RepoURL
			if n := len(a.Spec.GetSources()); n > 1 {
				repo += fmt.Sprintf(" (+%d)", n-1)
			}
			row = append(row, orDash(destination(a.Spec.Destination)), orDash(repo), orDash(path), orDash(conditionsSummary(a)))
		}
		if withNamespace {
			row = append([]string{a.Namespace}, row...)
		}
		t.row(row...)
	}
	return t
}
