package main

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"flotilla.dev/flotilla/hack/benchkit"
)

type bareResult struct {
	applied, available time.Duration
}

// results is the default benchmark's.
type results struct {
	apps, objects, nodes  int
	sync                  syncResult
	resyncCPU, resyncWall time.Duration
	pushes                []time.Duration
	end                   benchkit.Memory // at the end of the run: VmHWM is the run's peak
	sampled               benchkit.Memory // the peaks sampled every 500ms over the run
	bare                  bareResult
}

func (r results) print(w io.Writer, s *session) {
	o := s.opts
	rate := float64(r.objects) / r.sync.took.Seconds()
	bareRate := float64(r.objects) / r.bare.available.Seconds()
	fmt.Fprintf(w, "\nfleet benchmark: %d apps (%d objects: the Applications, a ConfigMap and a Deployment each), %d kwok node(s)\n", r.apps, r.objects, r.nodes)
	fmt.Fprintf(w, "controller: one process, %s, --poll-interval %s\n", s.controllerSettings(), o.poll)
	if o.bare {
		fmt.Fprintf(w, "bare server-side-apply client: %s\n", s.bareSettings())
	}
	fmt.Fprintf(w, "per app: per Application synced (the %d children and the root)\n\n", r.apps)
	t := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(t, "measure\tresult\ttarget\t")
	fmt.Fprintf(t, "root created → all Synced+Healthy\t%s (%.0f objects/s)\t< 60s\t%s\n", r.sync.took.Round(100*time.Millisecond), rate, mark(r.sync.took < time.Minute))
	if o.bare {
		fmt.Fprintf(t, "bare SSA: applied / Deployments available\t%s / %s (%.0f objects/s)\t\t\n", r.bare.applied.Round(100*time.Millisecond), r.bare.available.Round(100*time.Millisecond), bareRate)
		fmt.Fprintf(t, "flotilla rate / bare SSA rate\t%.0f%%\t≥ 80%%\t%s\n", 100*rate/bareRate, mark(rate >= 0.8*bareRate))
	} else {
		fmt.Fprintf(t, "bare SSA\tskipped (-bare=false)\t\t\n")
	}
	cpu := r.sync.use.cpu.Total()
	fmt.Fprintf(t, "controller CPU during the sync\t%.2f CPU-s (%.1f CPU-ms per app)\t\t\n", cpu.Seconds(), 1000*r.sync.perApp(cpu.Seconds()))
	if o.resync {
		fmt.Fprintf(t, "CPU of one no-change resync\t%.2f CPU-s\t< 2 CPU-s\t%s\n", r.resyncCPU.Seconds(), mark(r.resyncCPU < 2*time.Second))
	} else {
		fmt.Fprintf(t, "CPU of one no-change resync\tskipped (-resync=false)\t\t\n")
	}
	fmt.Fprintf(t, "controller peak RSS (VmHWM, whole run)\t%s\t< 150 MiB\t%s\n", mib(r.end.Peak), mark(benchkit.MiB(r.end.Peak) < 150))
	fmt.Fprintf(t, "controller peak RssAnon / RssFile (sampled every %s, whole run)\t%s / %s\t\t\n", sampleEvery, mib(r.sampled.Anon), mib(r.sampled.File))
	end := r.sync.replicas[0].mem
	fmt.Fprintf(t, "controller RssAnon / RssFile at the end of the sync\t%s / %s\t\t\n", mib(end.Anon), mib(end.File))
	fmt.Fprintf(t, "API requests per app during the sync\t%s\t\t\n", requestsPerApp(r.sync, r.sync.use))
	if len(r.pushes) > 0 {
		p50, p95 := benchkit.Percentile(r.pushes, 0.5), benchkit.Percentile(r.pushes, 0.95)
		fmt.Fprintf(t, "webhook push → applied p50 / p95 (%d pushes)\t%s / %s\tp50 < 2s\t%s\n", len(r.pushes), p50.Round(time.Millisecond), p95.Round(time.Millisecond), mark(p50 < 2*time.Second))
	} else {
		fmt.Fprintf(t, "webhook push → applied\tskipped (-pushes 0)\t\t\n")
	}
	_ = t.Flush()
	fmt.Fprintf(w, "\nAPI requests per app during the sync, by verb and resource: %s\n", breakdown(r.sync))
}

// requestsPerApp is u's API requests per app of the sync, or why not: a
// controller without flotilla_kube_requests_total counts none.
func requestsPerApp(r syncResult, u usage) string {
	if len(r.use.req) == 0 {
		return "n/a (no " + requestsMetric + ")"
	}
	return fmt.Sprintf("%.1f", r.perApp(u.requests()))
}

func mark(ok bool) string {
	if ok {
		return "met"
	}
	return "MISSED"
}

func mib(b int64) string { return fmt.Sprintf("%.0f MiB", benchkit.MiB(b)) }

// breakdown lists the sync's requests per app by verb and resource, the
// largest first, down to 0.05 per app.
func breakdown(r syncResult) string {
	type entry struct {
		what string
		per  float64
	}
	var es []entry
	rest := 0.0
	for k, v := range r.use.req {
		if per := r.perApp(v); per >= 0.05 {
			es = append(es, entry{k, per})
		} else {
			rest += per
		}
	}
	sort.Slice(es, func(i, j int) bool {
		if es[i].per != es[j].per {
			return es[i].per > es[j].per
		}
		return es[i].what < es[j].what
	})
	var parts []string
	for _, e := range es {
		parts = append(parts, fmt.Sprintf("%s %.2f", e.what, e.per))
	}
	if rest > 0 {
		parts = append(parts, fmt.Sprintf("the rest %.2f", rest))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

type appSetResults struct {
	nodes        int
	sync         syncResult
	pass         time.Duration
	pushes       []time.Duration
	end, sampled benchkit.Memory // at the end of the run; peaks sampled over it
}

func (r appSetResults) print(w io.Writer, s *session) {
	o := s.opts
	fmt.Fprintf(w, "\napplicationset benchmark: one git-directories set over %d directories (a ConfigMap and a Deployment each), %d kwok node(s)\n", o.apps, r.nodes)
	fmt.Fprintf(w, "controller: one process, %s, --poll-interval %s\n\n", s.controllerSettings(), o.poll)
	t := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(t, "measure\tresult\t")
	fmt.Fprintf(t, "set created → all %d Applications Synced+Healthy\t%s\t\n", o.apps, r.sync.took.Round(100*time.Millisecond))
	cpu := r.sync.use.cpu.Total()
	fmt.Fprintf(t, "controller CPU during the sync\t%.2f CPU-s (%.1f CPU-ms per app)\t\n", cpu.Seconds(), 1000*r.sync.perApp(cpu.Seconds()))
	fmt.Fprintf(t, "API requests per app during the sync\t%s\t\n", requestsPerApp(r.sync, r.sync.use))
	if len(r.pushes) > 0 {
		p50, p95 := benchkit.Percentile(r.pushes, 0.5), benchkit.Percentile(r.pushes, 0.95)
		fmt.Fprintf(t, "push adding a directory → its Application Synced+Healthy p50 / p95 (%d pushes)\t%s / %s\t\n", len(r.pushes), p50.Round(time.Millisecond), p95.Round(time.Millisecond))
	}
	fmt.Fprintf(t, "CPU of one pass of the set, nothing changed\t%.3f CPU-s\t\n", r.pass.Seconds())
	fmt.Fprintf(t, "controller peak RSS (VmHWM, whole run)\t%s\t\n", mib(r.end.Peak))
	fmt.Fprintf(t, "controller peak RssAnon / RssFile (sampled every %s, whole run)\t%s / %s\t\n", sampleEvery, mib(r.sampled.Anon), mib(r.sampled.File))
	end := r.sync.replicas[0].mem
	fmt.Fprintf(t, "controller RssAnon / RssFile at the end of the sync\t%s / %s\t\n", mib(end.Anon), mib(end.File))
	_ = t.Flush()
	fmt.Fprintf(w, "\nAPI requests per app during the sync, by verb and resource: %s\n", breakdown(r.sync))
}
