// Command demo is the README's main job: it starts a local control plane,
// publishes examples/demo to a local git repository, runs `flotilla
// controller` against the plane, applies the app-of-apps root Application,
// shows the apps becoming Synced and Healthy and serves the web UI
// (`flotilla serve`).
//
//	go run ./hack/demo --flotilla bin/flotilla [--exit-when-healthy]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	var opts options
	flag.StringVar(&opts.flotilla, "flotilla", "bin/flotilla", "the flotilla binary to run as the controller")
	flag.StringVar(&opts.example, "example", "examples/demo", "the example repository to publish")
	flag.BoolVar(&opts.exitWhenHealthy, "exit-when-healthy", false, "stop everything and exit 0 once every app is Synced and Healthy")
	flag.DurationVar(&opts.timeout, "timeout", 3*time.Minute, "how long the apps may take to become Synced and Healthy")
	flag.StringVar(&opts.uiAddr, "ui-addr", "127.0.0.1:8080", "where `flotilla serve` serves the web UI")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, opts)
	stop()
	if err != nil && !errors.Is(err, context.Canceled) {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

type options struct {
	flotilla        string
	example         string
	exitWhenHealthy bool
	timeout         time.Duration
	uiAddr          string
}

func run(ctx context.Context, opts options) error {
	d, err := startDemo(ctx, opts)
	if d != nil {
		defer d.close()
	}
	if err != nil {
		return err
	}
	if err := d.applyRoot(ctx); err != nil {
		return err
	}
	if err := d.watchUntilHealthy(ctx, opts.timeout); err != nil {
		return err
	}
	if err := d.checkUI(ctx); err != nil {
		return err
	}
	if opts.exitWhenHealthy {
		return nil
	}
	fmt.Printf("\nThe demo keeps running.\n  web UI:  %s  (paste the token %s to sync)\n  CLI:     export KUBECONFIG=%s\n           bin/flotilla app list; bin/flotilla app get root --tree\n  kubectl: kubectl get applications -n argocd\nPress Ctrl-C to stop.\n",
		d.uiURL, d.uiToken, d.plane.KubeconfigPath())
	<-ctx.Done()
	return nil
}
