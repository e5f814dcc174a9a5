package cli

import (
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/appctl"
)

type appRefreshOptions struct {
	hard, wait bool
	timeout    time.Duration
}

func newAppRefreshCmd(opts *options) *cobra.Command {
	var ro appRefreshOptions
	cmd := &cobra.Command{
		Use:   "refresh NAME",
		Short: "Ask the controller to compare an Application with git and the cluster now",
		Long: `Set the argocd.argoproj.io/refresh annotation, as Argo CD does: the controller
resolves the app's revisions again and compares at once instead of at its
next poll, then removes the annotation. --hard also renders again.`,
		Example: `  flotilla app refresh guestbook

  # and wait until the controller has done it
  flotilla app refresh guestbook --hard --wait`,
		Args:              appArg,
		ValidArgsFunction: completeAppNames(opts),
		RunE: func(cmd *cobra.Command, args []string) error {
			name := args[0]
			c, err := opts.appClient()
			if err != nil {
				return err
			}
			ns := opts.appNamespace()
			if err := appctl.Refresh(cmd.Context(), c, ns, name, ro.hard); err != nil {
				return explain(err, ns, name)
			}
			kind := "refresh"
			if ro.hard {
				kind = "hard refresh"
			}
			fmt.Fprintf(opts.out, "%s of application %s requested\n", kind, name)
			if !ro.wait {
				return nil
			}
			app, err := pollApp(cmd.Context(), c, ns, name, ro.timeout, func(app *v1alpha1.Application) (bool, error) {
				if app == nil {
					return false, appGone(ns, name)
				}
				_, asked := app.Annotations[appctl.RefreshAnnotation]
				return !asked, nil
			})
			if errors.Is(err, errTimeout) {
				return fmt.Errorf("timed out after %s waiting for the controller to refresh application %s (the %s annotation is still set)", ro.timeout, name, appctl.RefreshAnnotation)
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(opts.out, "application %s: %s, %s\n", name, orDash(string(app.Status.Sync.Status)), orDash(string(app.Status.Health.Status)))
			return nil
		},
	}
	f := cmd.Flags()
	f.BoolVar(&ro.hard, "hard", false, "render the sources again too, not only resolve revisions")
	f.BoolVar(&ro.wait, "wait", false, "wait until the controller has refreshed the app")
	f.DurationVar(&ro.timeout, "timeout", time.Minute, "with --wait, give up after this long (0: never)")
	return cmd
}
