package cli

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/appset"
)

type appSetDeleteOptions struct {
	yes, wait bool
	timeout   time.Duration
}

func newAppSetDeleteCmd(opts *options) *cobra.Command {
	var do appSetDeleteOptions
	cmd := &cobra.Command{
		Use:   "delete NAME",
		Short: "Delete an ApplicationSet and, unless its policy keeps them, its Applications",
		Long: `Delete the ApplicationSet. Its Applications go with it (Kubernetes garbage
collection, through their owner reference), and their resources with them
unless the set's syncPolicy.preserveResourcesOnDeletion is true. A set
whose applicationsSync policy is create-only or create-update keeps its
Applications: the controller releases them before the set goes. On a
terminal the command asks for confirmation unless --yes.`,
		Example: `  flotilla appset delete guestbook

  # no questions, and wait until the set and its Applications are gone
  flotilla appset delete guestbook --yes --wait`,
		Args:              appSetArg,
		ValidArgsFunction: completeAppSetNames(opts),
		RunE:              func(cmd *cobra.Command, args []string) error { return runAppSetDelete(cmd, opts, do, args[0]) },
	}
	f := cmd.Flags()
	f.BoolVarP(&do.yes, "yes", "y", false, "do not ask for confirmation")
	f.BoolVar(&do.wait, "wait", false, "wait until the set (and the Applications it deletes) are gone")
	f.DurationVar(&do.timeout, "timeout", 5*time.Minute, "with --wait, give up after this long (0: never)")
	return cmd
}

func runAppSetDelete(cmd *cobra.Command, opts *options, do appSetDeleteOptions, name string) error {
	c, err := opts.appClient()
	if err != nil {
		return err
	}
	ns, ctx := opts.appNamespace(), cmd.Context()
	set, err := getAppSet(ctx, c, ns, name)
	if err != nil {
		return err
	}
	owned, err := ownedApps(ctx, c, set)
	if err != nil {
		return err
	}
	fate := appsFate(set, len(owned))
	if !do.yes && isTerminal(os.Stdin) {
		ok, err := confirm(os.Stdin, opts.out, fmt.Sprintf("Delete applicationset %s/%s? %s. [y/N] ", ns, name, fate))
		if err != nil {
			return err
		}
		if !ok {
			fmt.Fprintln(opts.out, "not deleted")
			return nil
		}
	}
	if err := c.Delete(ctx, set, client.Preconditions{UID: &set.UID}); err != nil {
		return explainAppSet(err, ns, name)
	}
	fmt.Fprintf(opts.out, "applicationset %s deleted: %s\n", name, fate)
	if !do.wait {
		return nil
	}
	if err := waitAppSetGone(ctx, c, set, do.timeout); err != nil {
		return fmt.Errorf("%w: see what is left with \"flotilla appset get %s\" and \"flotilla app list\"", err, name)
	}
	return nil
}

// appsFate says what deleting the set does to its n Applications.
func appsFate(set *v1alpha1.ApplicationSet, n int) string {
	policy := appset.Policy(set)
	if !policy.AllowDelete() {
		return fmt.Sprintf("its %d Applications stay (applicationsSync policy %s keeps them)", n, policy)
	}
	if set.Spec.SyncPolicy != nil && set.Spec.SyncPolicy.PreserveResourcesOnDeletion {
		return fmt.Sprintf("its %d Applications are deleted, their resources stay (preserveResourcesOnDeletion)", n)
	}
	return fmt.Sprintf("its %d Applications are deleted with their resources", n)
}

// ownedApps lists the Applications of the set's namespace it controls.
func ownedApps(ctx context.Context, c client.Reader, set *v1alpha1.ApplicationSet) ([]v1alpha1.Application, error) {
	var list v1alpha1.ApplicationList
	if err := c.List(ctx, &list, client.InNamespace(set.Namespace)); err != nil {
		return nil, fmt.Errorf("list applications: %w", err)
	}
	var owned []v1alpha1.Application
	for _, app := range list.Items {
		if appset.Owns(set, &app) {
			owned = append(owned, app)
		}
	}
	return owned, nil
}

// waitAppSetGone waits until the set is gone and, when its policy deletes
// them, its Applications too.
func waitAppSetGone(ctx context.Context, c client.Reader, set *v1alpha1.ApplicationSet, timeout time.Duration) error {
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	var left string
	err := wait.PollUntilContextCancel(ctx, pollInterval, true, func(ctx context.Context) (bool, error) {
		err := c.Get(ctx, client.ObjectKeyFromObject(set), &v1alpha1.ApplicationSet{})
		if client.IgnoreNotFound(err) != nil {
			return false, err
		}
		if err == nil {
			left = "applicationset " + set.Name
			return false, nil
		}
		if !appset.Policy(set).AllowDelete() {
			return true, nil
		}
		owned, err := ownedApps(ctx, c, set)
		if err != nil {
			return false, err
		}
		left = fmt.Sprintf("%d Applications of %s", len(owned), set.Name)
		return len(owned) == 0, nil
	})
	if err != nil && ctx.Err() != nil {
		return fmt.Errorf("timed out after %s waiting for %s to be gone", timeout, left)
	}
	return err
}
