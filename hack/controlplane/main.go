// Command controlplane starts the local test control plane (package
// internal/controlplane) for humans: it prints an export line for
// KUBECONFIG and runs until Ctrl-C, then stops everything.
//
//	go run ./hack/controlplane [-nodes 3] [-dir /tmp/cp] [-bin DIR] [-v]
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"flotilla.dev/flotilla/internal/controlplane"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "controlplane:", err)
		os.Exit(1)
	}
}

func run() error {
	var opts controlplane.Options
	verbose := flag.Bool("v", false, "copy component logs to stderr instead of files in DIR/logs")
	flag.IntVar(&opts.Nodes, "nodes", 1, "number of fake kwok nodes")
	flag.StringVar(&opts.Dir, "dir", "", "work dir, kept after exit (default: a temp dir, removed on exit)")
	flag.StringVar(&opts.BinDir, "bin", "", "dir of the binaries built by hack/build-controlplane.sh (default: found automatically)")
	flag.DurationVar(&opts.Timeout, "timeout", controlplane.DefaultTimeout, "how long to wait for each component")
	flag.Parse()
	if *verbose {
		opts.Log = os.Stderr
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	p, err := controlplane.Start(ctx, opts)
	if err != nil {
		return err
	}
	printReady(os.Stderr, p)
	fmt.Printf("export KUBECONFIG=%s\n", p.KubeconfigPath())

	<-ctx.Done()
	fmt.Fprintln(os.Stderr, "stopping control plane")
	return p.Stop()
}

func printReady(w io.Writer, p *controlplane.Plane) {
	fmt.Fprintf(w, "control plane at %s ready in %s\n", p.Host(), p.StartupDuration().Round(time.Millisecond))
	for _, ph := range p.Phases() {
		fmt.Fprintf(w, "  %-24s %s\n", ph.Name, ph.Took.Round(time.Millisecond))
	}
	fmt.Fprintf(w, "nodes %v, work dir %s; Ctrl-C stops it\n", p.NodeNames(), p.Dir())
}
