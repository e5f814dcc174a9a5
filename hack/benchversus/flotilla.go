package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"flotilla.dev/flotilla/hack/benchkit"
	"flotilla.dev/flotilla/internal/controller"
)

const flotillaController = "flotilla-controller"

// flotilla is one running `flotilla controller` at its defaults.
type flotilla struct {
	bin   string
	procs []*benchkit.Process
	hook  string
}

func (f *flotilla) name() string { return "flotilla" }

func (f *flotilla) processes() []*benchkit.Process { return f.procs }

func (f *flotilla) webhookURL() string { return f.hook }

func flotillaSettings(bin string) string {
	return fmt.Sprintf("flotilla: `%s controller` as one process, at its defaults but for kubeconfig, namespace, cache dir and the addresses of its webhook, metrics and health endpoints", bin)
}

func (f *flotilla) start(ctx context.Context, e *env) error {
	ports := map[string]int{}
	for _, p := range []string{"webhook", "metrics", "health"} {
		port, err := benchkit.FreePort()
		if err != nil {
			return err
		}
		ports[p] = port
	}
	addr := func(p string) string { return "127.0.0.1:" + strconv.Itoa(ports[p]) }
	f.hook = "http://" + addr("webhook") + controller.WebhookPath
	kc, err := e.proxy.listen(flotillaController, appNamespace, e.dataDir)
	if err != nil {
		return err
	}
	home := filepath.Join(e.dataDir, "home")
	if err := os.MkdirAll(home, 0o700); err != nil {
		return err
	}
	environ := append(cleanEnviron(), "PATH="+os.Getenv("PATH"), "HOME="+home, "TMPDIR="+os.TempDir())
	p, err := benchkit.StartProcess(flotillaController, f.bin, "", []string{"controller",
		"--kubeconfig", kc, "-n", appNamespace,
		"--cache-dir", filepath.Join(e.dataDir, "flotilla-cache"),
		"--webhook-addr", addr("webhook"),
		"--metrics-addr", addr("metrics"),
		"--health-addr", addr("health"),
	}, environ, filepath.Join(e.logDir, flotillaController+".log"))
	if err != nil {
		return err
	}
	f.procs = append(f.procs, p)
	return waitReady(ctx, p, httpOK("http://"+addr("health")+"/readyz"))
}

func (f *flotilla) stop() {
	for _, p := range f.procs {
		if err := p.Stop(10 * time.Second); err != nil {
			fmt.Fprintln(os.Stderr, "benchversus:", err)
		}
	}
	f.procs = nil
}
