package cli

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/appctl"
)

func newAppHistoryCmd(opts *options) *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "history NAME",
		Short: "List an Application's successful syncs, oldest first",
		Example: `  flotilla app history guestbook

  # go back to the sync with ID 3
  flotilla app rollback guestbook 3`,
		Args:              appArg,
		ValidArgsFunction: completeAppNames(opts),
		RunE: func(cmd *cobra.Command, args []string) error {
			if output != "" && output != "yaml" && output != "json" {
				return fmt.Errorf("unknown output format %q: use yaml or json", output)
			}
			c, err := opts.appClient()
			if err != nil {
				return err
			}
			app, err := getApp(cmd.Context(), c, opts.appNamespace(), args[0])
			if err != nil {
				return err
			}
			if output != "" {
				return writeObject(opts.out, output, app.Status.History)
			}
			if len(app.Status.History) == 0 {
				fmt.Fprintf(opts.err, "Application %s has no history yet: it was never synced successfully.\n", args[0])
				return nil
			}
			return historyTable(app.Status.History).write(opts.out)
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "", "output format: yaml or json (default: a table)")
	return cmd
}

func historyTable(h v1alpha1.RevisionHistories) *table {
	t := &table{}
	t.row("ID", "DATE", "REVISION(S)", "SOURCE")
	for _, e := range h {
		revs := e.Revisions
		if len(revs) == 0 {
			revs = []string{e.Revision}
		}
		srcs := e.Sources
		if len(srcs) == 0 {
			srcs = v1alpha1.ApplicationSources{e.Source}
		}
		var src []string
		for _, s := range srcs {
			src = append(src, sourceSummary(s))
		}
		t.row(strconv.FormatInt(e.ID, 10), e.DeployedAt.UTC().Format(time.RFC3339), strings.Join(revs, ","), strings.Join(src, ", "))
	}
	return t
}

type appRollbackOptions struct {
	prune, wait bool
	timeout     time.Duration
}

func newAppRollbackCmd(opts *options) *cobra.Command {
	var ro appRollbackOptions
	cmd := &cobra.Command{
		Use:   "rollback NAME [ID]",
		Short: "Sync an Application back to the revision of a history entry",
		Long: `Sync the Application to the revision(s) of history entry ID (see "flotilla app
history"); without ID, to the entry before the last. As in Argo CD, a
rollback is refused while automated sync is on, because the next automated
sync would undo it.`,
		Example: `  flotilla app history guestbook
  flotilla app rollback guestbook 3 --wait

  # the previous successful sync, deleting what it did not have
  flotilla app rollback guestbook --prune --wait`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) < 1 || len(args) > 2 {
				return fmt.Errorf("%s needs an application name and optionally a history ID", cmd.CommandPath())
			}
			return nil
		},
		ValidArgsFunction: completeAppNames(opts),
		RunE:              func(cmd *cobra.Command, args []string) error { return runAppRollback(cmd, opts, ro, args) },
	}
	f := cmd.Flags()
	f.BoolVar(&ro.prune, "prune", false, "delete the resources the old revision does not hold")
	f.BoolVar(&ro.wait, "wait", false, "follow the sync until it ends and print its progress")
	f.DurationVar(&ro.timeout, "timeout", 5*time.Minute, "with --wait, give up after this long (0: never)")
	return cmd
}

func runAppRollback(cmd *cobra.Command, opts *options, ro appRollbackOptions, args []string) error {
	name := args[0]
	c, err := opts.appClient()
	if err != nil {
		return err
	}
	ns, ctx := opts.appNamespace(), cmd.Context()
	var id int64
	if len(args) == 2 {
		if id, err = strconv.ParseInt(args[1], 10, 64); err != nil {
			return fmt.Errorf("history ID %q is not a number: see the IDs with \"flotilla app history %s\"", args[1], name)
		}
	} else {
		app, err := getApp(ctx, c, ns, name)
		if err != nil {
			return err
		}
		h := app.Status.History
		if len(h) < 2 {
			return fmt.Errorf("application %s has %d history entries: nothing to roll back to", name, len(h))
		}
		id = h[len(h)-2].ID
	}
	app, err := appctl.RollbackWith(ctx, c, ns, name, appctl.RollbackOptions{ID: id, Prune: ro.prune, Username: opts.username()})
	if err != nil {
		return explain(err, ns, name)
	}
	fmt.Fprintf(opts.out, "rollback of application %s to history entry %d (revision %s) requested\n", name, id, shortRev(app.Operation.Sync.Revision))
	if !ro.wait {
		return nil
	}
	return followOperation(ctx, opts, c, ns, name, ro.timeout)
}
