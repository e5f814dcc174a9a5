// Command benchversus runs the same workloads through Argo CD (built from
// source, v3.5.x) and through flotilla, each on a fresh local control plane
// with Argo CD's own CRDs, and prints one table comparing them:
//
//   - the time from applying the Applications (or their app-of-apps root)
//     to all N Synced, and to all N Healthy;
//   - the CPU seconds of the system's processes during that sync, and per
//     idle minute after it;
//   - their peak and current resident memory;
//   - the time from a commit changing every app to all N at the new
//     revision, after a refresh annotation and after a webhook push;
//   - the requests they made to the kube-apiserver, counted by a proxy.
//
// Run it with `make bench-versus` or:
//
//	go run ./hack/benchversus --flotilla bin/flotilla -n 100
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"flotilla.dev/flotilla/hack/benchkit"
)

type options struct {
	flotilla  string
	apps      int
	argoSrc   string
	systems   []string
	workloads []string
	timeout   time.Duration
	idle      time.Duration
	keepLogs  bool
}

// Workloads and systems, in the order they run.
var (
	allWorkloads = []string{"independent", "app-of-apps"}
	allSystems   = []string{"argocd", "flotilla"}
)

func main() {
	var o options
	var systems, workloads string
	flag.StringVar(&o.flotilla, "flotilla", "bin/flotilla", "the flotilla binary (`make build`)")
	flag.IntVar(&o.apps, "n", 100, "number of Applications")
	flag.StringVar(&o.argoSrc, "argocd-src", "", "Argo CD v3.5.x source tree (default: $ARGOCD_SRC, else <cache>/argocd/src)")
	flag.StringVar(&systems, "systems", strings.Join(allSystems, ","), "systems to run, comma-separated: argocd, flotilla")
	flag.StringVar(&workloads, "workloads", strings.Join(allWorkloads, ","), "workloads to run, comma-separated: independent, app-of-apps")
	flag.DurationVar(&o.timeout, "timeout", 15*time.Minute, "how long each wait (all apps Synced and Healthy, all at a new revision) may take")
	flag.DurationVar(&o.idle, "idle", time.Minute, "the idle window after the sync whose CPU and requests are measured")
	flag.BoolVar(&o.keepLogs, "keep-logs", false, "also keep each control plane's component logs (etcd, kube-apiserver, …) with the systems' logs")
	flag.Parse()

	var err error
	if o.systems, err = pick(systems, allSystems); err == nil {
		o.workloads, err = pick(workloads, allWorkloads)
	}
	if err == nil && o.apps < 1 {
		err = errors.New("-n must be at least 1")
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchversus:", err)
		os.Exit(2)
	}

	benchkit.Main("benchversus", func(ctx context.Context) error { return run(ctx, o) })
}

// pick parses a comma-separated list of names out of known, in known's
// order.
func pick(list string, known []string) ([]string, error) {
	want := map[string]bool{}
	for _, s := range strings.Split(list, ",") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		ok := false
		for _, k := range known {
			ok = ok || k == s
		}
		if !ok {
			return nil, fmt.Errorf("unknown %q (want some of %s)", s, strings.Join(known, ", "))
		}
		want[s] = true
	}
	var out []string
	for _, k := range known {
		if want[k] {
			out = append(out, k)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("empty list %q", list)
	}
	return out, nil
}

func run(ctx context.Context, o options) error {
	began := time.Now()
	// Argo CD's CRDs come from its source tree, for both systems.
	src, version, err := argoSource(o.argoSrc)
	if err != nil {
		return err
	}
	o.argoSrc = src
	var argo *argoInstall
	var flotillaBin string
	for _, s := range o.systems {
		switch s {
		case "argocd":
			if argo, err = prepareArgoCD(ctx, src, version); err != nil {
				return err
			}
		case "flotilla":
			abs, err := filepath.Abs(o.flotilla)
			if err != nil {
				return err
			}
			if st, err := os.Stat(abs); err != nil || st.IsDir() || st.Mode()&0o111 == 0 {
				return fmt.Errorf("no flotilla binary at %s: run `make build` first (or pass --flotilla)", o.flotilla)
			}
			flotillaBin = abs
		}
	}
	logRoot, err := os.MkdirTemp("", "benchversus-logs-")
	if err != nil {
		return err
	}
	fmt.Printf("== logs of every process: %s\n", logRoot)
	defer fmt.Printf("== logs of every process: %s\n", logRoot)

	var results []*result
	for _, w := range o.workloads {
		for _, s := range o.systems {
			var sys system
			switch s {
			case "argocd":
				sys = &argoCD{install: argo}
			case "flotilla":
				sys = &flotilla{bin: flotillaBin}
			}
			r, err := runOne(ctx, o, w, sys, filepath.Join(logRoot, w+"-"+s))
			if err != nil {
				return fmt.Errorf("%s on %s: %w", w, s, err)
			}
			results = append(results, r)
		}
	}
	printResults(os.Stdout, o, version, argo, flotillaBin, results)
	fmt.Printf("\n== the whole run took %s\n", time.Since(began).Round(time.Second))
	return nil
}
