// Command fleetbench measures flotilla on a fleet of Applications, on the
// local control plane:
//
//   - the time from creating one root Application to all N children
//     (each a ConfigMap and a Deployment of one replica, from a local git
//     repository) being Synced and Healthy, and the rate of objects that
//     makes;
//   - the controller's CPU seconds for one full resync of the fleet with
//     nothing changed;
//   - the controller's peak resident memory;
//   - the latency from a git push webhook to the changed object applied,
//     p50 and p95 over a number of pushes;
//   - the same objects applied by a bare server-side-apply client, as the
//     limit to compare with.
//
// Run it with `make bench-fleet` or:
//
//	go run ./hack/fleetbench --flotilla bin/flotilla -n 1000
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

type options struct {
	flotilla string
	apps     int
	pushes   int
	workers  int
	qps      int
	timeout  time.Duration
	poll     time.Duration
	profile  string
	appSet   bool
}

func main() {
	var o options
	flag.StringVar(&o.flotilla, "flotilla", "bin/flotilla", "the flotilla binary to run as the controller")
	flag.IntVar(&o.apps, "n", 1000, "number of Applications in the fleet")
	flag.IntVar(&o.pushes, "pushes", 20, "git pushes sent through the webhook")
	flag.IntVar(&o.workers, "workers", 8, "Applications the controller reconciles in parallel (and the bare client's parallel applies)")
	flag.IntVar(&o.qps, "qps", 200, "Kubernetes API requests per second, for the controller and the bare client alike")
	flag.DurationVar(&o.poll, "poll-interval", 60*time.Second, "the controller's poll interval: one full resync of the fleet each")
	flag.DurationVar(&o.timeout, "timeout", 15*time.Minute, "how long the fleet may take to become Synced and Healthy")
	flag.StringVar(&o.profile, "cpuprofile", "", "write the controller's CPU profiles of the fleet's first 30s of syncing and of the resync window to PREFIX-sync.pprof and PREFIX-resync.pprof")
	flag.BoolVar(&o.appSet, "appset", false, "benchmark one git-directories ApplicationSet over the N app directories instead of an app-of-apps root")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, o)
	stop()
	if err != nil && !errors.Is(err, context.Canceled) {
		fmt.Fprintln(os.Stderr, "fleetbench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, o options) error {
	b, err := setUp(ctx, o)
	if b != nil {
		defer b.close()
	}
	if err != nil {
		return err
	}
	if o.appSet {
		r, err := runAppSet(ctx, b)
		if err != nil {
			return err
		}
		r.peakRSS, r.rss = b.memory()
		r.print(os.Stdout, o)
		return nil
	}
	var r results
	r.apps, r.objects = o.apps, 3*o.apps // each app: its Application, a ConfigMap, a Deployment
	if r.fleet, err = b.syncFleet(ctx); err != nil {
		return err
	}
	if r.resyncCPU, r.resyncWall, err = b.resync(ctx); err != nil {
		return err
	}
	if r.pushes, err = b.pushAll(ctx); err != nil {
		return err
	}
	r.peakRSS, r.rss = b.memory()
	if o.profile != "" {
		b.heapProfile(o.profile + "-heap.pprof")
	}
	if r.bare, err = b.bareSSA(ctx); err != nil {
		return err
	}
	r.print(os.Stdout, o)
	return nil
}
