package controlplane

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// DefaultTimeout is how long Start waits for each component by default.
const DefaultTimeout = 60 * time.Second

// Options configure Start. The zero value is a one-node plane in a temp dir
// with binaries from the repository's cache.
type Options struct {
	// BinDir holds the binaries built by hack/build-controlplane.sh. Default:
	// $FLOTILLA_CONTROLPLANE_BIN, else $FLOTILLA_CACHE_DIR/controlplane/bin,
	// else <repo root>/.cache/controlplane/bin with the repo root found by
	// walking up from the working dir to a go.mod; the first of these that
	// holds every binary wins.
	BinDir string
	// Dir is the work dir (certificates, kubeconfigs, etcd data, logs).
	// Default: a new temp dir, removed by Stop. A given Dir is kept.
	Dir string
	// Nodes is the number of fake kwok nodes, kwok-node-0 and up. Default 1.
	Nodes int
	// Log receives every component's output, each line prefixed with the
	// component name. Default: one file per component in Dir/logs.
	Log io.Writer
	// Timeout bounds each readiness wait of Start. Default DefaultTimeout.
	Timeout time.Duration
}

// Phase is one timed step of Start.
type Phase struct {
	Name string
	Took time.Duration
}

// Plane is a running control plane. Stop it when done.
type Plane struct {
	binDir  string
	dir     string
	ownDir  bool
	nodes   int
	timeout time.Duration
	layout  layout
	pki     *pki
	config  *rest.Config
	logMu   sync.Mutex // serialises writes to Options.Log
	log     io.Writer

	procs   map[string]*process
	startup time.Duration
	phases  []Phase

	stopOnce sync.Once
	stopErr  error
}

// Start starts etcd, kube-apiserver, kube-controller-manager, kube-scheduler
// and kwok on 127.0.0.1 and returns once all are ready and the fake nodes
// are Ready. ctx bounds only the start: the plane runs until Stop. On error
// everything started so far is stopped again.
func Start(ctx context.Context, opts Options) (*Plane, error) {
	began := time.Now()
	binDir, err := findBinDir(opts.BinDir)
	if err != nil {
		return nil, err
	}
	p := &Plane{
		binDir:  binDir,
		nodes:   opts.Nodes,
		timeout: opts.Timeout,
		log:     opts.Log,
		procs:   map[string]*process{},
	}
	if p.nodes <= 0 {
		p.nodes = 1
	}
	if p.timeout <= 0 {
		p.timeout = DefaultTimeout
	}
	if err := p.start(ctx, opts.Dir); err != nil {
		if serr := p.Stop(); serr != nil {
			err = fmt.Errorf("%w (and stopping: %v)", err, serr)
		}
		return nil, fmt.Errorf("start control plane: %w", err)
	}
	p.startup = time.Since(began)
	return p, nil
}

func (p *Plane) start(ctx context.Context, dir string) error {
	if err := p.makeDir(dir); err != nil {
		return err
	}
	ports, err := freePorts(portCount)
	if err != nil {
		return err
	}
	p.layout = newLayout(p.dir, ports)
	err = p.phase("certificates", func() error {
		if p.pki, err = newPKI(time.Now()); err != nil {
			return err
		}
		if p.layout.pki, err = p.pki.write(filepath.Join(p.dir, "pki")); err != nil {
			return err
		}
		host := p.layout.apiserverURL()
		p.config = adminRESTConfig(host, p.pki)
		for _, path := range []string{p.layout.adminKubeconfig, p.layout.managerKubeconfig, p.layout.schedulerKubeconfig, p.layout.kwokKubeconfig} {
			if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
				return fmt.Errorf("create kubeconfig dir: %w", err)
			}
			if err := writeKubeconfig(path, host, p.pki); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	cs, err := kubernetes.NewForConfig(p.config)
	if err != nil {
		return fmt.Errorf("client: %w", err)
	}

	err = p.phase(etcdName, func() error {
		etcd, err := p.run(etcdName, p.layout.etcdArgs(), nil)
		if err != nil {
			return err
		}
		return waitUntil(ctx, p.timeout, etcd, nil, func(ctx context.Context) error {
			return etcdHealthy(ctx, p.layout.etcdURL())
		})
	})
	if err != nil {
		return err
	}

	err = p.phase(apiserverName, func() error {
		apiserver, err := p.run(apiserverName, p.layout.apiserverArgs(), nil)
		if err != nil {
			return err
		}
		return waitUntil(ctx, p.timeout, apiserver, []*process{p.procs[etcdName]}, func(ctx context.Context) error {
			return apiserverReady(ctx, cs)
		})
	})
	if err != nil {
		return err
	}

	if err := p.phase("nodes", func() error { return createNodes(ctx, cs, p.nodes) }); err != nil {
		return err
	}

	return p.phase("controllers", func() error {
		manager, err := p.run(managerName, p.layout.managerArgs(), nil)
		if err != nil {
			return err
		}
		scheduler, err := p.run(schedulerName, p.layout.schedulerArgs(), nil)
		if err != nil {
			return err
		}
		stages, err := kwokStages(p.binDir)
		if err != nil {
			return fmt.Errorf("kwok stages: %w", err)
		}
		kwokDir := filepath.Join(p.dir, "kwok")
		if err := os.MkdirAll(kwokDir, 0o755); err != nil {
			return fmt.Errorf("create kwok dir: %w", err)
		}
		// KWOK_WORKDIR keeps kwok from loading ~/.kwok/kwok.yaml.
		kwok, err := p.run(kwokName, kwokArgs(p.layout.kwokKubeconfig, p.layout.kwokPort, stages), []string{"KWOK_WORKDIR=" + kwokDir})
		if err != nil {
			return err
		}
		all := []*process{p.procs[etcdName], p.procs[apiserverName], manager, scheduler, kwok}
		if err := waitUntil(ctx, p.timeout, scheduler, all, func(ctx context.Context) error {
			return schedulerHealthy(ctx, p.layout.schedulerPort, p.pki.CACert)
		}); err != nil {
			return err
		}
		if err := waitUntil(ctx, p.timeout, manager, all, func(ctx context.Context) error {
			return defaultServiceAccount(ctx, cs)
		}); err != nil {
			return err
		}
		return waitUntil(ctx, p.timeout, kwok, all, func(ctx context.Context) error {
			return nodesReady(ctx, cs, p.nodes)
		})
	})
}

// makeDir creates the work dir: dir, or a new temp dir.
func (p *Plane) makeDir(dir string) error {
	if dir == "" {
		tmp, err := os.MkdirTemp("", "flotilla-controlplane-")
		if err != nil {
			return fmt.Errorf("create work dir: %w", err)
		}
		p.dir, p.ownDir = tmp, true
		return nil
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return fmt.Errorf("work dir: %w", err)
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return fmt.Errorf("create work dir: %w", err)
	}
	p.dir = abs
	return nil
}

// run starts component name from the bin dir.
func (p *Plane) run(name string, args, extraEnv []string) (*process, error) {
	var sink logSink = fileSink{path: logPath(p.dir, name)}
	if p.log != nil {
		sink = newWriterSink(&p.logMu, p.log, name)
	}
	env := append(os.Environ(), extraEnv...)
	proc, err := startProcess(name, filepath.Join(p.binDir, name), args, env, sink)
	if err != nil {
		return nil, err
	}
	p.procs[name] = proc
	return proc, nil
}

// phase runs fn and records how long it took.
func (p *Plane) phase(name string, fn func() error) error {
	t := time.Now()
	err := fn()
	p.phases = append(p.phases, Phase{Name: name, Took: time.Since(t)})
	return err
}

// Stop stops kwok, the scheduler and the controller-manager, then the
// apiserver, then etcd (an apiserver without etcd hangs on shutdown), and
// removes the work dir if Start created it. Stop is idempotent.
func (p *Plane) Stop() error {
	p.stopOnce.Do(func() { p.stopErr = p.stop() })
	return p.stopErr
}

func (p *Plane) stop() error {
	var (
		mu   sync.Mutex
		errs []error
		wg   sync.WaitGroup
	)
	stop := func(name string, grace time.Duration) {
		if proc := p.procs[name]; proc != nil {
			if err := proc.stop(grace); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		}
	}
	for _, name := range []string{kwokName, schedulerName, managerName} {
		wg.Go(func() { stop(name, 10*time.Second) })
	}
	wg.Wait()
	stop(apiserverName, 20*time.Second)
	stop(etcdName, 10*time.Second)
	if p.ownDir && p.dir != "" {
		if err := os.RemoveAll(p.dir); err != nil {
			errs = append(errs, fmt.Errorf("remove work dir: %w", err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("stop control plane: %w", err)
	}
	return nil
}

// RESTConfig returns a new admin (system:masters) client config.
func (p *Plane) RESTConfig() *rest.Config { return rest.CopyConfig(p.config) }

// KubeconfigPath is the admin kubeconfig, usable by kubectl.
func (p *Plane) KubeconfigPath() string { return p.layout.adminKubeconfig }

// Host is the apiserver URL, https://127.0.0.1:<port>.
func (p *Plane) Host() string { return p.layout.apiserverURL() }

// BinDir is the folder of the control plane's binaries, which also holds
// the kubectl that hack/build-controlplane.sh builds of the same version.
func (p *Plane) BinDir() string { return p.binDir }

// Dir is the work dir; component logs are in Dir/logs unless Options.Log
// was set.
func (p *Plane) Dir() string { return p.dir }

// NodeNames are the names of the fake nodes.
func (p *Plane) NodeNames() []string {
	names := make([]string, p.nodes)
	for i := range names {
		names[i] = nodeName(i)
	}
	return names
}

// StartupDuration is how long Start took, from call to return.
func (p *Plane) StartupDuration() time.Duration { return p.startup }

// Phases are Start's steps with their durations, in order.
func (p *Plane) Phases() []Phase { return append([]Phase(nil), p.phases...) }
