package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"text/tabwriter"
	"time"
)

// sweepRow is the sync of one fleet size.
type sweepRow struct {
	n, nodes int
	sync     syncResult
}

// runSweep runs the fleet's sync once per size of -sweep, each on a fresh
// control plane with a fresh controller, and prints one table. Only the
// sync is measured: no resync, pushes or bare client.
func runSweep(ctx context.Context, s *session) error {
	var rows []sweepRow
	defer func() {
		if len(rows) > 0 {
			printSweep(os.Stdout, s, rows)
		}
	}()
	for k, n := range s.opts.sweep {
		fmt.Printf("\n=== sweep %d of %d: %d apps\n", k+1, len(s.opts.sweep), n)
		row, err := sweepOne(ctx, s, n)
		if err != nil {
			return fmt.Errorf("%d apps: %w", n, err)
		}
		rows = append(rows, row)
	}
	return nil
}

func sweepOne(ctx context.Context, s *session, n int) (sweepRow, error) {
	b, err := setUp(ctx, s, n, n, fmt.Sprintf("sweep-%d", n))
	if b != nil {
		defer b.close()
	}
	if err != nil {
		return sweepRow{}, err
	}
	if err := b.startControllers(ctx, 1, false); err != nil {
		return sweepRow{}, err
	}
	r, err := b.syncFleet(ctx, 0)
	return sweepRow{n: n, nodes: b.nodes, sync: r}, err
}

func printSweep(w io.Writer, s *session, rows []sweepRow) {
	fmt.Fprintf(w, "\nfleet sweep: the sync alone (root created → all Synced+Healthy), each size on a fresh control plane\n")
	fmt.Fprintf(w, "controller: one process, %s, --poll-interval %s\n", s.controllerSettings(), s.opts.poll)
	fmt.Fprintf(w, "per app: per Application synced (the N children and the root); CPU: the controller's user+system during the sync; memory from /proc/<pid>/status at the end of the sync, the RssAnon peak sampled every %s\n\n", sampleEvery)
	t := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(t, "N\tnodes\tSynced+Healthy\tobjects/s\tCPU-s\tCPU-ms/app\tpeak RSS (VmHWM)\tRssAnon / RssFile\tpeak RssAnon\trequests/app\t")
	for _, r := range rows {
		c := r.sync.replicas[0]
		cpu := r.sync.use.cpu.Total().Seconds()
		fmt.Fprintf(t, "%d\t%d\t%s\t%.0f\t%.2f\t%.1f\t%s\t%s / %s\t%s\t%s\t\n",
			r.n, r.nodes, r.sync.took.Round(100*time.Millisecond), float64(3*r.n)/r.sync.took.Seconds(),
			cpu, 1000*r.sync.perApp(cpu), mib(c.mem.Peak), mib(c.mem.Anon), mib(c.mem.File), mib(c.sampled.Anon),
			requestsPerApp(r.sync, r.sync.use))
	}
	_ = t.Flush()
	fmt.Fprintf(w, "\nAPI requests per app during the sync, by verb and resource:\n")
	for _, r := range rows {
		fmt.Fprintf(w, "  %5d: %s\n", r.n, breakdown(r.sync))
	}
}
