package cli

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"flotilla.dev/flotilla/internal/controller/controllertest"
	"flotilla.dev/flotilla/internal/controlplane/kubetest"
)

func TestServeFlags(t *testing.T) {
	t.Setenv(tokenEnv, "")
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"help has an example", []string{"serve", "--help"}, 0, "flotilla serve --token-secret argocd/flotilla-ui"},
		{"token and secret", []string{"serve", "--token", "a", "--token-secret", "ns/n"}, 1, "not both"},
		{"nobody could use it", []string{"serve"}, 1, "no API token and no --anonymous-read"},
		{"bad secret reference", []string{"serve", "--token-secret", "flotilla-ui"}, 1, "want NAMESPACE/NAME"},
		{"namespaces and all", []string{"serve", "--namespaces", "a", "-A"}, 1, "not both"},
		{"bad namespace glob", []string{"serve", "--namespaces", "team-[", "--anonymous-read"}, 1, "syntax error in pattern"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := run(t, tc.args...)
			if r.code != tc.code || !strings.Contains(r.stdout+r.stderr, tc.want) {
				t.Errorf("flotilla %s: exit %d, want %d with %q\nstdout: %s\nstderr: %s", strings.Join(tc.args, " "), r.code, tc.code, tc.want, r.stdout, r.stderr)
			}
		})
	}
}

// TestServeEndToEnd runs `flotilla serve` against the plane, with the
// token from each source, and stops it as Ctrl-C would.
func TestServeEndToEnd(t *testing.T) {
	c := controllertest.Start(t, appsNamespace)
	kubeconfig := kubetest.Plane(t).KubeconfigPath()
	ns := kubetest.NewNamespace(t, c)
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "flotilla-ui"}, StringData: map[string]string{"token": "from-secret\n"}}
	if err := c.Create(context.Background(), secret); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		args  []string
		env   string
		token string
	}{
		{"flag", []string{"--token", "from-flag"}, "", "from-flag"},
		{"environment", nil, "from-env", "from-env"},
		{"secret", []string{"--token-secret", ns + "/flotilla-ui"}, "", "from-secret"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(tokenEnv, tc.env)
			addr := freeAddr(t)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var out lockedBuffer
			done := make(chan int, 1)
			args := append([]string{"serve", "--kubeconfig", kubeconfig, "-n", appsNamespace, "--addr", addr, "--cache-dir", t.TempDir()}, tc.args...)
			go func() { done <- Execute(ctx, args, &out, &out) }()

			base := "http://" + addr
			waitReady(t, base+"/readyz", done, &out)
			for _, rq := range []struct {
				path, token string
				want        int
				body        string
			}{
				{"/", "", 200, "Flotilla"},
				{"/api/v1/applications", "", 401, "missing token"},
				{"/api/v1/applications", "wrong", 401, "invalid token"},
				{"/api/v1/applications", tc.token, 200, `"items"`},
			} {
				status, body := httpGet(t, base+rq.path, rq.token)
				if status != rq.want || !strings.Contains(body, rq.body) {
					t.Errorf("GET %s with %q = %d %.200s, want %d with %q", rq.path, rq.token, status, body, rq.want, rq.body)
				}
			}
			cancel()
			select {
			case code := <-done:
				if code != 0 {
					t.Errorf("serve exited %d:\n%s", code, out.String())
				}
			case <-time.After(15 * time.Second):
				t.Fatalf("serve did not stop:\n%s", out.String())
			}
			if !strings.Contains(out.String(), "flotilla serve: http://"+addr) {
				t.Errorf("serve did not say where it listens:\n%s", out.String())
			}
		})
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func waitReady(t *testing.T, url string, done <-chan int, out *lockedBuffer) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case code := <-done:
			t.Fatalf("serve exited %d:\n%s", code, out.String())
		default:
		}
		if resp, err := http.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s not ready within 30s:\n%s", url, out.String())
}

func httpGet(t *testing.T, url, token string) (int, string) {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// lockedBuffer is an output both the command and its logger write to.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
