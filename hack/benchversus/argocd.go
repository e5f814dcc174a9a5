package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"flotilla.dev/flotilla/hack/benchkit"
)

// The Argo CD processes, named as the binary's argv[0] picks them.
const (
	argoController = "argocd-application-controller"
	argoRepoServer = "argocd-repo-server"
	argoServer     = "argocd-server"
	argoRedis      = "redis-server"
)

// argoInstall is a built Argo CD: one binary that acts by its name, with a
// symlink per command, and the source tree it came from.
type argoInstall struct {
	src, binDir, version string
	redis                string // redis-server
}

// settings describes how the benchmark runs Argo CD, for the output.
func (a *argoInstall) settings() []string {
	return []string{
		fmt.Sprintf("Argo CD %s built from %s (go build ./cmd): %s, %s and %s as processes, with %s (%s) as their cache",
			a.version, a.src, argoController, argoRepoServer, argoServer, argoRedis, redisVersion(a.redis)),
		"Argo CD's default settings: its base ConfigMaps and Secret from manifests/base/config applied as they are; every flag and env at its default but for addresses, ports, paths and the Redis password; ARGOCD_CONTROLLER_REPLICAS=1 as the install sets; in-cluster destination through ARGOCD_FAKE_IN_CLUSTER=true",
	}
}

// argoSource finds the Argo CD source tree: -argocd-src, else
// $ARGOCD_SRC, else <cache>/argocd/src. It returns the tree and its
// version ("v" and the VERSION file).
func argoSource(srcFlag string) (src, version string, err error) {
	cache, err := cacheDir()
	if err != nil {
		return "", "", err
	}
	src = srcFlag
	if src == "" {
		src = os.Getenv("ARGOCD_SRC")
	}
	if src == "" {
		src = filepath.Join(cache, "argocd", "src")
	}
	if src, err = filepath.Abs(src); err != nil {
		return "", "", err
	}
	data, err := os.ReadFile(filepath.Join(src, "VERSION"))
	if err != nil || !fileExists(filepath.Join(src, "cmd", "main.go")) || !fileExists(filepath.Join(src, "manifests", "crds")) {
		return "", "", fmt.Errorf(`no Argo CD source tree at %s (want its VERSION, cmd/main.go and manifests/crds).
Get a v3.5.x checkout and point -argocd-src or $ARGOCD_SRC at it, or put it at the default place:
  git clone --depth 1 --branch v3.5.1 https://github.com/argoproj/argo-cd %s`, src, filepath.Join(cache, "argocd", "src"))
	}
	version = strings.TrimSpace(string(data))
	if !strings.HasPrefix(version, "3.5.") {
		fmt.Printf("== warning: the Argo CD source at %s is version %s; the benchmark is written for v3.5.x\n", src, version)
	}
	return src, "v" + version, nil
}

// prepareArgoCD builds Argo CD from src into the cache unless the build
// there is current.
func prepareArgoCD(ctx context.Context, src, version string) (*argoInstall, error) {
	cache, err := cacheDir()
	if err != nil {
		return nil, err
	}
	redis, err := exec.LookPath("redis-server")
	if err != nil {
		return nil, errors.New("redis-server not found on PATH: Argo CD needs Redis (Debian/Ubuntu: apt-get install -y redis-server; only the binary is used, the benchmark runs it)")
	}
	a := &argoInstall{src: src, binDir: filepath.Join(cache, "argocd", "bin"), version: version, redis: redis}
	if err := a.build(ctx); err != nil {
		return nil, err
	}
	if out, err := exec.Command(filepath.Join(a.binDir, "argocd"), "version", "--client", "--short").Output(); err == nil {
		fmt.Printf("== `argocd version --client --short`: %s (plain `go build` links no version in; VERSION says %s)\n", strings.TrimSpace(string(out)), a.version)
	}
	return a, nil
}

// build runs `go build -o <cache>/argocd/bin/argocd ./cmd` in the source
// tree unless the binary is newer than the stamp of the source's path and
// VERSION it was built from, and makes the commands' symlinks.
func (a *argoInstall) build(ctx context.Context) error {
	if err := os.MkdirAll(a.binDir, 0o755); err != nil {
		return err
	}
	bin := filepath.Join(a.binDir, "argocd")
	stamp := filepath.Join(a.binDir, ".stamp")
	want := "src=" + a.src + "\nversion=" + a.version + "\n"
	current := false
	if got, err := os.ReadFile(stamp); err == nil && string(got) == want {
		bs, err1 := os.Stat(bin)
		ss, err2 := os.Stat(stamp)
		current = err1 == nil && err2 == nil && !bs.ModTime().Before(ss.ModTime())
	}
	if current {
		fmt.Printf("== Argo CD %s binary up to date in %s\n", a.version, a.binDir)
	} else {
		if err := os.WriteFile(stamp, []byte(want), 0o644); err != nil {
			return err
		}
		fmt.Printf("== building Argo CD %s from %s into %s (several minutes the first time)\n", a.version, a.src, bin)
		start := time.Now()
		cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd")
		cmd.Dir = a.src
		cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("build Argo CD: %w", err)
		}
		fmt.Printf("   built in %s\n", time.Since(start).Round(time.Second))
	}
	for _, name := range []string{argoController, argoRepoServer, argoServer} {
		link := filepath.Join(a.binDir, name)
		if target, err := os.Readlink(link); err == nil && target == "argocd" {
			continue
		}
		_ = os.Remove(link)
		if err := os.Symlink("argocd", link); err != nil {
			return fmt.Errorf("link %s: %w", name, err)
		}
	}
	// The repo-server runs them for GnuPG, which is on by default, as
	// Argo CD's image has them in /usr/local/bin.
	for _, script := range []string{"git-verify-wrapper.sh", "gpg-wrapper.sh"} {
		data, err := os.ReadFile(filepath.Join(a.src, "hack", script))
		if err != nil {
			return fmt.Errorf("%s: %w", script, err)
		}
		if err := os.WriteFile(filepath.Join(a.binDir, script), data, 0o755); err != nil {
			return err
		}
	}
	return nil
}

// argoCD is one running Argo CD: Redis, the repo-server, the application
// controller and the API server (which serves the git webhook).
type argoCD struct {
	install *argoInstall
	procs   []*benchkit.Process
	hook    string
}

func (a *argoCD) name() string { return "argocd" }

func (a *argoCD) processes() []*benchkit.Process { return a.procs }

func (a *argoCD) webhookURL() string { return a.hook }

func (a *argoCD) start(ctx context.Context, e *env) error {
	ports := map[string]int{}
	for _, p := range []string{"redis", "repo", "repo-metrics", "controller-metrics", "server", "server-metrics"} {
		port, err := benchkit.FreePort()
		if err != nil {
			return err
		}
		ports[p] = port
	}
	addr := func(p string) string { return "127.0.0.1:" + strconv.Itoa(ports[p]) }
	a.hook = "http://" + addr("server") + "/api/webhook"

	dirs := map[string]string{}
	for _, d := range []string{"home", "tmp", "tls", "ssh", "gpg-keys", "gpg-source", "plugins"} {
		dirs[d] = filepath.Join(e.dataDir, d)
		if err := os.MkdirAll(dirs[d], 0o700); err != nil {
			return err
		}
	}
	secret := make([]byte, 16)
	_, _ = rand.Read(secret)
	password := hex.EncodeToString(secret)

	base := append(cleanEnviron(),
		"PATH="+a.install.binDir+string(os.PathListSeparator)+os.Getenv("PATH"),
		"HOME="+dirs["home"],
		"TMPDIR="+dirs["tmp"],
		"REDIS_PASSWORD="+password,
		"ARGOCD_FAKE_IN_CLUSTER=true",
		"ARGOCD_TLS_DATA_PATH="+dirs["tls"],
		"ARGOCD_SSH_DATA_PATH="+dirs["ssh"],
	)
	withKube := func(name string, extra ...string) ([]string, error) {
		kc, err := e.proxy.listen(name, appNamespace, e.dataDir)
		if err != nil {
			return nil, err
		}
		return append(append(append([]string(nil), base...), "KUBECONFIG="+kc), extra...), nil
	}

	redis, err := benchkit.StartProcess(argoRedis, a.install.redis, "", []string{
		"--bind", "127.0.0.1", "--port", strconv.Itoa(ports["redis"]),
		"--save", "", "--appendonly", "no", "--requirepass", password,
		"--dir", dirs["tmp"],
	}, base, filepath.Join(e.logDir, argoRedis+".log"))
	if err != nil {
		return err
	}
	a.procs = append(a.procs, redis)
	if err := waitReady(ctx, redis, func() bool { return dial(addr("redis")) }); err != nil {
		return err
	}

	repoEnv, err := withKube(argoRepoServer,
		"ARGOCD_GNUPGHOME="+dirs["gpg-keys"],
		"ARGOCD_GPG_DATA_PATH="+dirs["gpg-source"],
		"ARGOCD_PLUGINSOCKFILEPATH="+dirs["plugins"],
		"ARGOCD_ASK_PASS_SOCK="+filepath.Join(dirs["tmp"], "reposerver-ask-pass.sock"),
	)
	if err != nil {
		return err
	}
	repo, err := a.run(argoRepoServer, e, repoEnv,
		"--address", "127.0.0.1", "--port", strconv.Itoa(ports["repo"]),
		"--metrics-address", "127.0.0.1", "--metrics-port", strconv.Itoa(ports["repo-metrics"]),
		"--redis", addr("redis"))
	if err != nil {
		return err
	}
	if err := waitReady(ctx, repo, httpOK("http://"+addr("repo-metrics")+"/healthz?full=true")); err != nil {
		return err
	}

	ctrlEnv, err := withKube(argoController, "ARGOCD_CONTROLLER_REPLICAS=1")
	if err != nil {
		return err
	}
	ctrl, err := a.run(argoController, e, ctrlEnv,
		"--namespace", appNamespace,
		"--metrics-port", strconv.Itoa(ports["controller-metrics"]),
		"--redis", addr("redis"), "--repo-server", addr("repo"))
	if err != nil {
		return err
	}
	serverEnv, err := withKube(argoServer)
	if err != nil {
		return err
	}
	server, err := a.run(argoServer, e, serverEnv,
		"--namespace", appNamespace, "--insecure",
		"--address", "127.0.0.1", "--port", strconv.Itoa(ports["server"]),
		"--metrics-address", "127.0.0.1", "--metrics-port", strconv.Itoa(ports["server-metrics"]),
		"--redis", addr("redis"), "--repo-server", addr("repo"))
	if err != nil {
		return err
	}
	if err := waitReady(ctx, ctrl, httpOK("http://127.0.0.1:"+strconv.Itoa(ports["controller-metrics"])+"/healthz")); err != nil {
		return err
	}
	return waitReady(ctx, server, httpOK("http://"+addr("server")+"/healthz"))
}

// run starts one Argo CD command through its symlink.
func (a *argoCD) run(name string, e *env, environ []string, args ...string) (*benchkit.Process, error) {
	p, err := benchkit.StartProcess(name, filepath.Join(a.install.binDir, name), "", args, environ, filepath.Join(e.logDir, name+".log"))
	if err != nil {
		return nil, err
	}
	a.procs = append(a.procs, p)
	return p, nil
}

func (a *argoCD) stop() {
	// the controllers before Redis and the repo-server they use
	for i := len(a.procs) - 1; i >= 0; i-- {
		if err := a.procs[i].Stop(10 * time.Second); err != nil {
			fmt.Fprintln(os.Stderr, "benchversus:", err)
		}
	}
	a.procs = nil
}

// cleanEnviron is the benchmark's environment without what would
// configure a system behind its back: kubeconfig, Argo CD and Redis
// settings.
func cleanEnviron() []string {
	var out []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch {
		case k == "KUBECONFIG", k == "HOME", k == "TMPDIR", k == "PATH",
			strings.HasPrefix(k, "ARGOCD_"), strings.HasPrefix(k, "REDIS"), strings.HasPrefix(k, "GIT_"):
			continue
		}
		out = append(out, kv)
	}
	return out
}

// waitReady waits until ready, failing early when p exits.
func waitReady(ctx context.Context, p *benchkit.Process, ready func() bool) error {
	err := benchkit.Poll(ctx, 200*time.Millisecond, 2*time.Minute, func() (bool, error) {
		if err := p.Check(); err != nil {
			return false, err
		}
		return ready(), nil
	})
	if err != nil {
		if p.Check() != nil {
			return fmt.Errorf("%s not ready: %w", p.Name, err)
		}
		return fmt.Errorf("%s not ready: %w (log %s)", p.Name, err, p.LogPath)
	}
	return nil
}

func httpOK(url string) func() bool {
	c := &http.Client{Timeout: 5 * time.Second}
	return func() bool {
		resp, err := c.Get(url)
		if err != nil {
			return false
		}
		_ = resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}
}

func dial(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return false
	}
	_ = c.Close()
	return true
}

func redisVersion(bin string) string {
	out, err := exec.Command(bin, "--version").Output()
	if err != nil {
		return "redis-server"
	}
	for _, f := range strings.Fields(string(out)) {
		if strings.HasPrefix(f, "v=") {
			return "Redis " + strings.TrimPrefix(f, "v=")
		}
	}
	return strings.TrimSpace(string(out))
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// cacheDir is $FLOTILLA_CACHE_DIR, else .cache in the repository root
// (found by walking up from the working dir to a go.mod), as
// hack/build-controlplane.sh does.
func cacheDir() (string, error) {
	if dir := os.Getenv("FLOTILLA_CACHE_DIR"); dir != "" {
		return filepath.Abs(dir)
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		if fileExists(filepath.Join(dir, "go.mod")) {
			return filepath.Join(dir, ".cache"), nil
		}
		if filepath.Dir(dir) == dir {
			return "", errors.New("not inside the repository (no go.mod above the working dir) and $FLOTILLA_CACHE_DIR unset")
		}
	}
}
