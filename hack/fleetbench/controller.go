package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"flotilla.dev/flotilla/hack/benchkit"
	"flotilla.dev/flotilla/internal/controller"
)

// sampleEvery is how often the controllers' /proc/<pid>/status is read
// for the peak RssAnon and RssFile.
const sampleEvery = 500 * time.Millisecond

// The controller's counters fleetbench reads.
const (
	requestsMetric = "flotilla_kube_requests_total" // {verb, resource}
	syncsMetric    = "flotilla_app_sync_total"      // {namespace, name, phase}
)

// replica is one running `flotilla controller`.
type replica struct {
	name     string // controller, replica-0, …
	identity string // --shard-identity, when sharded
	proc     *benchkit.Process
	metrics  string // http://host:port/metrics
	health   string // http://host:port
	webhook  string // http://host:port/api/webhook
	mem      *benchkit.MemorySampler
	killed   atomic.Bool // SIGKILLed on purpose
}

// startControllers starts count controllers, with --sharding when
// sharded, and waits until each is ready and, sharded, until every one
// knows its shard of count.
func (b *bench) startControllers(ctx context.Context, count int, sharded bool) error {
	for i := range count {
		name := "controller"
		if sharded {
			name = fmt.Sprintf("replica-%d", i)
		}
		r, err := b.startController(name, sharded)
		if err != nil {
			return err
		}
		b.replicas = append(b.replicas, r)
		fmt.Printf("== started `flotilla controller` %s (pid %d, %s, log %s)\n", r.name, r.proc.Pid(), b.s.controllerSettings(), r.proc.LogPath)
	}
	for _, r := range b.replicas {
		err := benchkit.Poll(ctx, 100*time.Millisecond, time.Minute, func() (bool, error) {
			if err := r.proc.Check(); err != nil {
				return false, err
			}
			resp, err := http.Get(r.health + "/readyz")
			if err != nil {
				return false, nil
			}
			resp.Body.Close()
			return resp.StatusCode == http.StatusOK, nil
		})
		if err != nil {
			return fmt.Errorf("%s not ready: %w", r.name, err)
		}
	}
	if sharded {
		return b.waitMembership(ctx, count)
	}
	return nil
}

func (b *bench) startController(name string, sharded bool) (*replica, error) {
	o := b.opts
	ports := map[string]int{}
	for _, p := range []string{"webhook", "metrics", "health"} {
		port, err := benchkit.FreePort()
		if err != nil {
			return nil, err
		}
		ports[p] = port
	}
	addr := func(p string) string { return "127.0.0.1:" + strconv.Itoa(ports[p]) }
	r := &replica{
		name:    name,
		metrics: "http://" + addr("metrics") + "/metrics",
		health:  "http://" + addr("health"),
		webhook: "http://" + addr("webhook") + controller.WebhookPath,
	}
	args := []string{"controller",
		"--kubeconfig", b.plane.KubeconfigPath(), "-n", appNamespace,
		"--cache-dir", filepath.Join(b.plane.Dir(), "flotilla-cache-"+name),
		"--poll-interval", o.poll.String(),
		"--webhook-addr", addr("webhook"),
		"--metrics-addr", addr("metrics"),
		"--health-addr", addr("health"),
	}
	if o.workers > 0 {
		args = append(args, "--workers", strconv.Itoa(o.workers))
	}
	if o.qps > 0 {
		args = append(args, "--kube-api-qps", strconv.Itoa(o.qps), "--kube-api-burst", strconv.Itoa(2*o.qps))
	}
	if sharded {
		r.identity = "fleetbench-" + name
		args = append(args, "--sharding", "--shard-identity", r.identity)
	}
	log := filepath.Join(b.s.logDir, b.label+"-"+name+".log")
	p, err := benchkit.StartProcess(name, b.s.flotilla, "", args, nil, log)
	if err != nil {
		return nil, err
	}
	r.proc = p
	r.mem = benchkit.SampleMemory(p.Pid(), sampleEvery)
	return r, nil
}

// waitMembership waits until the Leases of count replicas each carry a
// different shard of count: every replica has found all the others, so the
// fleet is split from its first reconcile on.
func (b *bench) waitMembership(ctx context.Context, count int) error {
	fmt.Printf("== waiting for the %d replicas to find each other through their Leases\n", count)
	start := time.Now()
	var seen []string
	err := benchkit.Poll(ctx, 200*time.Millisecond, time.Minute, func() (bool, error) {
		var leases coordinationv1.LeaseList
		if err := b.kube.List(ctx, &leases, client.InNamespace(appNamespace), client.HasLabels{controller.ShardMemberLabel}); err != nil {
			return false, err
		}
		shards := map[string]bool{}
		seen = seen[:0]
		for _, l := range leases.Items {
			s := l.Annotations[controller.ShardAnnotation]
			seen = append(seen, l.Name+"="+s)
			if strings.HasSuffix(s, fmt.Sprintf("/%d", count)) {
				shards[s] = true
			}
		}
		return len(leases.Items) == count && len(shards) == count, nil
	})
	if err != nil {
		return fmt.Errorf("replicas did not split into %d shards: %w (leases: %s)", count, err, strings.Join(seen, ", "))
	}
	fmt.Printf("   %s after %s\n", strings.Join(seen, ", "), time.Since(start).Round(100*time.Millisecond))
	return nil
}

// alive is an error if a replica not killed on purpose has exited.
func (b *bench) alive() error {
	for _, r := range b.replicas {
		if r.killed.Load() {
			continue
		}
		if err := r.proc.Check(); err != nil {
			return err
		}
	}
	return nil
}

func (r *replica) stop() {
	if r.killed.Load() {
		return
	}
	r.mem.Stop()
	if err := r.proc.Stop(10 * time.Second); err != nil {
		fmt.Fprintln(os.Stderr, "fleetbench:", err)
	}
}

// usage is a replica's counters at one moment: its CPU time, its API
// requests by "verb resource", its Succeeded syncs by app.
type usage struct {
	cpu   benchkit.CPU
	req   map[string]float64
	syncs map[string]float64
}

func (r *replica) usage() (usage, error) {
	u := usage{req: map[string]float64{}, syncs: map[string]float64{}}
	var err error
	if u.cpu, err = benchkit.ReadCPU(r.proc.Pid()); err != nil {
		return u, fmt.Errorf("%s: %w", r.name, err)
	}
	series, err := benchkit.ScrapeSeries(r.metrics, requestsMetric, syncsMetric)
	if err != nil {
		return u, fmt.Errorf("%s: %w", r.name, err)
	}
	for _, s := range series[requestsMetric] {
		u.req[s.Labels["verb"]+" "+s.Labels["resource"]] += s.Value
	}
	for _, s := range series[syncsMetric] {
		if s.Labels["phase"] == "Succeeded" {
			u.syncs[s.Labels["namespace"]+"/"+s.Labels["name"]] += s.Value
		}
	}
	return u, nil
}

// sub is what was used between o and u.
func (u usage) sub(o usage) usage {
	d := usage{cpu: u.cpu.Sub(o.cpu), req: map[string]float64{}, syncs: map[string]float64{}}
	for k, v := range u.req {
		if v -= o.req[k]; v != 0 {
			d.req[k] = v
		}
	}
	for k, v := range u.syncs {
		if v -= o.syncs[k]; v != 0 {
			d.syncs[k] = v
		}
	}
	return d
}

// add sums the usage of two replicas.
func (u usage) add(o usage) usage {
	s := usage{cpu: u.cpu.Add(o.cpu), req: map[string]float64{}, syncs: map[string]float64{}}
	for _, m := range []map[string]float64{u.req, o.req} {
		for k, v := range m {
			s.req[k] += v
		}
	}
	for _, m := range []map[string]float64{u.syncs, o.syncs} {
		for k, v := range m {
			s.syncs[k] += v
		}
	}
	return s
}

// requests is the total of req.
func (u usage) requests() float64 {
	t := 0.0
	for _, v := range u.req {
		t += v
	}
	return t
}

// syncCount is the number of apps synced and of syncs.
func (u usage) syncCount() (apps int, syncs float64) {
	for _, v := range u.syncs {
		if v > 0 {
			apps++
			syncs += v
		}
	}
	return apps, syncs
}
