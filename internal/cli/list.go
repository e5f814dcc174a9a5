package cli

import (
	"fmt"
	"sort"

	"github.com/spf13/pflag"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// listOptions are the flags every `… list` command shares.
type listOptions struct {
	output, selector string
	all              bool
}

func (lo *listOptions) addFlags(f *pflag.FlagSet, kinds string) {
	f.StringVarP(&lo.output, "output", "o", "", "output format: wide, yaml or json (default: a table)")
	f.StringVarP(&lo.selector, "selector", "l", "", "label selector (key=value,key!=value,…)")
	f.BoolVarP(&lo.all, "all-namespaces", "A", false, "list the "+kinds+" of every namespace")
}

// query checks the flags and turns them into list options.
func (lo listOptions) query(opts *options) ([]client.ListOption, error) {
	switch lo.output {
	case "", "wide", "yaml", "json":
	default:
		return nil, fmt.Errorf("unknown output format %q: use wide, yaml or json", lo.output)
	}
	sel, err := labels.Parse(lo.selector)
	if err != nil {
		return nil, fmt.Errorf("label selector %q: %w", lo.selector, err)
	}
	q := []client.ListOption{client.MatchingLabelsSelector{Selector: sel}}
	if !lo.all {
		q = append(q, client.InNamespace(opts.appNamespace()))
	}
	return q, nil
}

// structured reports whether the list is printed as YAML or JSON.
func (lo listOptions) structured() bool { return lo.output == "yaml" || lo.output == "json" }

// noneFound says that nothing was found where the list looked.
func (lo listOptions) noneFound(opts *options, kinds string) {
	where := "namespace " + opts.appNamespace()
	if lo.all {
		where = "any namespace"
	}
	fmt.Fprintf(opts.err, "No %s found in %s.\n", kinds, where)
}

// writeList prints items as a kubectl-style List.
func (lo listOptions) writeList(opts *options, items any) error {
	return writeObject(opts.out, lo.output, map[string]any{"apiVersion": "v1", "kind": "List", "items": items})
}

// sortByNamespaceName sorts objects by namespace, then name.
func sortByNamespaceName[T any, P interface {
	*T
	client.Object
}](items []T) {
	sort.Slice(items, func(i, j int) bool {
		a, b := P(&items[i]), P(&items[j])
		if a.GetNamespace() != b.GetNamespace() {
			return a.GetNamespace() < b.GetNamespace()
		}
		return a.GetName() < b.GetName()
	})
}
