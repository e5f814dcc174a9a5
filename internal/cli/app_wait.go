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

// pollInterval is how often waiting commands read the Application.
const pollInterval = 250 * time.Millisecond

// requestTimeout bounds each read of a waiting command.
const requestTimeout = 30 * time.Second

// errTimeout ends a wait that ran out of time.
var errTimeout = errors.New("timed out")

// pollApp reads the Application every pollInterval and hands it to check
// (nil once it does not exist) until check is done or fails, or timeout
// (0: none) passes, which returns errTimeout and the last Application read.
func pollApp(ctx context.Context, c client.Reader, namespace, name string, timeout time.Duration,
	check func(*v1alpha1.Application) (bool, error)) (*v1alpha1.Application, error) {
	var deadline <-chan time.Time
	if timeout > 0 {
		timer := time.NewTimer(timeout)
		defer timer.Stop()
		deadline = timer.C
	}
	ticker := time.NewTicker(pollInterval)
	defer ticker.Stop()
	var last *v1alpha1.Application
	for {
		reqCtx, cancel := context.WithTimeout(ctx, requestTimeout)
		app, err := appctl.Get(reqCtx, c, namespace, name)
		cancel()
		if client.IgnoreNotFound(err) != nil {
			return last, err
		}
		if err != nil {
			app = nil
		}
		done, err := check(app)
		if err != nil || done {
			return app, err
		}
		last = app
		select {
		case <-ctx.Done():
			return last, ctx.Err()
		case <-deadline:
			return last, errTimeout
		case <-ticker.C:
		}
	}
}

type appWaitOptions struct {
	health, sync, operation bool
	timeout                 time.Duration
}

func newAppWaitCmd(opts *options) *cobra.Command {
	var wo appWaitOptions
	cmd := &cobra.Command{
		Use:   "wait NAME",
		Short: "Wait until an Application is healthy, synced and/or done with its operation",
		Long: `Wait until the Application meets the conditions given (all three when none
is): --health (Healthy), --sync (Synced), --operation (no sync requested or
running). A sync that ends Failed fails --operation. On timeout the
command fails and says what it still waited for.`,
		Example: `  flotilla app wait guestbook
  flotilla app wait guestbook --health --timeout 2m
  flotilla app wait guestbook --operation`,
		Args:              appArg,
		ValidArgsFunction: completeAppNames(opts),
		RunE:              func(cmd *cobra.Command, args []string) error { return runAppWait(cmd, opts, wo, args[0]) },
	}
	f := cmd.Flags()
	f.BoolVar(&wo.health, "health", false, "wait until the app is Healthy")
	f.BoolVar(&wo.sync, "sync", false, "wait until the app is Synced")
	f.BoolVar(&wo.operation, "operation", false, "wait until no sync is requested or running")
	f.DurationVar(&wo.timeout, "timeout", 5*time.Minute, "give up after this long (0: never)")
	return cmd
}

func runAppWait(cmd *cobra.Command, opts *options, wo appWaitOptions, name string) error {
	if !wo.health && !wo.sync && !wo.operation {
		wo.health, wo.sync, wo.operation = true, true, true
	}
	c, err := opts.appClient()
	if err != nil {
		return err
	}
	ns := opts.appNamespace()
	app, err := pollApp(cmd.Context(), c, ns, name, wo.timeout, func(app *v1alpha1.Application) (bool, error) {
		if app == nil {
			return false, appGone(ns, name)
		}
		pending, err := pendingConditions(app, wo)
		return len(pending) == 0, err
	})
	if errors.Is(err, errTimeout) {
		pending := []string{"the application to be read"}
		if app != nil {
			pending, _ = pendingConditions(app, wo)
		}
		return fmt.Errorf("timed out after %s waiting for application %s: %s", wo.timeout, name, strings.Join(pending, "; "))
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(opts.out, "application %s: %s, %s\n", name, orDash(string(app.Status.Sync.Status)), orDash(string(app.Status.Health.Status)))
	return nil
}

// pendingConditions says which wanted conditions do not hold yet; a sync
// that ended unsuccessfully is an error when the operation is waited for.
func pendingConditions(app *v1alpha1.Application, wo appWaitOptions) ([]string, error) {
	var pending []string
	if wo.sync && app.Status.Sync.Status != v1alpha1.SyncStatusCodeSynced {
		pending = append(pending, fmt.Sprintf("sync is %s (want Synced)", orUnknown(string(app.Status.Sync.Status))))
	}
	if wo.health && app.Status.Health.Status != v1alpha1.HealthStatusHealthy {
		pending = append(pending, fmt.Sprintf("health is %s (want Healthy)", orUnknown(string(app.Status.Health.Status))))
	}
	if wo.operation {
		if why := appctl.OperationInProgress(app); why != "" {
			pending = append(pending, "operation: "+why)
		} else if st := app.Status.OperationState; st != nil && !st.Phase.Successful() {
			return nil, fmt.Errorf("the last sync of application %s ended %s: %s", app.Name, st.Phase, oneLine(st.Message))
		}
	}
	for _, c := range app.Status.Conditions {
		if c.IsError() && len(pending) > 0 {
			pending = append(pending, fmt.Sprintf("condition %s: %s", c.Type, oneLine(c.Message)))
		}
	}
	return pending, nil
}

func orUnknown(s string) string {
	if s == "" {
		return "not known yet"
	}
	return s
}
