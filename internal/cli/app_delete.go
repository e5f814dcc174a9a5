package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/appctl"
)

type appDeleteOptions struct {
	cascade, yes, wait bool
	timeout            time.Duration
}

func newAppDeleteCmd(opts *options) *cobra.Command {
	var do appDeleteOptions
	cmd := &cobra.Command{
		Use:   "delete NAME",
		Short: "Delete an Application, and with --cascade (the default) its resources",
		Long: `Delete the Application. With --cascade (the default) the resources finalizer
is set first, so the controller deletes every resource the app tracks
before the Application goes; --cascade=false removes the finalizer and
leaves the resources in the cluster. On a terminal the command asks for
confirmation unless --yes.`,
		Example: `  flotilla app delete guestbook

  # keep the resources, no questions, and wait until it is gone
  flotilla app delete guestbook --cascade=false --yes --wait`,
		Args:              appArg,
		ValidArgsFunction: completeAppNames(opts),
		RunE:              func(cmd *cobra.Command, args []string) error { return runAppDelete(cmd, opts, do, args[0]) },
	}
	f := cmd.Flags()
	f.BoolVar(&do.cascade, "cascade", true, "delete the app's resources too")
	f.BoolVarP(&do.yes, "yes", "y", false, "do not ask for confirmation")
	f.BoolVar(&do.wait, "wait", false, "wait until the Application (and with --cascade its resources) is gone")
	f.DurationVar(&do.timeout, "timeout", 5*time.Minute, "with --wait, give up after this long (0: never)")
	return cmd
}

func runAppDelete(cmd *cobra.Command, opts *options, do appDeleteOptions, name string) error {
	c, err := opts.appClient()
	if err != nil {
		return err
	}
	ns, ctx := opts.appNamespace(), cmd.Context()
	if _, err := getApp(ctx, c, ns, name); err != nil {
		return err
	}
	if !do.yes && isTerminal(os.Stdin) {
		ok, err := confirm(os.Stdin, opts.out, deletePrompt(ns, name, do.cascade))
		if err != nil {
			return err
		}
		if !ok {
			fmt.Fprintln(opts.out, "not deleted")
			return nil
		}
	}
	if err := appctl.Delete(ctx, c, ns, name, do.cascade); err != nil {
		return explain(err, ns, name)
	}
	fmt.Fprintf(opts.out, "application %s deleted%s\n", name, map[bool]string{true: " (its resources are being deleted)", false: " (its resources stay)"}[do.cascade])
	if !do.wait {
		return nil
	}
	_, err = pollApp(ctx, c, ns, name, do.timeout, func(app *v1alpha1.Application) (bool, error) { return app == nil, nil })
	if errors.Is(err, errTimeout) {
		return fmt.Errorf("timed out after %s waiting for application %s to be gone: see what is left with \"flotilla app get %s\"", do.timeout, name, name)
	}
	return err
}

func deletePrompt(ns, name string, cascade bool) string {
	what := "and every resource it manages"
	if !cascade {
		what = "and leave its resources in the cluster"
	}
	return fmt.Sprintf("Delete application %s/%s %s? [y/N] ", ns, name, what)
}

// confirm asks a yes/no question; anything but y or yes is no.
func confirm(in io.Reader, out io.Writer, prompt string) (bool, error) {
	fmt.Fprint(out, prompt)
	line, err := bufio.NewReader(in).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return false, fmt.Errorf("read answer: %w", err)
	}
	answer := strings.ToLower(strings.TrimSpace(line))
	return answer == "y" || answer == "yes", nil
}
