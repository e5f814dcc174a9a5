package main

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"flotilla.dev/flotilla/hack/benchkit"
)

type bareResult struct {
	applied, available time.Duration
}

type results struct {
	apps, objects         int
	fleet                 time.Duration
	resyncCPU, resyncWall time.Duration
	pushes                []time.Duration
	peakRSS, rss          int64
	bare                  bareResult
}

func (r results) print(w io.Writer, o options) {
	rate := float64(r.objects) / r.fleet.Seconds()
	bareRate := float64(r.objects) / r.bare.available.Seconds()
	p50, p95 := benchkit.Percentile(r.pushes, 0.5), benchkit.Percentile(r.pushes, 0.95)
	fmt.Fprintf(w, "\nfleet benchmark: %d apps (%d objects: the Applications, a ConfigMap and a Deployment each), %d workers, %d QPS\n\n", r.apps, r.objects, o.workers, o.qps)
	t := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(t, "measure\tresult\ttarget\t")
	fmt.Fprintf(t, "root created → all Synced+Healthy\t%s (%.0f objects/s)\t< 60s\t%s\n", r.fleet.Round(100*time.Millisecond), rate, mark(r.fleet < time.Minute))
	fmt.Fprintf(t, "bare SSA: applied / Deployments available\t%s / %s (%.0f objects/s)\t\t\n", r.bare.applied.Round(100*time.Millisecond), r.bare.available.Round(100*time.Millisecond), bareRate)
	fmt.Fprintf(t, "flotilla rate / bare SSA rate\t%.0f%%\t≥ 80%%\t%s\n", 100*rate/bareRate, mark(rate >= 0.8*bareRate))
	fmt.Fprintf(t, "CPU of one no-change resync\t%.2f CPU-s\t< 2 CPU-s\t%s\n", r.resyncCPU.Seconds(), mark(r.resyncCPU < 2*time.Second))
	fmt.Fprintf(t, "controller peak RSS (now)\t%.0f MiB (%.0f MiB)\t< 150 MiB\t%s\n", benchkit.MiB(r.peakRSS), benchkit.MiB(r.rss), mark(benchkit.MiB(r.peakRSS) < 150))
	fmt.Fprintf(t, "webhook push → applied p50 / p95 (%d pushes)\t%s / %s\tp50 < 2s\t%s\n", len(r.pushes), p50.Round(time.Millisecond), p95.Round(time.Millisecond), mark(p50 < 2*time.Second))
	_ = t.Flush()
}

func mark(ok bool) string {
	if ok {
		return "met"
	}
	return "MISSED"
}

type appSetResults struct {
	sync, pass   time.Duration
	pushes       []time.Duration
	peakRSS, rss int64
}

func (r appSetResults) print(w io.Writer, o options) {
	p50, p95 := benchkit.Percentile(r.pushes, 0.5), benchkit.Percentile(r.pushes, 0.95)
	fmt.Fprintf(w, "\napplicationset benchmark: one git-directories set over %d directories (a ConfigMap and a Deployment each), %d workers, %d QPS\n\n", o.apps, o.workers, o.qps)
	t := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(t, "measure\tresult\t")
	fmt.Fprintf(t, "set created → all %d Applications Synced+Healthy\t%s\t\n", o.apps, r.sync.Round(100*time.Millisecond))
	fmt.Fprintf(t, "push adding a directory → its Application Synced+Healthy p50 / p95 (%d pushes)\t%s / %s\t\n", len(r.pushes), p50.Round(time.Millisecond), p95.Round(time.Millisecond))
	fmt.Fprintf(t, "CPU of one pass of the set, nothing changed\t%.3f CPU-s\t\n", r.pass.Seconds())
	fmt.Fprintf(t, "controller peak RSS (now)\t%.0f MiB (%.0f MiB)\t\n", benchkit.MiB(r.peakRSS), benchkit.MiB(r.rss))
	_ = t.Flush()
}
