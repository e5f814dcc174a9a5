package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"flotilla.dev/flotilla/internal/apply"
	"flotilla.dev/flotilla/internal/controller"
	"flotilla.dev/flotilla/internal/controlplane"
	"flotilla.dev/flotilla/internal/install"
	"flotilla.dev/flotilla/internal/object"
	"flotilla.dev/flotilla/internal/source/git/gittest"
)

const appNamespace = "argocd"

// demo is everything the demo started, so close can stop it in order.
type demo struct {
	plane      *controlplane.Plane
	git        *gittest.Standalone
	repoURL    string
	exampleDir string
	controller *exec.Cmd
	logPath    string
	ui         *exec.Cmd
	uiURL      string
	uiToken    string
	kube       client.Client
	cluster    *apply.Client
}

func startDemo(ctx context.Context, opts options) (*demo, error) {
	d := &demo{exampleDir: opts.example}
	fmt.Println("== starting a local control plane (etcd, kube-apiserver, controller-manager, scheduler, kwok)")
	plane, err := controlplane.Start(ctx, controlplane.Options{})
	if err != nil {
		return nil, err
	}
	d.plane = plane
	fmt.Printf("   ready in %s, kubeconfig %s\n", plane.StartupDuration().Round(time.Millisecond), plane.KubeconfigPath())
	if err := d.connect(plane.RESTConfig()); err != nil {
		return d, err
	}
	fmt.Println("== installing the Argo CD CRDs and namespace argocd")
	if err := install.ApplyCRDs(ctx, d.cluster); err != nil {
		return d, err
	}
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: appNamespace}}
	if err := d.kube.Create(ctx, ns); client.IgnoreAlreadyExists(err) != nil {
		return d, fmt.Errorf("create namespace %s: %w", appNamespace, err)
	}
	if err := d.publishExample(); err != nil {
		return d, err
	}
	if err := d.startController(opts.flotilla); err != nil {
		return d, err
	}
	return d, d.startUI(opts.flotilla, opts.uiAddr)
}

func (d *demo) connect(cfg *rest.Config) error {
	cfg.WarningHandler = rest.NoWarnings{}
	scheme, err := controller.Scheme()
	if err != nil {
		return err
	}
	if d.kube, err = client.New(cfg, client.Options{Scheme: scheme}); err != nil {
		return err
	}
	d.cluster, err = apply.NewForConfig(cfg)
	return err
}

// publishExample commits the example folder to a new local git repository,
// with REPO_URL replaced by that repository's URL.
func (d *demo) publishExample() (err error) {
	defer func() {
		if r := recover(); r != nil { // gittest.Standalone reports failures by panicking
			err = fmt.Errorf("publish example: %v", r)
		}
	}()
	if d.git, err = gittest.NewStandalone(); err != nil {
		return err
	}
	repo := gittest.NewLocalRepo(d.git)
	d.repoURL = repo.URL()
	staged, err := d.stageExample()
	if err != nil {
		return err
	}
	sha := repo.CopyDir(d.git, staged, ".", "demo app-of-apps")
	fmt.Printf("== published %s to %s at %.7s\n", d.exampleDir, d.repoURL, sha)
	return nil
}

func (d *demo) stageExample() (string, error) {
	staged := filepath.Join(d.plane.Dir(), "example")
	err := filepath.WalkDir(d.exampleDir, func(path string, e os.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		rel, err := filepath.Rel(d.exampleDir, path)
		if err != nil {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		dst := filepath.Join(staged, rel)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		return os.WriteFile(dst, []byte(strings.ReplaceAll(string(data), "REPO_URL", d.repoURL)), 0o644)
	})
	if err != nil {
		return "", fmt.Errorf("stage example: %w", err)
	}
	return staged, nil
}

func (d *demo) startController(bin string) error {
	d.logPath = filepath.Join(d.plane.Dir(), "flotilla-controller.log")
	logFile, err := os.Create(d.logPath)
	if err != nil {
		return err
	}
	d.controller = exec.Command(bin, "controller",
		"--kubeconfig", d.plane.KubeconfigPath(), "-n", appNamespace,
		"--cache-dir", filepath.Join(d.plane.Dir(), "flotilla-cache"),
		"--poll-interval", "30s", "--metrics-addr", "0", "--health-addr", "0")
	d.controller.Stdout, d.controller.Stderr = logFile, logFile
	if err := d.controller.Start(); err != nil {
		return fmt.Errorf("start %s controller: %w (run `make build` first)", bin, err)
	}
	fmt.Printf("== started `flotilla controller` (pid %d, log %s)\n", d.controller.Process.Pid, d.logPath)
	return nil
}

// startUI runs `flotilla serve` with a fresh token: anyone on this machine
// may look, the token is needed to sync.
func (d *demo) startUI(bin, addr string) error {
	token := make([]byte, 16)
	if _, err := rand.Read(token); err != nil {
		return err
	}
	d.uiToken = hex.EncodeToString(token)
	d.uiURL = "http://" + addr + "/"
	logFile, err := os.Create(filepath.Join(d.plane.Dir(), "flotilla-serve.log"))
	if err != nil {
		return err
	}
	d.ui = exec.Command(bin, "serve", "--kubeconfig", d.plane.KubeconfigPath(), "-n", appNamespace,
		"--addr", addr, "--anonymous-read", "--cache-dir", filepath.Join(d.plane.Dir(), "flotilla-serve-cache"))
	d.ui.Env = append(os.Environ(), "FLOTILLA_TOKEN="+d.uiToken)
	d.ui.Stdout, d.ui.Stderr = logFile, logFile
	if err := d.ui.Start(); err != nil {
		return fmt.Errorf("start %s serve: %w", bin, err)
	}
	fmt.Printf("== serving the web UI at %s (token for syncs: %s)\n", d.uiURL, d.uiToken)
	return nil
}

// checkUI asks the UI's API for the applications, as the browser does.
func (d *demo) checkUI(ctx context.Context) error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, d.uiURL+"api/v1/applications", nil)
		if err != nil {
			return err
		}
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK && strings.Contains(string(body), `"guestbook"`) {
				fmt.Printf("== the web UI answers at %s\n", d.uiURL)
				return nil
			}
			err = fmt.Errorf("status %d: %.200s", resp.StatusCode, body)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("web UI at %s: %w", d.uiURL, err)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

func (d *demo) applyRoot(ctx context.Context) error {
	data, err := os.ReadFile(filepath.Join(d.exampleDir, "root.yaml"))
	if err != nil {
		return err
	}
	objs, err := object.Decode([]byte(strings.ReplaceAll(string(data), "REPO_URL", d.repoURL)))
	if err != nil {
		return fmt.Errorf("root.yaml: %w", err)
	}
	for _, o := range objs {
		if _, err := d.cluster.Apply(ctx, o); err != nil {
			return err
		}
	}
	fmt.Println("== applied the root Application (kubectl apply -f examples/demo/root.yaml)")
	return nil
}

func (d *demo) close() {
	stop(d.ui)
	stop(d.controller)
	if d.git != nil {
		_ = d.git.Close()
	}
	if d.plane != nil {
		_ = d.plane.Stop()
	}
}

// stop interrupts a child process and kills it if it does not exit.
func stop(cmd *exec.Cmd) {
	if cmd == nil || cmd.Process == nil {
		return
	}
	_ = cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Kill()
	}
}
