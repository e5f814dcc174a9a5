package controlplane

import (
	"context"
	"fmt"
	"time"

	"k8s.io/client-go/kubernetes"
)

// Components that StopComponent and StartComponent take, for tests of
// what a client lives through when the API server restarts or etcd is
// briefly gone.
const (
	Etcd      = etcdName
	APIServer = apiserverName
)

// stopGrace is how long StopComponent waits after SIGTERM before
// SIGKILL: the apiserver does not exit on SIGTERM while clients hold
// watches (it hangs for minutes), and etcd takes seconds, so a stopped
// component is in effect a crashed one.
const stopGrace = 2 * time.Second

// StopComponent stops one component (Etcd or APIServer) as a crash does
// (SIGTERM, SIGKILL soon after), leaving the others running: with etcd
// gone the apiserver's requests hang until they time out, with the
// apiserver gone its port refuses connections. It is not safe to call
// concurrently with Stop or StartComponent.
func (p *Plane) StopComponent(name string) error {
	if err := restartable(name); err != nil {
		return err
	}
	proc := p.procs[name]
	if proc == nil {
		return fmt.Errorf("stop %s: not started", name)
	}
	return proc.stop(stopGrace)
}

// StartComponent starts a component that StopComponent stopped again,
// with the same flags, port and data, and waits until it is ready.
func (p *Plane) StartComponent(ctx context.Context, name string) error {
	if err := restartable(name); err != nil {
		return err
	}
	if proc := p.procs[name]; proc != nil {
		if ok, _ := proc.exited(); !ok {
			return fmt.Errorf("start %s: still running", name)
		}
	}
	args := p.layout.etcdArgs()
	if name == APIServer {
		args = p.layout.apiserverArgs()
	}
	proc, err := p.run(name, args, nil)
	if err != nil {
		return err
	}
	if name == Etcd {
		return waitUntil(ctx, p.timeout, proc, nil, func(ctx context.Context) error {
			return etcdHealthy(ctx, p.layout.etcdURL())
		})
	}
	cs, err := kubernetes.NewForConfig(p.config)
	if err != nil {
		return fmt.Errorf("client: %w", err)
	}
	return waitUntil(ctx, p.timeout, proc, []*process{p.procs[etcdName]}, func(ctx context.Context) error {
		return apiserverReady(ctx, cs)
	})
}

func restartable(name string) error {
	if name != Etcd && name != APIServer {
		return fmt.Errorf("component %q cannot be stopped alone: only %s and %s", name, Etcd, APIServer)
	}
	return nil
}
