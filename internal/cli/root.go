package cli

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// options are the flags every command shares, as kubectl users expect them.
type options struct {
	kubeconfig string
	context    string
	namespace  string
	out, err   io.Writer
}

// Execute runs the command line and returns the process exit code.
func Execute(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	opts := &options{out: stdout, err: stderr}
	root := newRootCmd(opts)
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	if err := root.ExecuteContext(ctx); err != nil {
		fmt.Fprintln(stderr, "Error:", err)
		var coded interface{ ExitCode() int }
		if ok := asExitCoder(err, &coded); ok {
			return coded.ExitCode()
		}
		return 1
	}
	return 0
}

func newRootCmd(opts *options) *cobra.Command {
	root := &cobra.Command{
		Use:   "flotilla",
		Short: "GitOps continuous delivery for Argo CD Applications, in one small binary",
		Long: `flotilla reconciles Argo CD's argoproj.io/v1alpha1 Applications from git
into Kubernetes clusters: an existing app-of-apps repository works unchanged.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	f := root.PersistentFlags()
	f.StringVar(&opts.kubeconfig, "kubeconfig", "", "path to the kubeconfig file (default: $KUBECONFIG or ~/.kube/config)")
	f.StringVar(&opts.context, "context", "", "the kubeconfig context to use")
	f.StringVarP(&opts.namespace, "namespace", "n", "", "namespace of the Applications (default: the context's namespace, else argocd)")
	root.AddCommand(newAppCmd(opts), newAppSetCmd(opts), newBootstrapCmd(opts), newControllerCmd(opts), newRenderCmd(opts), newDiffCmd(opts), newServeCmd(opts), newVersionCmd(opts))
	return root
}

// clientConfig loads the kubeconfig as kubectl does.
func (o *options) clientConfig() clientcmd.ClientConfig {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	rules.ExplicitPath = o.kubeconfig
	overrides := &clientcmd.ConfigOverrides{CurrentContext: o.context}
	return clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, overrides)
}

func (o *options) restConfig() (*rest.Config, error) {
	cfg, err := o.clientConfig().ClientConfig()
	if err != nil {
		return nil, fmt.Errorf("load kubeconfig: %w", err)
	}
	return cfg, nil
}

// appNamespace is -n, else the kubeconfig context's namespace when it sets
// one, else argocd (where Argo CD users keep their Applications).
func (o *options) appNamespace() string {
	if o.namespace != "" {
		return o.namespace
	}
	if ns, overridden, err := o.clientConfig().Namespace(); err == nil && overridden {
		return ns
	}
	return "argocd"
}
