// Command fleetbench measures flotilla on a fleet of Applications, on the
// local control plane:
//
//   - the time from creating one root Application to all N children
//     (each a ConfigMap and a Deployment of one replica, from a local git
//     repository) being Synced and Healthy, and the rate of objects that
//     makes;
//   - the controller's CPU seconds during that sync, its memory (peak RSS,
//     RssAnon and RssFile at the end of the sync, the peak RssAnon sampled
//     over the run) and its API requests per app, by verb and resource;
//   - the controller's CPU seconds for one full resync of the fleet with
//     nothing changed;
//   - the latency from a git push webhook to the changed object applied,
//     p50 and p95 over a number of pushes;
//   - the same objects applied by a bare server-side-apply client without
//     a client-side rate limit, as the limit to compare with.
//
// The controller runs at its own defaults unless -workers or -qps are
// given. -sweep runs only the sync once per fleet size, each on a fresh
// control plane, and prints one table; -shards runs the sync with that many
// replicas started with --sharding, optionally killing one of them
// (-kill-after).
//
// Run it with `make bench-fleet` or:
//
//	go run ./hack/fleetbench --flotilla bin/flotilla -n 1000
//	go run ./hack/fleetbench --flotilla bin/flotilla -sweep 250,500,1000,2000,5000
//	go run ./hack/fleetbench --flotilla bin/flotilla -n 2000 -shards 3 -kill-after 20s
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"flotilla.dev/flotilla/hack/benchkit"
)

type options struct {
	flotilla     string
	apps         int
	pushes       int
	workers      int // 0: the controller's default
	qps          int // 0: the controller's default
	bareParallel int
	bareQPS      float64 // < 0: no client-side rate limiter
	nodes        int     // 0: one per benchkit.PodsPerNode Pods
	timeout      time.Duration
	poll         time.Duration
	profile      string
	appSet       bool
	resync, bare bool
	sweep        []int
	shards       int // 0: one controller without --sharding
	killAfter    time.Duration
}

func main() {
	var o options
	var sweep string
	flag.StringVar(&o.flotilla, "flotilla", "bin/flotilla", "the flotilla binary to run as the controller (`make build`)")
	flag.IntVar(&o.apps, "n", 1000, "number of Applications in the fleet")
	flag.IntVar(&o.pushes, "pushes", 20, "git pushes sent through the webhook (0: none)")
	flag.IntVar(&o.workers, "workers", 0, "pass --workers to the controller (0: don't, the controller's default)")
	flag.IntVar(&o.qps, "qps", 0, "pass --kube-api-qps QPS and --kube-api-burst 2*QPS to the controller (0: don't, the controller's defaults)")
	flag.IntVar(&o.bareParallel, "bare-parallel", 16, "parallel applies of the bare server-side-apply client")
	flag.Float64Var(&o.bareQPS, "bare-qps", -1, "client-side rate limit of the bare client, requests per second (negative: none, so it measures the API server)")
	flag.IntVar(&o.nodes, "nodes", 0, "kwok fake nodes (0: one per 500 Pods the run creates)")
	flag.DurationVar(&o.poll, "poll-interval", 60*time.Second, "the controller's poll interval: one full resync of the fleet each")
	flag.DurationVar(&o.timeout, "timeout", 15*time.Minute, "how long the fleet may take to become Synced and Healthy")
	flag.StringVar(&o.profile, "cpuprofile", "", "write the controller's CPU profiles of the fleet's first 30s of syncing and of the resync window to PREFIX-sync.pprof and PREFIX-resync.pprof, and its heap to PREFIX-heap.pprof")
	flag.BoolVar(&o.appSet, "appset", false, "benchmark one git-directories ApplicationSet over the N app directories instead of an app-of-apps root")
	flag.BoolVar(&o.resync, "resync", true, "measure the CPU of a no-change resync after the sync")
	flag.BoolVar(&o.bare, "bare", true, "measure the bare server-side-apply client after the controller")
	flag.StringVar(&sweep, "sweep", "", "comma-separated fleet sizes (250,500,1000): the sync alone once per size, each on a fresh control plane, in one table; no pushes, resync or bare client")
	flag.IntVar(&o.shards, "shards", 0, "run this many controller replicas with --sharding and report each (1: the one-replica baseline, also with --sharding); the sync alone")
	flag.DurationVar(&o.killAfter, "kill-after", 0, "with -shards ≥ 2: SIGKILL one replica this long after the root is created and time the fleet's recovery")
	flag.Parse()

	if err := o.parse(sweep); err != nil {
		fmt.Fprintln(os.Stderr, "fleetbench:", err)
		os.Exit(2)
	}
	benchkit.Main("fleetbench", func(ctx context.Context) error { return run(ctx, o) })
}

// parse checks the options and reads -sweep.
func (o *options) parse(sweep string) error {
	for _, s := range strings.Split(sweep, ",") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			return fmt.Errorf("-sweep: %q is not a fleet size", s)
		}
		o.sweep = append(o.sweep, n)
	}
	switch {
	case o.apps < 1:
		return errors.New("-n must be at least 1")
	case o.workers < 0, o.qps < 0, o.nodes < 0, o.pushes < 0, o.shards < 0:
		return errors.New("-workers, -qps, -nodes, -pushes and -shards cannot be negative")
	case o.bareParallel < 1:
		return errors.New("-bare-parallel must be at least 1")
	case len(o.sweep) > 0 && (o.shards > 0 || o.appSet):
		return errors.New("-sweep runs one controller on an app-of-apps fleet: not with -shards or -appset")
	case o.shards > 0 && o.appSet:
		return errors.New("-shards runs an app-of-apps fleet: not with -appset")
	case o.killAfter < 0:
		return errors.New("-kill-after cannot be negative")
	case o.killAfter > 0 && o.shards < 2:
		return errors.New("-kill-after needs -shards 2 or more: a replica must survive the kill")
	}
	return nil
}

func run(ctx context.Context, o options) error {
	began := time.Now()
	s, err := newSession(o)
	if err != nil {
		return err
	}
	fmt.Printf("== logs of every controller: %s\n", s.logDir)
	defer func() {
		fmt.Printf("== logs of every controller: %s\n== the whole run took %s\n", s.logDir, time.Since(began).Round(time.Second))
	}()
	switch {
	case len(o.sweep) > 0:
		return runSweep(ctx, s)
	case o.shards > 0:
		return runShards(ctx, s)
	case o.appSet:
		return runAppSet(ctx, s)
	default:
		return runFleet(ctx, s)
	}
}

// runFleet is the default benchmark: the sync, the resync, the pushes,
// the bare client.
func runFleet(ctx context.Context, s *session) error {
	o := s.opts
	pods := o.apps
	if o.bare {
		pods += o.apps // the bare client's copy of the Deployments
	}
	b, err := setUp(ctx, s, o.apps, pods, "fleet")
	if b != nil {
		defer b.close()
	}
	if err != nil {
		return err
	}
	if err := b.startControllers(ctx, 1, false); err != nil {
		return err
	}
	r := results{apps: o.apps, objects: 3 * o.apps, nodes: b.nodes} // each app: its Application, a ConfigMap, a Deployment
	if r.sync, err = b.syncFleet(ctx, 0); err != nil {
		return err
	}
	if o.resync {
		if r.resyncCPU, r.resyncWall, err = b.resync(ctx); err != nil {
			return err
		}
	}
	if r.pushes, err = b.pushAll(ctx); err != nil {
		return err
	}
	ctl := b.replicas[0]
	if r.end, err = benchkit.ReadMemory(ctl.proc.Pid()); err != nil {
		return err
	}
	r.sampled = ctl.mem.Peak()
	if o.profile != "" {
		b.heapProfile(o.profile + "-heap.pprof")
	}
	if o.bare {
		if r.bare, err = b.bareSSA(ctx); err != nil {
			return err
		}
	}
	r.print(os.Stdout, s)
	return nil
}
