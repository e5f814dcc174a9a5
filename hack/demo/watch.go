package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"

	"flotilla.dev/flotilla/api/v1alpha1"
)

// expectedApps is the root plus its two children.
const expectedApps = 3

// watchUntilHealthy prints the Applications whenever they change, until
// all of them are Synced and Healthy.
func (d *demo) watchUntilHealthy(ctx context.Context, timeout time.Duration) error {
	start := time.Now()
	deadline := time.After(timeout)
	last := ""
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	for {
		var apps v1alpha1.ApplicationList
		if err := d.kube.List(ctx, &apps, client.InNamespace(appNamespace)); err != nil {
			return fmt.Errorf("list applications: %w", err)
		}
		if table := render(apps.Items); table != last {
			fmt.Printf("\n[%5.1fs]\n%s", time.Since(start).Seconds(), table)
			last = table
		}
		if allHealthy(apps.Items) {
			fmt.Printf("\nall %d applications are Synced and Healthy after %s\n", len(apps.Items), time.Since(start).Round(100*time.Millisecond))
			d.reportMemory()
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-deadline:
			return fmt.Errorf("apps not Synced and Healthy after %s; controller log: %s\n%s", timeout, d.logPath, tail(d.logPath, 20))
		case <-tick.C:
		}
	}
}

func allHealthy(apps []v1alpha1.Application) bool {
	if len(apps) < expectedApps {
		return false
	}
	for _, a := range apps {
		if a.Status.Sync.Status != v1alpha1.SyncStatusCodeSynced || a.Status.Health.Status != v1alpha1.HealthStatusHealthy {
			return false
		}
	}
	return true
}

func render(apps []v1alpha1.Application) string {
	var b strings.Builder
	w := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "NAME\tSYNC\tHEALTH\tREVISION\tRESOURCES\tCONDITION")
	for _, a := range apps {
		cond := ""
		if len(a.Status.Conditions) > 0 {
			cond = string(a.Status.Conditions[0].Type) + ": " + a.Status.Conditions[0].Message
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%.7s\t%d\t%s\n", a.Name, orDash(string(a.Status.Sync.Status)),
			orDash(string(a.Status.Health.Status)), a.Status.Sync.Revision, len(a.Status.Resources), cond)
	}
	_ = w.Flush()
	return b.String()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// reportMemory prints the controller process's resident memory now and at
// its peak, from /proc.
func (d *demo) reportMemory() {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", d.controller.Process.Pid))
	if err != nil {
		return
	}
	var rss, hwm string
	for _, line := range strings.Split(string(data), "\n") {
		switch {
		case strings.HasPrefix(line, "VmRSS:"):
			rss = strings.TrimSpace(strings.TrimPrefix(line, "VmRSS:"))
		case strings.HasPrefix(line, "VmHWM:"):
			hwm = strings.TrimSpace(strings.TrimPrefix(line, "VmHWM:"))
		}
	}
	fmt.Printf("flotilla controller memory: RSS %s, peak RSS %s\n", rss, hwm)
}

func tail(path string, n int) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
