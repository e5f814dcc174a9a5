package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"text/tabwriter"
	"time"
)

// runShards runs the fleet's sync with -shards replicas, every one
// started with --sharding (-shards 1 too, so runs with different counts
// differ in the number of replicas alone), and with -kill-after kills one
// of them during the sync. Only the sync is measured.
func runShards(ctx context.Context, s *session) error {
	o := s.opts
	b, err := setUp(ctx, s, o.apps, o.apps, fmt.Sprintf("shards-%d", o.shards))
	if b != nil {
		defer b.close()
	}
	if err != nil {
		return err
	}
	if err := b.startControllers(ctx, o.shards, true); err != nil {
		return err
	}
	r, err := b.syncFleet(ctx, o.killAfter)
	if err != nil {
		return err
	}
	printShards(os.Stdout, s, b.nodes, r)
	return nil
}

func printShards(w io.Writer, s *session, nodes int, r syncResult) {
	o := s.opts
	fmt.Fprintf(w, "\nsharding benchmark: %d apps (%d objects), %d kwok node(s), %d replica(s)\n", o.apps, 3*o.apps, nodes, o.shards)
	fmt.Fprintf(w, "every replica: `flotilla controller --sharding` (-shards 1 too: the baseline differs in the replica count alone), %s, --poll-interval %s\n", s.controllerSettings(), o.poll)
	fmt.Fprintf(w, "per app: per Application synced (the %d children and the root); CPU and requests during the sync (the killed replica's until its kill)\n\n", o.apps)
	t := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(t, "root created → all Synced+Healthy\t%s (%.0f objects/s)\t\n", r.took.Round(100*time.Millisecond), float64(3*o.apps)/r.took.Seconds())
	if k := r.kill; k != nil {
		if k.late {
			fmt.Fprintf(t, "kill of %s\tnot done: the fleet was Synced+Healthy before -kill-after %s\t\n", k.victim, o.killAfter)
		} else {
			fmt.Fprintf(t, "%s SIGKILLed\t%s after the root was created\t\n", k.victim, k.at.Round(100*time.Millisecond))
			fmt.Fprintf(t, "kill → all Synced+Healthy\t%s\t\n", k.recovered.Round(100*time.Millisecond))
		}
	}
	cpu := r.use.cpu.Total().Seconds()
	fmt.Fprintf(t, "CPU of all replicas during the sync\t%.2f CPU-s (%.1f CPU-ms per app)\t\n", cpu, 1000*r.perApp(cpu))
	fmt.Fprintf(t, "API requests per app, all replicas\t%s\t\n", requestsPerApp(r, r.use))
	apps, syncs := r.use.syncCount()
	fmt.Fprintf(t, "apps with a sync counted, all replicas\t%d of %d (%.0f syncs)\t\n", apps, r.apps, syncs)
	_ = t.Flush()

	fmt.Fprintln(w)
	t = tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(t, "replica\tpid\tCPU-s\tpeak RSS\tRssAnon / RssFile (end)\tpeak RssAnon\tapps synced\tsyncs\trequests/app\t")
	for _, p := range r.replicas {
		name := p.name
		if p.killed {
			name += " (killed)"
		}
		apps, syncs := p.use.syncCount()
		fmt.Fprintf(t, "%s\t%d\t%.2f\t%s\t%s / %s\t%s\t%d\t%.0f\t%s\t\n", name, p.pid, p.use.cpu.Total().Seconds(),
			mib(p.mem.Peak), mib(p.mem.Anon), mib(p.mem.File), mib(p.sampled.Anon), apps, syncs, requestsPerApp(r, p.use))
	}
	_ = t.Flush()
	fmt.Fprintf(w, "\napps synced: the distinct Applications whose flotilla_app_sync_total{phase=\"Succeeded\"} grew on the replica during the sync. An app moved by a rebalance\n")
	fmt.Fprintf(w, "may count on two replicas, or on none: one whose objects the killed replica applied before it could record the sync is found in sync by its new owner.\n")
	fmt.Fprintf(w, "The killed replica's CPU, requests, syncs and memory are read just before its SIGKILL.\n")
	fmt.Fprintf(w, "API requests per app during the sync, all replicas, by verb and resource: %s\n", breakdown(r))
}
