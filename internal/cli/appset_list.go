package cli

import (
	"fmt"
	"strconv"

	"github.com/spf13/cobra"

	"flotilla.dev/flotilla/api/v1alpha1"
)

// maxStateWidth bounds the CONDITION column of the table (not -o wide).
const maxStateWidth = 60

func newAppSetListCmd(opts *options) *cobra.Command {
	var lo listOptions
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List ApplicationSets with their generators, Applications, health and condition",
		Example: `  # the ApplicationSets of the current namespace (default argocd)
  flotilla appset list

  # every namespace, with rollout strategy and sync policy
  flotilla appset list -A -o wide

  # by label, as YAML
  flotilla appset list -l team=shop -o yaml`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runAppSetList(cmd, opts, lo) },
	}
	lo.addFlags(cmd.Flags(), "ApplicationSets")
	return cmd
}

func runAppSetList(cmd *cobra.Command, opts *options, lo listOptions) error {
	listOpts, err := lo.query(opts)
	if err != nil {
		return err
	}
	c, err := opts.appClient()
	if err != nil {
		return err
	}
	var list v1alpha1.ApplicationSetList
	if err := c.List(cmd.Context(), &list, listOpts...); err != nil {
		return fmt.Errorf("list applicationsets: %w", err)
	}
	sortByNamespaceName(list.Items)
	if lo.structured() {
		items := make([]*v1alpha1.ApplicationSet, 0, len(list.Items))
		for i := range list.Items {
			items = append(items, setForOutput(&list.Items[i]))
		}
		return lo.writeList(opts, items)
	}
	if len(list.Items) == 0 {
		lo.noneFound(opts, "ApplicationSets")
		return nil
	}
	return appSetTable(list.Items, lo.all, lo.output == "wide").write(opts.out)
}

func appSetTable(sets []v1alpha1.ApplicationSet, withNamespace, wide bool) *table {
	t := &table{}
	header := []string{"NAME", "GENERATORS", "APPLICATIONS", "HEALTH", "CONDITION"}
	if wide {
		header = append(header, "STRATEGY", "SYNC POLICY")
	}
	if withNamespace {
		header = append([]string{"NAMESPACE"}, header...)
	}
	t.row(header...)
	for i := range sets {
		s := &sets[i]
		state := appSetState(s)
		if !wide {
			state = truncate(state, maxStateWidth)
		}
		row := []string{s.Name, orDash(generatorKinds(s.Spec.Generators)), strconv.FormatInt(appSetCount(s), 10),
			orDash(string(s.Status.Health.Status)), state}
		if wide {
			row = append(row, appSetStrategy(s), appSetSyncPolicy(s))
		}
		if withNamespace {
			row = append([]string{s.Namespace}, row...)
		}
		t.row(row...)
	}
	return t
}

// truncate shortens s to at most n runes, ending it with "…" when cut.
func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
