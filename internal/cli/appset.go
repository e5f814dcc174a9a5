package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/appset"
	"flotilla.dev/flotilla/internal/controller"
)

func newAppSetCmd(opts *options) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "appset",
		Aliases: []string{"appsets", "applicationset"},
		Short:   "List, inspect and delete ApplicationSets; generate and diff them without a cluster",
		Long: `Work with Argo CD ApplicationSets. list, get and delete read and write them
through the Kubernetes API, as the app commands do. generate and diff need
no cluster: they run a set's generators on files (the set, and the cluster
Secrets and ConfigMaps its generators read) and print the Applications it
would create, or how they would change with another revision of its git
generators.`,
		Example: `  flotilla appset list -A
  flotilla appset get guestbook
  flotilla appset generate -f guestbook-set.yaml -o name
  flotilla appset diff -f guestbook-set.yaml --local .`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.AddCommand(newAppSetListCmd(opts), newAppSetGetCmd(opts), newAppSetDeleteCmd(opts),
		newAppSetGenerateCmd(opts), newAppSetDiffCmd(opts))
	return cmd
}

// explainAppSet turns API errors about a set into advice.
func explainAppSet(err error, namespace, name string) error {
	switch {
	case err == nil:
		return nil
	case apierrors.IsNotFound(err):
		return fmt.Errorf("applicationset %q not found in namespace %s: list them with \"flotilla appset list -A\"", name, namespace)
	case apierrors.IsForbidden(err):
		return fmt.Errorf("%w: the kubeconfig's user may not do this with ApplicationSets in namespace %s", err, namespace)
	}
	return err
}

// getAppSet reads one ApplicationSet, with advice when it is missing.
func getAppSet(ctx context.Context, c client.Reader, namespace, name string) (*v1alpha1.ApplicationSet, error) {
	set := &v1alpha1.ApplicationSet{}
	if err := c.Get(ctx, client.ObjectKey{Namespace: namespace, Name: name}, set); err != nil {
		return nil, explainAppSet(err, namespace, name)
	}
	return set, nil
}

// appSetArg is the Args check of commands taking one ApplicationSet name.
func appSetArg(cmd *cobra.Command, args []string) error {
	if len(args) != 1 {
		return fmt.Errorf("%s needs exactly one applicationset name (see %q)", cmd.CommandPath(), cmd.CommandPath()+" --help")
	}
	return nil
}

// completeAppSetNames completes the first argument with the names of the
// ApplicationSets in the namespace.
func completeAppSetNames(opts *options) func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	return completeNames(opts, &v1alpha1.ApplicationSetList{})
}

// offlineNamespace is where generate, diff and render put ApplicationSets
// that name no namespace: -n, else argocd. It does not read the
// kubeconfig, so these commands behave the same on every machine.
func (o *options) offlineNamespace() string {
	if o.namespace != "" {
		return o.namespace
	}
	return "argocd"
}

// setForOutput is a copy of set fit for -o yaml|json: kind and apiVersion
// set, managedFields left out.
func setForOutput(set *v1alpha1.ApplicationSet) *v1alpha1.ApplicationSet {
	out := set.DeepCopy()
	out.APIVersion, out.Kind = v1alpha1.SchemeGroupVersion.String(), v1alpha1.ApplicationSetKind
	out.ManagedFields = nil
	return out
}

// generatorKinds names a set's generators, matrix and merge with their
// children: "list,matrix(git,clusters)".
func generatorKinds(gens []v1alpha1.ApplicationSetGenerator) string {
	kinds := make([]string, 0, len(gens))
	for _, g := range gens {
		n := v1alpha1.ApplicationSetNestedGenerator{List: g.List, Clusters: g.Clusters, Git: g.Git, SCMProvider: g.SCMProvider,
			ClusterDecisionResource: g.ClusterDecisionResource, PullRequest: g.PullRequest, Plugin: g.Plugin}
		switch {
		case g.Matrix != nil:
			kinds = append(kinds, "matrix("+nestedKinds(g.Matrix.Generators)+")")
		case g.Merge != nil:
			kinds = append(kinds, "merge("+nestedKinds(g.Merge.Generators)+")")
		default:
			kinds = append(kinds, nestedKind(n))
		}
	}
	return strings.Join(kinds, ",")
}

func nestedKinds(gens []v1alpha1.ApplicationSetNestedGenerator) string {
	kinds := make([]string, 0, len(gens))
	for _, g := range gens {
		kinds = append(kinds, nestedKind(g))
	}
	return strings.Join(kinds, ",")
}

// nestedKind names one generator below a matrix or merge; a matrix or
// merge there is named with its (terminal) children.
func nestedKind(g v1alpha1.ApplicationSetNestedGenerator) string {
	if m, err := v1alpha1.ToNestedMatrixGenerator(g.Matrix); err == nil && m != nil {
		return "matrix(" + nestedKinds(m.ToMatrixGenerator().Generators) + ")"
	}
	if m, err := v1alpha1.ToNestedMergeGenerator(g.Merge); err == nil && m != nil {
		return "merge(" + nestedKinds(m.ToMergeGenerator().Generators) + ")"
	}
	named := []struct {
		set  bool
		kind string
	}{
		{g.List != nil, "list"}, {g.Clusters != nil, "clusters"}, {g.Git != nil, "git"},
		{g.SCMProvider != nil, "scmProvider"}, {g.ClusterDecisionResource != nil, "clusterDecisionResource"},
		{g.PullRequest != nil, "pullRequest"}, {g.Plugin != nil, "plugin"},
	}
	for _, n := range named {
		if n.set {
			return n.kind
		}
	}
	return "?"
}

// appSetState is a set's condition in one phrase: the error or held
// deletions its conditions report, "UpToDate" otherwise, "-" before the
// controller looked at it.
func appSetState(set *v1alpha1.ApplicationSet) string {
	for _, typ := range []v1alpha1.ApplicationSetConditionType{v1alpha1.ApplicationSetConditionErrorOccurred, controller.ConditionDeletionsHeld} {
		for _, c := range set.Status.Conditions {
			if c.Type == typ && c.Status == v1alpha1.ApplicationSetConditionStatusTrue {
				return oneLine(c.Message)
			}
		}
	}
	if len(set.Status.Conditions) == 0 {
		return "-"
	}
	return "UpToDate"
}

// appSetStrategy is the set's rollout strategy: AllAtOnce, or RollingSync
// with its number of steps.
func appSetStrategy(set *v1alpha1.ApplicationSet) string {
	if appset.RollingSync(set) {
		return fmt.Sprintf("RollingSync (%d steps)", len(set.Spec.Strategy.RollingSync.Steps))
	}
	if s := set.Spec.Strategy; s != nil && s.Type != "" {
		return s.Type
	}
	return "AllAtOnce"
}

// appSetSyncPolicy is the applicationsSync policy, with
// preserve-resources when the Applications' resources outlive them.
func appSetSyncPolicy(set *v1alpha1.ApplicationSet) string {
	s := string(appset.Policy(set))
	if set.Spec.SyncPolicy != nil && set.Spec.SyncPolicy.PreserveResourcesOnDeletion {
		s += ",preserve-resources"
	}
	return s
}

// appSetCount is the number of Applications the set's status counts.
func appSetCount(set *v1alpha1.ApplicationSet) int64 {
	return max(set.Status.ResourcesCount, int64(len(set.Status.Resources)))
}
