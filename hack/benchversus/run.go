package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"flotilla.dev/flotilla/hack/benchkit"
	"flotilla.dev/flotilla/internal/apply"
	"flotilla.dev/flotilla/internal/controller"
	"flotilla.dev/flotilla/internal/controlplane"
	"flotilla.dev/flotilla/internal/health"
	"flotilla.dev/flotilla/internal/object"
	"flotilla.dev/flotilla/internal/source/git/gittest"
)

// appNamespace holds the Applications and the AppProject, as in an Argo
// CD install.
const appNamespace = "argocd"

// rootName is the app-of-apps workload's root Application.
const rootName = "root"

// system is Argo CD or flotilla, run as processes against one plane.
type system interface {
	name() string
	// start starts the processes, each with a kubeconfig through e.proxy,
	// and returns once they are ready.
	start(ctx context.Context, e *env) error
	processes() []*benchkit.Process
	webhookURL() string
	stop()
}

// env is one workload on one system: its control plane, git repository
// and request-counting proxy.
type env struct {
	o        options
	workload string
	sys      system
	logDir   string // kept
	dataDir  string // removed after the run
	plane    *controlplane.Plane
	cfg      *rest.Config
	kube     client.Client
	proxy    *apiProxy
	git      *gittest.Standalone
	repo     *gittest.Repo
	head     string // the repository's newest commit
}

// procResult is what one process of a system used.
type procResult struct {
	name                   string
	startCPU, syncCPU      benchkit.CPU
	idleCPU                benchkit.CPU
	mem                    benchkit.Memory
	startReq, syncReq      counts
	idleReq                counts
	refreshReq, webhookReq counts
	hasRequests            bool
}

// result is one workload on one system.
type result struct {
	workload, system string
	apps             int
	synced, healthy  time.Duration // from applying to all N Synced, all N Healthy
	idle             time.Duration // the idle window
	refresh, webhook time.Duration // from the commit's refresh / push to all N at its revision
	procs            []procResult
}

func runOne(ctx context.Context, o options, workload string, sys system, logDir string) (r *result, err error) {
	fmt.Printf("\n=== %s: %d apps, %s\n", workload, o.apps, sys.name())
	e := &env{o: o, workload: workload, sys: sys, logDir: logDir}
	defer func() {
		if p := recover(); p != nil { // gittest.Standalone reports failures by panicking
			err = fmt.Errorf("git: %v", p)
		}
	}()
	if err := os.MkdirAll(logDir, 0o755); err != nil {
		return nil, err
	}
	if e.dataDir, err = os.MkdirTemp("", "benchversus-data-"); err != nil {
		return nil, err
	}
	defer e.close()
	if err := e.setUp(ctx); err != nil {
		return nil, err
	}
	fmt.Printf("== starting %s\n", sys.name())
	if err := sys.start(ctx, e); err != nil {
		return nil, err
	}
	for _, p := range sys.processes() {
		fmt.Printf("   %s: pid %d, log %s\n", p.Name, p.Pid(), p.LogPath)
	}
	return e.measure(ctx)
}

func (e *env) setUp(ctx context.Context) error {
	nodes := benchkit.NodesFor(e.o.apps)
	fmt.Printf("== starting a fresh control plane (%d kwok node(s))\n", nodes)
	var err error
	if e.plane, err = controlplane.Start(ctx, controlplane.Options{Nodes: nodes}); err != nil {
		return err
	}
	e.cfg = e.plane.RESTConfig()
	e.cfg.WarningHandler = rest.NoWarnings{}
	e.cfg.QPS, e.cfg.Burst = 500, 1000
	scheme, err := controller.Scheme()
	if err != nil {
		return err
	}
	if e.kube, err = client.New(e.cfg, client.Options{Scheme: scheme}); err != nil {
		return err
	}
	ac, err := apply.NewForConfig(e.cfg)
	if err != nil {
		return err
	}
	crds, err := readManifests(filepath.Join(e.o.argoSrc, "manifests", "crds"))
	if err != nil {
		return err
	}
	fmt.Printf("== applying Argo CD's %d CRDs from %s\n", len(crds), filepath.Join(e.o.argoSrc, "manifests", "crds"))
	for _, crd := range crds {
		if _, err := ac.Apply(ctx, crd); err != nil {
			return fmt.Errorf("apply Argo CD's CRD %s: %w", crd.GetName(), err)
		}
	}
	for _, crd := range crds {
		err := benchkit.Poll(ctx, 100*time.Millisecond, time.Minute, func() (bool, error) {
			live, err := ac.Get(ctx, crd)
			if err != nil || live == nil {
				return false, err
			}
			return health.Assess(live).Code == health.Healthy, nil
		})
		if err != nil {
			return fmt.Errorf("CRD %s not established: %w", crd.GetName(), err)
		}
	}
	if err := e.kube.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: appNamespace}}); err != nil {
		return fmt.Errorf("create namespace %s: %w", appNamespace, err)
	}
	// Argo CD's base configuration, as its install applies it, for both
	// systems: the same cluster state whichever controller runs.
	config, err := readManifests(filepath.Join(e.o.argoSrc, "manifests", "base", "config"))
	if err != nil {
		return err
	}
	for _, obj := range config {
		obj.SetNamespace(appNamespace)
		if _, err := ac.Apply(ctx, obj); err != nil {
			return fmt.Errorf("apply %s %s: %w", obj.GetKind(), obj.GetName(), err)
		}
	}
	// The default project, as argocd-server creates it when missing.
	project := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "argoproj.io/v1alpha1", "kind": "AppProject",
		"metadata": map[string]any{"name": "default", "namespace": appNamespace},
		"spec": map[string]any{
			"sourceRepos":              []any{"*"},
			"destinations":             []any{map[string]any{"server": "*", "namespace": "*"}},
			"clusterResourceWhitelist": []any{map[string]any{"group": "*", "kind": "*"}},
		},
	}}
	if err := e.kube.Create(ctx, project); err != nil {
		return fmt.Errorf("create the default AppProject: %w", err)
	}
	if e.git, err = gittest.NewStandalone(); err != nil {
		return err
	}
	srv := gittest.NewServer(e.git)
	e.repo = srv.NewRepo(e.git, "fleet")
	e.head = e.repo.Commit(e.git, e.files(0), fmt.Sprintf("%d apps", e.o.apps))
	fmt.Printf("== committed %d apps (a ConfigMap and a Deployment each, and their Applications under root/) to %s at %.7s\n", e.o.apps, e.repo.URL(), e.head)
	if e.proxy, err = newAPIProxy(e.plane.RESTConfig()); err != nil {
		return err
	}
	return nil
}

// readManifests decodes the YAML files of dir but kustomization.yaml.
func readManifests(dir string) ([]*unstructured.Unstructured, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	var out []*unstructured.Unstructured
	for _, f := range files {
		if filepath.Base(f) == "kustomization.yaml" {
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		objs, err := object.Decode(data)
		if err != nil {
			return nil, fmt.Errorf("decode %s: %w", f, err)
		}
		out = append(out, objs...)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no manifests in %s", dir)
	}
	return out, nil
}

// app is the Application of app i: its own directory into its own
// namespace, created by the sync.
func (e *env) app(i int) benchkit.App {
	name := benchkit.AppName(i)
	return benchkit.App{Name: name, Namespace: appNamespace, RepoURL: e.repo.URL(), Path: "apps/" + name, DestNamespace: name, CreateNamespace: true}
}

// root is the app-of-apps workload's root over root/.
func (e *env) root() benchkit.App {
	return benchkit.App{Name: rootName, Namespace: appNamespace, RepoURL: e.repo.URL(), Path: "root", DestNamespace: appNamespace}
}

// files is the repository's content, the same for both workloads and
// systems: apps/<name>/ a ConfigMap (data.version = version) and a
// Deployment, root/<name>.yaml its Application.
func (e *env) files(version int) map[string]string {
	files := map[string]string{}
	for i := range e.o.apps {
		name := benchkit.AppName(i)
		files["root/"+name+".yaml"] = e.app(i).Manifest()
		files["apps/"+name+"/configmap.yaml"] = benchkit.ConfigMap(name, version)
		files["apps/"+name+"/deployment.yaml"] = benchkit.Deployment(name)
	}
	return files
}

// configMaps is the ConfigMaps' files at version.
func (e *env) configMaps(version int) map[string]string {
	files := map[string]string{}
	for i := range e.o.apps {
		name := benchkit.AppName(i)
		files["apps/"+name+"/configmap.yaml"] = benchkit.ConfigMap(name, version)
	}
	return files
}

func (e *env) close() {
	if e.sys != nil {
		fmt.Printf("== stopping %s\n", e.sys.name())
		e.sys.stop()
	}
	if e.proxy != nil {
		e.proxy.close()
	}
	if e.git != nil {
		_ = e.git.Close()
	}
	if e.plane != nil {
		if e.o.keepLogs {
			keepPlaneLogs(e.plane.Dir(), e.logDir)
		}
		fmt.Printf("== stopping the control plane\n")
		if err := e.plane.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "benchversus:", err)
		}
	}
	if e.dataDir != "" {
		_ = os.RemoveAll(e.dataDir)
	}
}

// keepPlaneLogs copies the control plane components' logs into dir.
func keepPlaneLogs(planeDir, dir string) {
	logs, _ := filepath.Glob(filepath.Join(planeDir, "logs", "*.log"))
	for _, l := range logs {
		data, err := os.ReadFile(l)
		if err == nil {
			_ = os.WriteFile(filepath.Join(dir, "plane-"+filepath.Base(l)), data, 0o644)
		}
	}
}

// checkAlive is an error when one of the system's processes has exited.
func (e *env) checkAlive() error {
	for _, p := range e.sys.processes() {
		if err := p.Check(); err != nil {
			return err
		}
	}
	return nil
}

// appStatus counts the N apps (the root left out) that exist, are Synced,
// Healthy, and Synced at revision rev (when not empty).
type appStatus struct {
	exist, synced, healthy, both, atRev int
}

func (e *env) status(ctx context.Context, rev string) (appStatus, error) {
	var s appStatus
	list := &unstructured.UnstructuredList{}
	list.SetAPIVersion("argoproj.io/v1alpha1")
	list.SetKind("ApplicationList")
	if err := e.kube.List(ctx, list, client.InNamespace(appNamespace)); err != nil {
		return s, err
	}
	for _, a := range list.Items {
		if a.GetName() == rootName {
			continue
		}
		s.exist++
		sync, _, _ := unstructured.NestedString(a.Object, "status", "sync", "status")
		revision, _, _ := unstructured.NestedString(a.Object, "status", "sync", "revision")
		healthy, _, _ := unstructured.NestedString(a.Object, "status", "health", "status")
		if sync == "Synced" {
			s.synced++
		}
		if healthy == "Healthy" {
			s.healthy++
		}
		if sync == "Synced" && healthy == "Healthy" {
			s.both++
		}
		if rev != "" && sync == "Synced" && revision == rev {
			s.atRev++
		}
	}
	return s, nil
}

// snapshot is the CPU time and API requests of the system's processes.
type snapshot struct {
	cpu map[string]benchkit.CPU
	req map[string]counts
}

func (e *env) snap() (snapshot, error) {
	s := snapshot{cpu: map[string]benchkit.CPU{}, req: e.proxy.snapshot()}
	for _, p := range e.sys.processes() {
		c, err := benchkit.ReadCPU(p.Pid())
		if err != nil {
			return s, fmt.Errorf("%s: %w", p.Name, err)
		}
		s.cpu[p.Name] = c
	}
	return s, nil
}

func (e *env) measure(ctx context.Context) (*result, error) {
	r := &result{workload: e.workload, system: e.sys.name(), apps: e.o.apps}
	for _, p := range e.sys.processes() {
		r.procs = append(r.procs, procResult{name: p.Name})
	}
	each := func(fn func(p *procResult)) {
		for i := range r.procs {
			fn(&r.procs[i])
		}
	}
	fmt.Printf("== letting %s settle for 5s\n", e.sys.name())
	if err := sleep(ctx, 5*time.Second); err != nil {
		return nil, err
	}

	// 1. the sync
	s0, err := e.snap()
	if err != nil {
		return nil, err
	}
	start := time.Now()
	if err := e.applyWorkload(ctx); err != nil {
		return nil, err
	}
	if r.synced, r.healthy, err = e.waitSynced(ctx, start); err != nil {
		return nil, err
	}
	s1, err := e.snap()
	if err != nil {
		return nil, err
	}
	each(func(p *procResult) {
		p.startCPU, p.startReq = s0.cpu[p.name], s0.req[p.name]
		p.syncCPU = s1.cpu[p.name].Sub(s0.cpu[p.name])
		_, p.hasRequests = s1.req[p.name]
		p.syncReq = s1.req[p.name].sub(s0.req[p.name])
	})
	fmt.Printf("   %s of CPU, %d API requests (%.1f per app)\n", sumCPU(r.procs, func(p procResult) benchkit.CPU { return p.syncCPU }).Total().Round(10*time.Millisecond),
		sumReq(r.procs, func(p procResult) counts { return p.syncReq }).total(), float64(sumReq(r.procs, func(p procResult) counts { return p.syncReq }).total())/float64(e.o.apps))

	// 2. idle
	fmt.Printf("== idle: 5s to settle, then CPU and requests over %s with nothing changing\n", e.o.idle)
	if err := sleep(ctx, 5*time.Second); err != nil {
		return nil, err
	}
	s2, err := e.snap()
	if err != nil {
		return nil, err
	}
	idleStart := time.Now()
	if err := sleep(ctx, e.o.idle); err != nil {
		return nil, err
	}
	s3, err := e.snap()
	if err != nil {
		return nil, err
	}
	r.idle = time.Since(idleStart)
	if err := e.checkAlive(); err != nil {
		return nil, err
	}
	each(func(p *procResult) {
		p.idleCPU = s3.cpu[p.name].Sub(s2.cpu[p.name])
		p.idleReq = s3.req[p.name].sub(s2.req[p.name])
	})
	fmt.Printf("   %s of CPU, %d API requests\n", sumCPU(r.procs, func(p procResult) benchkit.CPU { return p.idleCPU }).Total().Round(10*time.Millisecond),
		sumReq(r.procs, func(p procResult) counts { return p.idleReq }).total())

	// 3. a commit, then the refresh annotation on every Application
	sha := e.repo.Commit(e.git, e.configMaps(1), "every ConfigMap at version 1")
	fmt.Printf("== committed %.7s changing every app's ConfigMap; annotating every Application with %s: normal\n", sha, controller.RefreshAnnotation)
	s4, err := e.snap()
	if err != nil {
		return nil, err
	}
	start = time.Now()
	if err := e.annotateRefresh(ctx); err != nil {
		return nil, err
	}
	if r.refresh, err = e.waitRevision(ctx, start, sha); err != nil {
		return nil, err
	}
	s5, err := e.snap()
	if err != nil {
		return nil, err
	}
	each(func(p *procResult) { p.refreshReq = s5.req[p.name].sub(s4.req[p.name]) })
	e.head = sha

	// 4. a commit, then a webhook push
	before := e.head
	sha = e.repo.Commit(e.git, e.configMaps(2), "every ConfigMap at version 2")
	fmt.Printf("== committed %.7s changing every app's ConfigMap; posting a GitHub push event to %s\n", sha, e.sys.webhookURL())
	s6, err := e.snap()
	if err != nil {
		return nil, err
	}
	start = time.Now()
	if err := e.postPush(ctx, before, sha); err != nil {
		return nil, err
	}
	if r.webhook, err = e.waitRevision(ctx, start, sha); err != nil {
		return nil, err
	}
	s7, err := e.snap()
	if err != nil {
		return nil, err
	}
	each(func(p *procResult) { p.webhookReq = s7.req[p.name].sub(s6.req[p.name]) })
	e.head = sha

	// 5. memory, at the end
	for i, p := range e.sys.processes() {
		if r.procs[i].mem, err = benchkit.ReadMemory(p.Pid()); err != nil {
			return nil, fmt.Errorf("%s: %w", p.Name, err)
		}
	}
	return r, nil
}

// applyWorkload creates the N Applications (independent) or the root
// (app-of-apps).
func (e *env) applyWorkload(ctx context.Context) error {
	var manifests []string
	switch e.workload {
	case "independent":
		for i := range e.o.apps {
			manifests = append(manifests, e.app(i).Manifest())
		}
		fmt.Printf("== creating %d Applications at once; waiting for all to be Synced and Healthy\n", e.o.apps)
	case "app-of-apps":
		manifests = append(manifests, e.root().Manifest())
		fmt.Printf("== creating the root Application; waiting for its %d children to be Synced and Healthy\n", e.o.apps)
	}
	return parallel(ctx, len(manifests), func(i int) error {
		objs, err := object.Decode([]byte(manifests[i]))
		if err != nil {
			return err
		}
		if err := e.kube.Create(ctx, objs[0], client.FieldOwner("benchversus")); err != nil {
			return fmt.Errorf("create Application %s: %w", objs[0].GetName(), err)
		}
		return nil
	})
}

// waitSynced polls until all N apps are Synced and Healthy and returns
// when all were first Synced and first Healthy.
func (e *env) waitSynced(ctx context.Context, start time.Time) (synced, healthy time.Duration, err error) {
	last := time.Now()
	err = benchkit.Poll(ctx, 500*time.Millisecond, e.o.timeout, func() (bool, error) {
		if err := e.checkAlive(); err != nil {
			return false, err
		}
		s, err := e.status(ctx, "")
		if err != nil {
			return false, err
		}
		if synced == 0 && s.synced == e.o.apps {
			synced = time.Since(start)
		}
		if healthy == 0 && s.healthy == e.o.apps {
			healthy = time.Since(start)
		}
		if time.Since(last) > 5*time.Second {
			fmt.Printf("   [%5.1fs] %d of %d apps exist, %d Synced, %d Healthy\n", time.Since(start).Seconds(), s.exist, e.o.apps, s.synced, s.healthy)
			last = time.Now()
		}
		return s.both == e.o.apps, nil
	})
	if err != nil {
		return 0, 0, fmt.Errorf("apps not Synced and Healthy: %w (logs in %s)", err, e.logDir)
	}
	fmt.Printf("   all %d Synced after %s, all Healthy after %s\n", e.o.apps, synced.Round(100*time.Millisecond), healthy.Round(100*time.Millisecond))
	return synced, healthy, nil
}

// waitRevision polls until all N apps are Synced at rev.
func (e *env) waitRevision(ctx context.Context, start time.Time, rev string) (time.Duration, error) {
	last := time.Now()
	err := benchkit.Poll(ctx, 500*time.Millisecond, e.o.timeout, func() (bool, error) {
		if err := e.checkAlive(); err != nil {
			return false, err
		}
		s, err := e.status(ctx, rev)
		if err != nil {
			return false, err
		}
		if time.Since(last) > 5*time.Second {
			fmt.Printf("   [%5.1fs] %d of %d apps Synced at %.7s\n", time.Since(start).Seconds(), s.atRev, e.o.apps, rev)
			last = time.Now()
		}
		return s.atRev == e.o.apps, nil
	})
	if err != nil {
		return 0, fmt.Errorf("apps not Synced at %.7s: %w (logs in %s)", rev, err, e.logDir)
	}
	took := time.Since(start)
	fmt.Printf("   all %d Synced at %.7s after %s\n", e.o.apps, rev, took.Round(100*time.Millisecond))
	return took, nil
}

// annotateRefresh asks every Application (the root too) for a normal
// refresh.
func (e *env) annotateRefresh(ctx context.Context) error {
	list := &unstructured.UnstructuredList{}
	list.SetAPIVersion("argoproj.io/v1alpha1")
	list.SetKind("ApplicationList")
	if err := e.kube.List(ctx, list, client.InNamespace(appNamespace)); err != nil {
		return err
	}
	patch := client.RawPatch("application/merge-patch+json", []byte(`{"metadata":{"annotations":{"`+controller.RefreshAnnotation+`":"normal"}}}`))
	return parallel(ctx, len(list.Items), func(i int) error {
		if err := e.kube.Patch(ctx, &list.Items[i], patch); err != nil {
			return fmt.Errorf("annotate %s: %w", list.Items[i].GetName(), err)
		}
		return nil
	})
}

// parallel runs fn(0..n-1) on 16 goroutines and returns the first error.
func parallel(ctx context.Context, n int, fn func(i int) error) error {
	jobs := make(chan int)
	errs := make(chan error, n)
	done := make(chan struct{})
	workers := min(16, n)
	for range workers {
		go func() {
			defer func() { done <- struct{}{} }()
			for i := range jobs {
				if err := fn(i); err != nil {
					errs <- err
				}
			}
		}()
	}
feed:
	for i := range n {
		select {
		case jobs <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(jobs)
	for range workers {
		<-done
	}
	select {
	case err := <-errs:
		return err
	default:
		return ctx.Err()
	}
}

func sleep(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}

func sumCPU(ps []procResult, f func(procResult) benchkit.CPU) benchkit.CPU {
	var t benchkit.CPU
	for _, p := range ps {
		t = t.Add(f(p))
	}
	return t
}

func sumReq(ps []procResult, f func(procResult) counts) counts {
	var t counts
	for _, p := range ps {
		t = t.add(f(p))
	}
	return t
}

// shortName drops the system's prefix from a process name.
func shortName(name string) string {
	for _, p := range []string{"argocd-", "flotilla-"} {
		name = strings.TrimPrefix(name, p)
	}
	return name
}
