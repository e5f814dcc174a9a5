package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/appctl"
)

type appSyncOptions struct {
	prune, dryRun, wait bool
	revision, cacheDir  string
	resources           []string
	timeout             time.Duration
}

func newAppSyncCmd(opts *options) *cobra.Command {
	var so appSyncOptions
	cmd := &cobra.Command{
		Use:   "sync NAME",
		Short: "Request a sync of an Application and optionally follow it",
		Long: `Request a sync by writing the Application's operation, as Argo CD's API server
does; the controller runs it. With --wait the command follows the sync:
each phase and wave as it starts, each resource as it is applied and as it
turns healthy, then a summary; it fails when the sync ends Failed or Error.

A sync is refused while another is requested or running.`,
		Example: `  flotilla app sync guestbook --wait

  # delete what the sources no longer hold, and follow the sync
  flotilla app sync guestbook --prune --wait --timeout 10m

  # only some resources (GROUP:KIND:NAME, GROUP empty for the core group)
  flotilla app sync guestbook --resource apps:Deployment:web --resource :ConfigMap:settings

  # another branch, tag or commit than the app tracks
  flotilla app sync guestbook --revision v1.2.0`,
		Args:              appArg,
		ValidArgsFunction: completeAppNames(opts),
		RunE:              func(cmd *cobra.Command, args []string) error { return runAppSync(cmd, opts, so, args[0]) },
	}
	f := cmd.Flags()
	f.BoolVar(&so.prune, "prune", false, "delete the resources the sources no longer hold")
	f.BoolVar(&so.dryRun, "dry-run", false, "let the controller validate the sync with a server-side dry-run, changing nothing")
	f.StringVar(&so.revision, "revision", "", "sync this branch, tag or commit instead of the tracked revision")
	f.StringArrayVar(&so.resources, "resource", nil, "sync only this resource, as GROUP:KIND:NAME or GROUP:KIND:NAMESPACE/NAME (repeatable)")
	f.BoolVar(&so.wait, "wait", false, "follow the sync until it ends and print its progress")
	f.DurationVar(&so.timeout, "timeout", 5*time.Minute, "with --wait, give up after this long (0: never)")
	f.StringVar(&so.cacheDir, "cache-dir", "", "where a --revision's repository is fetched to resolve it (default: the user cache dir)")
	return cmd
}

func runAppSync(cmd *cobra.Command, opts *options, so appSyncOptions, name string) error {
	resources, err := parseResources(so.resources)
	if err != nil {
		return err
	}
	c, err := opts.appClient()
	if err != nil {
		return err
	}
	ns, ctx := opts.appNamespace(), cmd.Context()
	rev := so.revision
	if rev != "" && !appctl.IsFullSHA(rev) {
		app, err := getApp(ctx, c, ns, name)
		if err != nil {
			return err
		}
		if rev, err = appctl.ResolveRevision(ctx, newAppGenerator(c, so.cacheDir, ns), app, rev); err != nil {
			return err
		}
	}
	_, err = appctl.Sync(ctx, c, ns, name, appctl.SyncOptions{
		Prune: so.prune, DryRun: so.dryRun, Revision: rev, Resources: resources, Username: opts.username(),
	})
	if err != nil {
		return explain(err, ns, name)
	}
	fmt.Fprintf(opts.out, "sync of application %s requested%s\n", name, syncDetails(so, rev, len(resources)))
	if !so.wait {
		return nil
	}
	return followOperation(ctx, opts, c, ns, name, so.timeout)
}

func syncDetails(so appSyncOptions, rev string, resources int) string {
	var d []string
	if rev != "" {
		d = append(d, "revision "+shortRev(rev))
	}
	if so.prune {
		d = append(d, "prune")
	}
	if so.dryRun {
		d = append(d, "dry run")
	}
	if resources > 0 {
		d = append(d, fmt.Sprintf("%d resource(s)", resources))
	}
	if len(d) == 0 {
		return ""
	}
	return " (" + strings.Join(d, ", ") + ")"
}

// parseResources parses --resource GROUP:KIND:NAME (NAME may be
// NAMESPACE/NAME).
func parseResources(specs []string) ([]appctl.Resource, error) {
	var out []appctl.Resource
	for _, s := range specs {
		parts := strings.Split(s, ":")
		if len(parts) != 3 || parts[1] == "" || parts[2] == "" {
			return nil, fmt.Errorf("--resource %q: want GROUP:KIND:NAME (GROUP empty for the core group, NAME may be NAMESPACE/NAME), e.g. apps:Deployment:web", s)
		}
		r := appctl.Resource{Group: parts[0], Kind: parts[1], Name: parts[2]}
		if ns, n, ok := strings.Cut(r.Name, "/"); ok {
			r.Namespace, r.Name = ns, n
		}
		out = append(out, r)
	}
	return out, nil
}

// followOperation prints the progress of the operation just requested
// until it ends, then a summary; it fails unless the operation succeeded.
func followOperation(ctx context.Context, opts *options, c client.Reader, ns, name string, timeout time.Duration) error {
	progress := newSyncProgress(opts.out)
	app, err := pollApp(ctx, c, ns, name, timeout, func(app *v1alpha1.Application) (bool, error) {
		if app == nil {
			return false, appGone(ns, name)
		}
		progress.update(app)
		st := app.Status.OperationState
		return app.Operation == nil && st != nil && st.Phase.Completed(), nil
	})
	if errors.Is(err, errTimeout) {
		return fmt.Errorf("timed out after %s waiting for the sync of application %s: %s", timeout, name, operationStanding(app))
	}
	if err != nil {
		return err
	}
	st := app.Status.OperationState
	fmt.Fprintf(opts.out, "\nOperation %s: %s\n\n", st.Phase, oneLine(st.Message))
	if err := syncResultTable(app).write(opts.out); err != nil {
		return err
	}
	if !st.Phase.Successful() {
		return fmt.Errorf("sync of application %s ended %s: %s", name, st.Phase, oneLine(st.Message))
	}
	return nil
}

// operationStanding says where a followed operation stood.
func operationStanding(app *v1alpha1.Application) string {
	switch {
	case app == nil:
		return "the application could not be read"
	case app.Operation != nil:
		s := "the controller has not started it (is it running and watching this namespace?)"
		for _, c := range app.Status.Conditions {
			if c.IsError() {
				s += fmt.Sprintf("; condition %s: %s", c.Type, oneLine(c.Message))
			}
		}
		return s
	case app.Status.OperationState != nil:
		return withMessage("it is "+string(app.Status.OperationState.Phase), app.Status.OperationState.Message)
	}
	return "no operation state yet"
}
