package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/hack/benchkit"
	"flotilla.dev/flotilla/internal/apply"
	"flotilla.dev/flotilla/internal/appset"
	"flotilla.dev/flotilla/internal/object"
)

// appSetName is the benchmark's ApplicationSet.
const appSetName = "fleet-dirs"

// appSetManifest is one git-directories ApplicationSet over apps/*: an
// Application per directory, as childApp writes them by hand.
func appSetManifest(repoURL string) string {
	return fmt.Sprintf(`apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: %s
  namespace: %s
spec:
  goTemplate: true
  generators:
  - git:
      repoURL: %q
      revision: HEAD
      directories:
      - path: apps/*
  template:
    metadata:
      name: '{{.path.basename}}'
      annotations:
        argocd.argoproj.io/manifest-generate-paths: .
    spec:
      project: default
      source: {repoURL: %q, path: '{{.path.path}}', targetRevision: HEAD}
      destination: {server: https://kubernetes.default.svc, namespace: %s}
      syncPolicy:
        automated: {prune: true, selfHeal: true}
`, appSetName, appNamespace, repoURL, repoURL, fleetNamespace)
}

// runAppSet is the ApplicationSet benchmark: the set created → all its
// Applications Synced and Healthy; a pushed directory → its Application
// Synced; the CPU of one pass of the set with nothing changed.
func runAppSet(ctx context.Context, s *session) error {
	o := s.opts
	b, err := setUp(ctx, s, o.apps, o.apps+o.pushes, "appset")
	if b != nil {
		defer b.close()
	}
	if err != nil {
		return err
	}
	if err := b.startControllers(ctx, 1, false); err != nil {
		return err
	}
	r := appSetResults{nodes: b.nodes}
	ac, err := apply.NewForConfig(b.cfg)
	if err != nil {
		return err
	}
	set, err := object.Decode([]byte(appSetManifest(b.repo.URL())))
	if err != nil {
		return err
	}
	create := func() error {
		if _, err := ac.Apply(ctx, set[0]); err != nil {
			return fmt.Errorf("apply applicationset: %w", err)
		}
		fmt.Printf("== applied the ApplicationSet; waiting for %d apps to be Synced and Healthy\n", b.apps)
		return nil
	}
	if r.sync, err = b.measureSync(ctx, create, b.apps, 0); err != nil {
		return err
	}
	if r.pass, err = b.appSetPassCPU(ctx); err != nil {
		return err
	}
	if r.pushes, err = b.appSetPushes(ctx); err != nil {
		return err
	}
	ctl := b.replicas[0]
	if r.end, err = benchkit.ReadMemory(ctl.proc.Pid()); err != nil {
		return err
	}
	r.sampled = ctl.mem.Peak()
	r.print(os.Stdout, s)
	return nil
}

// appSetPushes commits a new directory per push, posts the push and times
// until its new Application is Synced and Healthy.
func (b *bench) appSetPushes(ctx context.Context) ([]time.Duration, error) {
	fmt.Printf("== %d pushes adding a directory, through the webhook\n", b.opts.pushes)
	var lat []time.Duration
	for k := range b.opts.pushes {
		name := fmt.Sprintf("new-%03d", k)
		files := map[string]string{"apps/" + name + "/configmap.yaml": configMap(name, 1), "apps/" + name + "/deployment.yaml": deployment(name)}
		sha := b.repo.Commit(b.git, files, "add "+name)
		start := time.Now()
		if err := b.postPush(ctx, sha, "apps/"+name+"/configmap.yaml"); err != nil {
			return nil, err
		}
		err := benchkit.Poll(ctx, 20*time.Millisecond, 2*time.Minute, func() (bool, error) {
			app := &v1alpha1.Application{}
			if err := b.kube.Get(ctx, client.ObjectKey{Namespace: appNamespace, Name: name}, app); err != nil {
				return false, nil
			}
			return app.Status.Sync.Status == v1alpha1.SyncStatusCodeSynced && app.Status.Health.Status == v1alpha1.HealthStatusHealthy, nil
		})
		if err != nil {
			return nil, fmt.Errorf("pushed directory %s not Synced and Healthy: %w", name, err)
		}
		lat = append(lat, time.Since(start))
		fmt.Printf("   push %d (%s): Synced and Healthy after %s\n", k+1, name, lat[k].Round(time.Millisecond))
	}
	return lat, nil
}

// appSetPassCPU asks the set for a pass with the refresh annotation (git
// is asked again, the Applications compared, nothing written) a few
// times and returns the controller's CPU per pass.
func (b *bench) appSetPassCPU(ctx context.Context) (time.Duration, error) {
	const passes = 5
	fmt.Printf("== CPU of %d passes of the set with nothing changed\n", passes)
	time.Sleep(5 * time.Second) // let the last syncs' events settle
	pid := b.replicas[0].proc.Pid()
	cpu0, err := benchkit.ProcessCPU(pid)
	if err != nil {
		return 0, err
	}
	for range passes {
		set := &v1alpha1.ApplicationSet{}
		set.Namespace, set.Name = appNamespace, appSetName
		patch := client.RawPatch("application/merge-patch+json", []byte(`{"metadata":{"annotations":{"`+appset.RefreshAnnotation+`":"true"}}}`))
		if err := b.kube.Patch(ctx, set, patch); err != nil {
			return 0, fmt.Errorf("refresh applicationset: %w", err)
		}
		err := benchkit.Poll(ctx, 20*time.Millisecond, time.Minute, func() (bool, error) {
			if err := b.kube.Get(ctx, client.ObjectKeyFromObject(set), set); err != nil {
				return false, err
			}
			_, pending := set.Annotations[appset.RefreshAnnotation]
			return !pending, nil
		})
		if err != nil {
			return 0, fmt.Errorf("refresh pass not done: %w", err)
		}
	}
	cpu1, err := benchkit.ProcessCPU(pid)
	if err != nil {
		return 0, err
	}
	per := (cpu1 - cpu0) / passes
	fmt.Printf("   %s of CPU per pass over %d Applications\n", per.Round(time.Millisecond), b.apps)
	return per, nil
}
