package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/appctl"
	"flotilla.dev/flotilla/internal/apply"
)

func newAppCmd(opts *options) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "app",
		Short: "List, inspect, diff, sync and roll back Applications, as `argocd app` does",
		Long: `Work with Argo CD Applications through the Kubernetes API directly: no Argo CD
API server is needed, only a kubeconfig that may read and write Applications.
Actions (sync, rollback, refresh, delete) write the Application and leave
the work to the controller, as Argo CD's API server does.`,
		Example: `  flotilla app list -A
  flotilla app get guestbook --tree
  flotilla app diff guestbook
  flotilla app sync guestbook --prune --wait`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.AddCommand(newAppListCmd(opts), newAppGetCmd(opts), newAppDiffCmd(opts), newAppSyncCmd(opts),
		newAppWaitCmd(opts), newAppHistoryCmd(opts), newAppRollbackCmd(opts), newAppRefreshCmd(opts),
		newAppDeleteCmd(opts), newAppHandBackCmd(opts))
	return cmd
}

// appClient returns a client for the kubeconfig that knows Applications.
func (o *options) appClient() (client.Client, error) {
	cfg, err := o.restConfig()
	if err != nil {
		return nil, err
	}
	return appctl.NewClient(cfg)
}

// clusterClients are the kubeconfig's REST config, a client that knows
// Applications and an apply client for any kind: what a command that reads
// apps and their live objects needs.
type clusterClients struct {
	cfg     *rest.Config
	apps    client.Client
	cluster *apply.Client
}

func (o *options) clusterClients() (clusterClients, error) {
	cfg, err := o.restConfig()
	if err != nil {
		return clusterClients{}, err
	}
	c, err := appctl.NewClient(cfg)
	if err != nil {
		return clusterClients{}, err
	}
	cluster, err := apply.NewForConfig(cfg)
	if err != nil {
		return clusterClients{}, err
	}
	return clusterClients{cfg: cfg, apps: c, cluster: cluster}, nil
}

// username names who asks for an operation: the kubeconfig context's user,
// else $USER.
func (o *options) username() string {
	raw, err := o.clientConfig().RawConfig()
	if err == nil {
		name := o.context
		if name == "" {
			name = raw.CurrentContext
		}
		if c, ok := raw.Contexts[name]; ok && c.AuthInfo != "" {
			return c.AuthInfo
		}
	}
	return os.Getenv("USER")
}

// explain turns API errors about an app into advice.
func explain(err error, namespace, name string) error {
	switch {
	case err == nil:
		return nil
	case apierrors.IsNotFound(err):
		return fmt.Errorf("application %q not found in namespace %s: list them with \"flotilla app list -A\"", name, namespace)
	case errors.Is(err, appctl.ErrOperationInProgress):
		return fmt.Errorf("%w; wait for it with \"flotilla app wait %s --operation\"", err, name)
	case apierrors.IsForbidden(err):
		return fmt.Errorf("%w: the kubeconfig's user may not do this with Applications in namespace %s", err, namespace)
	}
	return err
}

// appGone is the advice for an Application that is not (or no longer)
// there.
func appGone(namespace, name string) error {
	return explain(apierrors.NewNotFound(v1alpha1.Resource(v1alpha1.ApplicationPlural), name), namespace, name)
}

// getApp reads one Application, with advice when it is missing.
func getApp(ctx context.Context, c client.Reader, namespace, name string) (*v1alpha1.Application, error) {
	app, err := appctl.Get(ctx, c, namespace, name)
	return app, explain(err, namespace, name)
}

// completeAppNames completes the first argument with the names of the
// Applications in the namespace.
func completeAppNames(opts *options) func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	return completeNames(opts, &v1alpha1.ApplicationList{})
}

// completeNames completes the first argument with the names of the
// objects of list's kind in the namespace.
func completeNames(opts *options, list client.ObjectList) func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		if len(args) > 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		c, err := opts.appClient()
		if err != nil {
			return nil, cobra.ShellCompDirectiveError
		}
		ctx, cancel := context.WithTimeout(cmd.Context(), 5*time.Second)
		defer cancel()
		if err := c.List(ctx, list, client.InNamespace(opts.appNamespace())); err != nil {
			return nil, cobra.ShellCompDirectiveError
		}
		var names []string
		_ = meta.EachListItem(list, func(o runtime.Object) error {
			if name := o.(client.Object).GetName(); strings.HasPrefix(name, toComplete) {
				names = append(names, name)
			}
			return nil
		})
		sort.Strings(names)
		return names, cobra.ShellCompDirectiveNoFileComp
	}
}

// appArg is the Args check of commands taking one application name.
func appArg(cmd *cobra.Command, args []string) error {
	if len(args) != 1 {
		return fmt.Errorf("%s needs exactly one application name (see %q)", cmd.CommandPath(), cmd.CommandPath()+" --help")
	}
	return nil
}
