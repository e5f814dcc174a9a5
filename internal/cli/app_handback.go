package cli

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/appctl"
)

type appHandBackOptions struct {
	all      bool
	cacheDir string
}

func newAppHandBackCmd(opts *options) *cobra.Command {
	var ho appHandBackOptions
	cmd := &cobra.Command{
		Use:   "handback [NAME...]",
		Short: "Ready an Application's live objects for Argo CD to manage again",
		Long: `Hand the live objects of Applications back to Argo CD (docs/migrating.md).
For each object an app renders that is live and tracked as the app's, the
fields flotilla holds go to Argo CD's field managers (server-side applied
fields to argocd-controller, others to kubectl-client-side-apply) and
kubectl's last-applied-configuration annotation is set to what flotilla
applies. Argo CD then removes a field that later leaves git, with its
server-side apply and with its client-side apply alike. Nothing else of
an object changes; nothing is re-created.

Stop flotilla's controller first: a running controller takes the fields
back at its next comparison.`,
		Example: `  kubectl -n argocd scale deployment flotilla --replicas=0
  flotilla app handback --all -n argocd
  kubectl -n argocd scale statefulset argocd-application-controller --replicas=1

  # one app
  flotilla app handback guestbook`,
		ValidArgsFunction: completeAppNames(opts),
		RunE: func(cmd *cobra.Command, args []string) error {
			if ho.all == (len(args) > 0) {
				return errors.New("name the applications to hand back, or give --all")
			}
			return runAppHandBack(cmd, opts, ho, args)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&ho.all, "all", false, "hand back every Application of the namespace")
	f.StringVar(&ho.cacheDir, "cache-dir", "", "where fetched repositories and charts are kept (default: the user cache dir)")
	return cmd
}

func runAppHandBack(cmd *cobra.Command, opts *options, ho appHandBackOptions, names []string) error {
	cc, err := opts.clusterClients()
	if err != nil {
		return err
	}
	cfg, c, cluster := cc.cfg, cc.apps, cc.cluster
	ctx, ns := cmd.Context(), opts.appNamespace()
	var apps []*v1alpha1.Application
	if ho.all {
		var list v1alpha1.ApplicationList
		if err := c.List(ctx, &list, client.InNamespace(ns)); err != nil {
			return fmt.Errorf("list applications in %s: %w", ns, err)
		}
		for i := range list.Items {
			apps = append(apps, &list.Items[i])
		}
	}
	for _, name := range names {
		app, err := getApp(ctx, c, ns, name)
		if err != nil {
			return err
		}
		apps = append(apps, app)
	}
	diffOpts := appctl.DiffOptions{Generator: newAppGenerator(c, ho.cacheDir, ns), Cluster: cluster,
		Settings: c, KubeVersion: kubeVersion(cfg), Refresh: true}
	for _, app := range apps {
		done, err := appctl.HandBack(ctx, app, diffOpts)
		if err != nil {
			return fmt.Errorf("hand back application %s: %w", app.Name, err)
		}
		changed := 0
		for _, d := range done {
			if d.Changed {
				changed++
			}
		}
		fmt.Fprintf(opts.out, "application %s: %d object(s) handed back to Argo CD, %d already were\n", app.Name, changed, len(done)-changed)
	}
	return nil
}
