package cli

import (
	"fmt"
	"sort"
	"strconv"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"flotilla.dev/flotilla/api/v1alpha1"
)

// maxStateWidth bounds the CONDITION column of the table (not -o wide).
const maxStateWidth = 60

type appSetListOptions struct {
	output, selector string
	all              bool
}

func newAppSetListCmd(opts *options) *cobra.Command {
	var lo appSetListOptions
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
	f := cmd.Flags()
	f.StringVarP(&lo.output, "output", "o", "", "output format: wide, yaml or json (default: a table)")
	f.StringVarP(&lo.selector, "selector", "l", "", "label selector (key=value,key!=value,…)")
	f.BoolVarP(&lo.all, "all-namespaces", "A", false, "list the ApplicationSets of every namespace")
	return cmd
}

func runAppSetList(cmd *cobra.Command, opts *options, lo appSetListOptions) error {
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
	var list v1alpha1.ApplicationSetList
	if err := c.List(cmd.Context(), &list, listOpts...); err != nil {
		return fmt.Errorf("list applicationsets: %w", err)
	}
	sort.Slice(list.Items, func(i, j int) bool {
		a, b := list.Items[i], list.Items[j]
		if a.Namespace != b.Namespace {
			return a.Namespace < b.Namespace
		}
		return a.Name < b.Name
	})
	if lo.output == "yaml" || lo.output == "json" {
		items := make([]*v1alpha1.ApplicationSet, 0, len(list.Items))
		for i := range list.Items {
			items = append(items, setForOutput(&list.Items[i]))
		}
		return writeObject(opts.out, lo.output, map[string]any{"apiVersion": "v1", "kind": "List", "items": items})
	}
	if len(list.Items) == 0 {
		where := "namespace " + opts.appNamespace()
		if lo.all {
			where = "any namespace"
		}
		fmt.Fprintf(opts.err, "No ApplicationSets found in %s.\n", where)
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
