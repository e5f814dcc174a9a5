package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/appctl"
)

func newAppListCmd(opts *options) *cobra.Command {
	var lo listOptions
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
	lo.addFlags(cmd.Flags(), "Applications")
	return cmd
}

func runAppList(cmd *cobra.Command, opts *options, lo listOptions) error {
	listOpts, err := lo.query(opts)
	if err != nil {
		return err
	}
	c, err := opts.appClient()
	if err != nil {
		return err
	}
	var list v1alpha1.ApplicationList
	if err := c.List(cmd.Context(), &list, listOpts...); err != nil {
		return fmt.Errorf("list applications: %w", err)
	}
	sortByNamespaceName(list.Items)
	if lo.structured() {
		items := make([]*v1alpha1.Application, 0, len(list.Items))
		for i := range list.Items {
			items = append(items, forOutput(&list.Items[i]))
		}
		return lo.writeList(opts, items)
	}
	if len(list.Items) == 0 {
		lo.noneFound(opts, "Applications")
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
