package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/hack/benchkit"
	"flotilla.dev/flotilla/internal/apply"
	"flotilla.dev/flotilla/internal/object"
)

// syncResult is one fleet sync: from creating the root (or the
// ApplicationSet) to every Application Synced and Healthy.
type syncResult struct {
	apps     int           // Applications waited for
	took     time.Duration // created → all Synced and Healthy
	use      usage         // every replica's, during the sync
	replicas []replicaResult
	kill     *killResult // with -kill-after
}

// replicaResult is one controller's part of a sync.
type replicaResult struct {
	name    string
	pid     int
	use     usage           // during the sync (the killed one's: until the kill)
	mem     benchkit.Memory // at the end of the sync (the killed one's: at the kill)
	sampled benchkit.Memory // the peaks sampled every 500ms until then
	killed  bool
}

// killResult is the replica killed during a sync.
type killResult struct {
	victim    string
	at        time.Duration // after the root was created
	recovered time.Duration // the kill → all Synced and Healthy
	late      bool          // the fleet was Synced and Healthy before the kill was due
}

// perApp is v per Application of the sync.
func (r syncResult) perApp(v float64) float64 { return v / float64(r.apps) }

// syncFleet applies the root and waits until it and all N children are
// Synced and Healthy, killing one replica killAfter after the root is
// created if killAfter > 0.
func (b *bench) syncFleet(ctx context.Context, killAfter time.Duration) (syncResult, error) {
	ac, err := apply.NewForConfig(b.cfg)
	if err != nil {
		return syncResult{}, err
	}
	root, err := object.Decode([]byte(rootApp(b.repo.URL())))
	if err != nil {
		return syncResult{}, err
	}
	if b.opts.profile != "" && len(b.replicas) == 1 && len(b.opts.sweep) == 0 {
		go b.cpuProfile(b.opts.profile+"-sync.pprof", 30*time.Second)
	}
	create := func() error {
		if _, err := ac.Apply(ctx, root[0]); err != nil {
			return fmt.Errorf("apply root: %w", err)
		}
		fmt.Printf("== applied the root Application; waiting for %d apps to be Synced and Healthy\n", b.apps+1)
		return nil
	}
	return b.measureSync(ctx, create, b.apps+1, killAfter)
}

// measureSync calls create and waits until want Applications are Synced
// and Healthy, reading every replica's CPU, requests and syncs before and
// after, and its memory at the end.
func (b *bench) measureSync(ctx context.Context, create func() error, want int, killAfter time.Duration) (syncResult, error) {
	r := syncResult{apps: want, replicas: make([]replicaResult, len(b.replicas))}
	before := make([]usage, len(b.replicas))
	for i, rep := range b.replicas {
		var err error
		if before[i], err = rep.usage(); err != nil {
			return r, err
		}
		r.replicas[i] = replicaResult{name: rep.name, pid: rep.proc.Pid()}
	}
	start := time.Now()
	if err := create(); err != nil {
		return r, err
	}

	// the kill, at start+killAfter, unless the fleet is done by then
	var (
		killed  = make(chan struct{})
		killErr error
		killAt  time.Time
		timer   *time.Timer
		victim  = len(b.replicas) - 1
	)
	if killAfter > 0 {
		timer = time.AfterFunc(time.Until(start.Add(killAfter)), func() {
			defer close(killed)
			rep, res := b.replicas[victim], &r.replicas[victim]
			u, err := rep.usage()
			if err == nil {
				res.use = u.sub(before[victim])
				res.mem, err = benchkit.ReadMemory(rep.proc.Pid())
			}
			if err != nil {
				killErr = err
				return
			}
			res.sampled = rep.mem.Stop()
			rep.killed.Store(true)
			res.killed = true
			killErr = rep.proc.Kill()
			killAt = time.Now()
			fmt.Printf("   [%5.1fs] killed %s (pid %d) with SIGKILL\n", killAt.Sub(start).Seconds(), rep.name, res.pid)
		})
	}

	took, err := b.waitFleet(ctx, start, want)
	if timer != nil && !timer.Stop() {
		<-killed // the kill ran, or is running
	}
	if err != nil {
		return r, err
	}
	if killErr != nil {
		return r, killErr
	}
	r.took = took
	if killAfter > 0 {
		r.kill = &killResult{victim: b.replicas[victim].name, at: killAfter}
		if killAt.IsZero() || killAt.Sub(start) > took {
			r.kill.late = true
			fmt.Printf("   no kill: the fleet was Synced and Healthy before %s (choose a shorter -kill-after)\n", killAfter)
		} else {
			r.kill.at = killAt.Sub(start)
			r.kill.recovered = took - r.kill.at
		}
	}
	for i, rep := range b.replicas {
		res := &r.replicas[i]
		if !res.killed {
			u, err := rep.usage()
			if err != nil {
				return r, err
			}
			res.use = u.sub(before[i])
			if res.mem, err = benchkit.ReadMemory(rep.proc.Pid()); err != nil {
				return r, err
			}
			res.sampled = rep.mem.Peak()
		}
		r.use = r.use.add(res.use)
	}
	who := "the controller"
	if len(b.replicas) > 1 {
		who = fmt.Sprintf("the %d replicas", len(b.replicas))
	}
	fmt.Printf("   %s used %.1f CPU-s and made %.0f API requests (%.1f per app) during the sync\n",
		who, r.use.cpu.Total().Seconds(), r.use.requests(), r.perApp(r.use.requests()))
	return r, nil
}

// waitFleet waits until want Applications are Synced and Healthy and
// returns the time since start.
func (b *bench) waitFleet(ctx context.Context, start time.Time, want int) (time.Duration, error) {
	last := time.Now()
	err := benchkit.Poll(ctx, 250*time.Millisecond, b.opts.timeout, func() (bool, error) {
		if err := b.alive(); err != nil {
			return false, err
		}
		var apps v1alpha1.ApplicationList
		if err := b.appCache.List(ctx, &apps, client.InNamespace(appNamespace), client.UnsafeDisableDeepCopy); err != nil {
			return false, err
		}
		done := 0
		for _, a := range apps.Items {
			if a.Status.Sync.Status == v1alpha1.SyncStatusCodeSynced && a.Status.Health.Status == v1alpha1.HealthStatusHealthy {
				done++
			}
		}
		if time.Since(last) > 5*time.Second {
			fmt.Printf("   [%5.1fs] %d of %d apps exist, %d Synced and Healthy\n", time.Since(start).Seconds(), len(apps.Items), want, done)
			last = time.Now()
		}
		return done == want, nil
	})
	if err != nil {
		return 0, fmt.Errorf("fleet not Synced and Healthy: %w (controller logs in %s)", err, b.s.logDir)
	}
	took := time.Since(start)
	fmt.Printf("   all %d apps Synced and Healthy after %s\n", want, took.Round(100*time.Millisecond))
	return took, nil
}

// resync measures the controller's CPU time while the fleet, with nothing
// changed, goes through its periodic resyncs: the CPU of a window of 1.25
// poll intervals, scaled to one reconcile per app by the number of
// reconciles the controller made in it (from its log).
func (b *bench) resync(ctx context.Context) (cpu, wall time.Duration, err error) {
	fmt.Printf("== measuring the CPU of periodic resyncs with nothing changed (%s)\n", (b.opts.poll * 5 / 4).Round(time.Second))
	time.Sleep(5 * time.Second) // let the last syncs' events settle
	pid := b.replicas[0].proc.Pid()
	cpu0, err := benchkit.ProcessCPU(pid)
	if err != nil {
		return 0, 0, err
	}
	n0, err := b.reconciles()
	if err != nil {
		return 0, 0, err
	}
	window := b.opts.poll * 5 / 4
	if b.opts.profile != "" {
		go b.cpuProfile(b.opts.profile+"-resync.pprof", window-5*time.Second)
	}
	select {
	case <-ctx.Done():
		return 0, 0, ctx.Err()
	case <-time.After(window):
	}
	cpu1, err := benchkit.ProcessCPU(pid)
	if err != nil {
		return 0, 0, err
	}
	n1, err := b.reconciles()
	if err != nil {
		return 0, 0, err
	}
	done := n1 - n0
	if done == 0 {
		return 0, 0, fmt.Errorf("no reconciles in %s: is the poll interval longer than the window?", window)
	}
	perResync := time.Duration(float64(cpu1-cpu0) * float64(b.apps+1) / float64(done))
	fmt.Printf("   %.0f reconciles used %s of CPU: %s per full resync of %d apps\n", done, (cpu1 - cpu0).Round(time.Millisecond), perResync.Round(time.Millisecond), b.apps+1)
	return perResync, window, nil
}

// reconciles is the number of Application reconciles so far, from the
// controller's metrics.
func (b *bench) reconciles() (float64, error) {
	return benchkit.ScrapeCounter(b.replicas[0].metrics, "controller_runtime_reconcile_total", `controller="application"`)
}

// pushAll changes one app's ConfigMap per push, posts a GitHub push event
// to the webhook and times until the new ConfigMap is applied.
func (b *bench) pushAll(ctx context.Context) ([]time.Duration, error) {
	fmt.Printf("== %d git pushes through the webhook\n", b.opts.pushes)
	var lat []time.Duration
	for k := range b.opts.pushes {
		name := appName((k * 37) % b.apps)
		path := "apps/" + name + "/configmap.yaml"
		sha := b.repo.Commit(b.git, map[string]string{path: configMap(name, k+1)}, "push "+fmt.Sprint(k+1))
		start := time.Now()
		if err := b.postPush(ctx, sha, path); err != nil {
			return nil, err
		}
		want := fmt.Sprint(k + 1)
		err := benchkit.Poll(ctx, 10*time.Millisecond, time.Minute, func() (bool, error) {
			cm := &corev1.ConfigMap{}
			if err := b.kube.Get(ctx, client.ObjectKey{Namespace: fleetNamespace, Name: name}, cm); err != nil {
				return false, nil
			}
			return cm.Data["version"] == want, nil
		})
		if err != nil {
			return nil, fmt.Errorf("push %d to %s not applied: %w", k+1, name, err)
		}
		lat = append(lat, time.Since(start))
		fmt.Printf("   push %d (%s): applied after %s\n", k+1, name, lat[k].Round(time.Millisecond))
	}
	return lat, nil
}

func (b *bench) postPush(ctx context.Context, sha, path string) error {
	body, _ := json.Marshal(map[string]any{
		"ref": "refs/heads/main", "after": sha,
		"repository": map[string]any{"clone_url": b.repo.URL(), "html_url": b.repo.URL(), "default_branch": "main"},
		"commits":    []any{map[string]any{"id": sha, "modified": []string{path}}},
	})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, b.replicas[0].webhook, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-GitHub-Event", "push")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("post push: %w", err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(out), `"refreshed":1`) {
		return fmt.Errorf("webhook answered %d %s, want one app refreshed", resp.StatusCode, out)
	}
	return nil
}

// bareSSA applies the fleet's objects with a bare server-side-apply
// client, -bare-parallel at a time and without a client-side rate limit
// (unless -bare-qps), and waits until the Deployments are available: what
// the API server can take, the limit the controller's sync can approach.
func (b *bench) bareSSA(ctx context.Context) (bareResult, error) {
	fmt.Printf("== the same %d objects (Applications, ConfigMaps, Deployments) by a bare server-side-apply client (%s)\n", 3*b.apps, b.s.bareSettings())
	cfg := rest.CopyConfig(b.cfg)
	cfg.QPS, cfg.Burst = float32(b.opts.bareQPS), 0
	if b.opts.bareQPS > 0 {
		cfg.Burst = max(1, int(2*b.opts.bareQPS))
	}
	ac, err := apply.NewForConfig(cfg)
	if err != nil {
		return bareResult{}, err
	}
	type job struct{ manifest, namespace string }
	jobs := make(chan job)
	errs := make(chan error, b.opts.bareParallel)
	var wg sync.WaitGroup
	start := time.Now()
	for range b.opts.bareParallel {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				objs, err := object.Decode([]byte(j.manifest))
				if err == nil {
					objs[0].SetNamespace(j.namespace)
					_, err = ac.Apply(ctx, objs[0])
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	for i := range b.apps {
		jobs <- job{childApp(appName(i), b.repo.URL()), bareAppNamespace}
		jobs <- job{configMap(appName(i), 0), bareNamespace}
		jobs <- job{deployment(appName(i)), bareNamespace}
	}
	close(jobs)
	wg.Wait()
	select {
	case err := <-errs:
		return bareResult{}, fmt.Errorf("bare apply: %w", err)
	default:
	}
	applied := time.Since(start)
	err = benchkit.Poll(ctx, 500*time.Millisecond, b.opts.timeout, func() (bool, error) {
		var ds appsv1.DeploymentList
		if err := b.kube.List(ctx, &ds, client.InNamespace(bareNamespace)); err != nil {
			return false, err
		}
		ready := 0
		for _, d := range ds.Items {
			if d.Status.AvailableReplicas >= 1 && d.Status.ObservedGeneration >= d.Generation {
				ready++
			}
		}
		return ready == b.apps, nil
	})
	if err != nil {
		return bareResult{}, fmt.Errorf("bare Deployments not available: %w", err)
	}
	r := bareResult{applied: applied, available: time.Since(start)}
	fmt.Printf("   applied in %s, all Deployments available after %s\n", r.applied.Round(100*time.Millisecond), r.available.Round(100*time.Millisecond))
	return r, nil
}
