package main

import (
	"fmt"
	"io"
	"runtime"
	"strings"
	"text/tabwriter"
	"time"

	"flotilla.dev/flotilla/hack/benchkit"
)

// table is rows of a measure and one cell per system, with the ratio of
// the first system's value to the second's when both ran.
type table struct {
	systems []string
	rows    [][]string
}

func (t *table) add(label string, cells map[string]string, values map[string]float64) {
	row := []string{label}
	for _, s := range t.systems {
		row = append(row, cells[s])
	}
	if len(t.systems) == 2 {
		a, okA := values[t.systems[0]]
		b, okB := values[t.systems[1]]
		ratio := ""
		if okA && okB && b > 0 {
			ratio = fmt.Sprintf("%.1f×", a/b)
		}
		row = append(row, ratio)
	}
	t.rows = append(t.rows, row)
}

func (t *table) write(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	head := append([]string{"measure"}, t.systems...)
	if len(t.systems) == 2 {
		head = append(head, t.systems[0]+" ÷ "+t.systems[1])
	}
	fmt.Fprintln(tw, strings.Join(head, "\t")+"\t")
	for _, r := range t.rows {
		fmt.Fprintln(tw, strings.Join(r, "\t")+"\t")
	}
	_ = tw.Flush()
}

func printResults(w io.Writer, o options, version string, argo *argoInstall, flotillaBin string, results []*result) {
	fmt.Fprintf(w, "\nArgo CD %s versus flotilla: %d Applications, each a ConfigMap and a one-replica Deployment synced into its own namespace (CreateNamespace=true), automated sync with prune and self-heal; a fresh local control plane (etcd, kube-apiserver, kwok) per workload and system, with Argo CD's CRDs from its source tree; %d CPUs shared by everything.\n", version, o.apps, runtime.NumCPU())
	if argo != nil {
		for _, s := range argo.settings() {
			fmt.Fprintln(w, "- "+s)
		}
	}
	if flotillaBin != "" {
		fmt.Fprintln(w, "- "+flotillaSettings(flotillaBin))
	}
	fmt.Fprintf(w, "- CPU: utime+stime of each process from /proc, its waited-for children's (git) included; idle: over %s starting 5s after the sync, scaled to a minute. Memory: VmHWM, VmRSS (RssAnon + RssFile) from /proc at the end of the run.\n", o.idle)
	fmt.Fprintln(w, "- API requests: every process's kubeconfig points at a counting TLS proxy in the benchmark, which forwards to the kube-apiserver (watches streamed); a watch counts once when it starts. The benchmark's own polling goes around it.")
	fmt.Fprintln(w, "- Times are polled every 500 ms (Applications' status.sync.status, .revision, status.health.status).")
	fmt.Fprintln(w)

	t := &table{systems: o.systems}
	for _, wl := range o.workloads {
		res := map[string]*result{}
		for _, r := range results {
			if r.workload == wl {
				res[r.system] = r
			}
		}
		if len(res) == 0 {
			continue
		}
		what := fmt.Sprintf("%d Applications created at once", o.apps)
		if wl == "app-of-apps" {
			what = fmt.Sprintf("one root Application syncing the %d Applications from git", o.apps)
		}
		t.add(fmt.Sprintf("[%s] %s", wl, what), nil, nil)
		timeRow := func(label string, f func(*result) time.Duration) {
			cells, vals := map[string]string{}, map[string]float64{}
			for s, r := range res {
				d := f(r)
				cells[s] = fmt.Sprintf("%.1f s", d.Seconds())
				vals[s] = d.Seconds()
			}
			t.add(label, cells, vals)
		}
		cpuRows := func(label string, f func(procResult) benchkit.CPU, scale func(*result) float64) {
			cells, vals := map[string]string{}, map[string]float64{}
			for s, r := range res {
				c := sumCPU(r.procs, f).Total().Seconds() * scale(r)
				cells[s] = fmt.Sprintf("%.2f CPU-s", c)
				vals[s] = c
			}
			t.add(label, cells, vals)
			perProcess(t, res, func(r *result, p procResult) string {
				c := f(p)
				cell := fmt.Sprintf("%.2f", c.Total().Seconds()*scale(r))
				if c.Children >= 10*time.Millisecond {
					cell += fmt.Sprintf(" (children %.2f)", c.Children.Seconds()*scale(r))
				}
				return cell
			})
		}
		one := func(*result) float64 { return 1 }
		perMinute := func(r *result) float64 { return float64(time.Minute) / float64(r.idle) }
		reqRow := func(label string, f func(procResult) counts, scale func(*result) float64, perApp bool) {
			cells, vals := map[string]string{}, map[string]float64{}
			for s, r := range res {
				n := float64(sumReq(r.procs, f).total()) * scale(r)
				cells[s] = fmt.Sprintf("%.0f", n)
				if perApp {
					cells[s] += fmt.Sprintf(" (%.1f per app)", n/float64(r.apps))
				}
				vals[s] = n
			}
			t.add(label, cells, vals)
		}

		cpuRows("CPU at startup (to ready + 5 s), all processes", func(p procResult) benchkit.CPU { return p.startCPU }, one)
		reqRow("API requests at startup (to ready + 5 s)", func(p procResult) counts { return p.startReq }, one, false)
		timeRow(fmt.Sprintf("created → all %d Synced", o.apps), func(r *result) time.Duration { return r.synced })
		timeRow(fmt.Sprintf("created → all %d Healthy", o.apps), func(r *result) time.Duration { return r.healthy })
		cpuRows("CPU during the sync, all processes", func(p procResult) benchkit.CPU { return p.syncCPU }, one)
		cpuRows("CPU per idle minute, all processes", func(p procResult) benchkit.CPU { return p.idleCPU }, perMinute)
		{
			cells, vals := map[string]string{}, map[string]float64{}
			for s, r := range res {
				m := sumMem(r.procs)
				cells[s] = fmt.Sprintf("%.0f MiB", benchkit.MiB(m.Peak))
				vals[s] = benchkit.MiB(m.Peak)
			}
			t.add("peak RSS (VmHWM), sum of processes", cells, vals)
			perProcess(t, res, func(_ *result, p procResult) string { return fmt.Sprintf("%.0f MiB", benchkit.MiB(p.mem.Peak)) })
			cells, vals = map[string]string{}, map[string]float64{}
			for s, r := range res {
				m := sumMem(r.procs)
				cells[s] = fmt.Sprintf("%.0f MiB (%.0f anon + %.0f file)", benchkit.MiB(m.RSS), benchkit.MiB(m.Anon), benchkit.MiB(m.File))
				vals[s] = benchkit.MiB(m.RSS)
			}
			t.add("RSS at the end (anon + file), sum", cells, vals)
			perProcess(t, res, func(_ *result, p procResult) string {
				return fmt.Sprintf("%.0f MiB (%.0f + %.0f)", benchkit.MiB(p.mem.RSS), benchkit.MiB(p.mem.Anon), benchkit.MiB(p.mem.File))
			})
		}
		timeRow(fmt.Sprintf("commit + refresh annotation → all %d Synced at it", o.apps), func(r *result) time.Duration { return r.refresh })
		timeRow(fmt.Sprintf("commit + webhook push → all %d Synced at it", o.apps), func(r *result) time.Duration { return r.webhook })
		reqRow("API requests during the sync", func(p procResult) counts { return p.syncReq }, one, true)
		{
			cells := map[string]string{}
			for s, r := range res {
				c := sumReq(r.procs, func(p procResult) counts { return p.syncReq })
				cells[s] = fmt.Sprintf("%d / %d / %d / %d / %d", c[kindGet], c[kindList], c[kindWatch], c[kindWrite], c[kindOther])
			}
			t.add("  get / list / watch / write / other", cells, nil)
			perProcess(t, res, func(_ *result, p procResult) string {
				if !p.hasRequests {
					return ""
				}
				return fmt.Sprintf("%d", p.syncReq.total())
			})
		}
		reqRow("API requests per idle minute", func(p procResult) counts { return p.idleReq }, perMinute, false)
		reqRow("API requests, refresh window", func(p procResult) counts { return p.refreshReq }, one, false)
		reqRow("API requests, webhook window", func(p procResult) counts { return p.webhookReq }, one, false)
	}
	t.write(w)
}

// perProcess adds a row per process of each system, its cell in its
// system's column only.
func perProcess(t *table, res map[string]*result, cell func(*result, procResult) string) {
	for _, s := range t.systems {
		r := res[s]
		if r == nil {
			continue
		}
		for _, p := range r.procs {
			v := cell(r, p)
			if v == "" {
				continue
			}
			t.add("    "+shortName(p.name), map[string]string{s: v}, nil)
		}
	}
}

func sumMem(ps []procResult) benchkit.Memory {
	var m benchkit.Memory
	for _, p := range ps {
		m = m.Add(p.mem)
	}
	return m
}
