package cli

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/oauth2-proxy/mockoidc"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"flotilla.dev/flotilla/internal/controller/controllertest"
	"flotilla.dev/flotilla/internal/controlplane/kubetest"
	"flotilla.dev/flotilla/internal/logbuffer"
	"flotilla.dev/flotilla/internal/server"
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
		{"nobody could use it", []string{"serve"}, 1, "no API token, no --anonymous-read and no --oidc-issuer"},
		{"help shows sign-in", []string{"serve", "--help"}, 0, "--oidc-issuer https://dex.example.com"},
		{"oidc flag without issuer", []string{"serve", "--token", "a", "--oidc-client-id", "x"}, 1, "need --oidc-issuer"},
		{"issuer without client", []string{"serve", "--oidc-issuer", "https://idp.example"}, 1, "needs --oidc-client-id and --oidc-redirect-url"},
		{"missing client secret file", []string{"serve", "--oidc-issuer", "https://idp.example", "--oidc-client-id", "c",
			"--oidc-redirect-url", "https://x/auth/callback", "--oidc-client-secret-file", "/nonexistent/secret"}, 1, "oidc client secret"},
		{"short session key", []string{"serve", "--oidc-issuer", "https://idp.example", "--oidc-client-id", "c",
			"--oidc-redirect-url", "https://x/auth/callback", "--session-key-file", "/dev/null"}, 1, "want at least 32"},
		{"cert without key", []string{"serve", "--token", "a", "--tls-cert", "c.pem"}, 1, "go together"},
		{"cert and self-signed", []string{"serve", "--token", "a", "--tls-cert", "c.pem", "--tls-key", "k.pem", "--tls-self-signed"}, 1, "not both"},
		{"unreadable cert", []string{"serve", "--token", "a", "--tls-cert", "/nonexistent/c.pem", "--tls-key", "/nonexistent/k.pem"}, 1, "tls certificate"},
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
			var out logbuffer.Buffer
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

func waitReady(t *testing.T, url string, done <-chan int, out *logbuffer.Buffer) {
	t.Helper()
	waitReadyWith(t, http.DefaultClient, url, done, out)
}

func waitReadyWith(t *testing.T, hc *http.Client, url string, done <-chan int, out *logbuffer.Buffer) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case code := <-done:
			t.Fatalf("serve exited %d:\n%s", code, out.String())
		default:
		}
		if resp, err := hc.Get(url); err == nil {
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

// TestServeTLSAndOIDC runs `flotilla serve` over HTTPS with a
// self-signed certificate and sign-in through a real OIDC provider
// (mockoidc), secret and session key from files: the certificate is the
// one announced and valid for the address, plain HTTP is refused, and a
// signed-in user gets a Secure session cookie and acts as themselves.
func TestServeTLSAndOIDC(t *testing.T) {
	controllertest.Start(t, appsNamespace) // the CRDs
	kubeconfig := kubetest.Plane(t).KubeconfigPath()
	idp, err := mockoidc.Run()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = idp.Shutdown() })
	idp.QueueUser(&mockoidc.MockUser{Subject: "c-1", Email: "carol@example.com", EmailVerified: true, Groups: []string{"ops"}})
	dir := t.TempDir()
	secretFile, keyFile := filepath.Join(dir, "client-secret"), filepath.Join(dir, "session-key")
	writeFile(t, secretFile, idp.ClientSecret+"\n")
	writeFile(t, keyFile, strings.Repeat("5e", 32)+"\n")

	addr := freeAddr(t)
	base := "https://" + addr
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out logbuffer.Buffer
	done := make(chan int, 1)
	args := []string{"serve", "--kubeconfig", kubeconfig, "-n", appsNamespace, "--addr", addr, "--cache-dir", t.TempDir(),
		"--tls-self-signed", "--oidc-issuer", idp.Issuer(), "--oidc-client-id", idp.ClientID,
		"--oidc-client-secret-file", secretFile, "--oidc-redirect-url", base + "/auth/callback", "--session-key-file", keyFile}
	go func() { done <- Execute(ctx, args, &out, &out) }()
	insecure := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	waitReadyWith(t, insecure, base+"/readyz", done, &out)

	t.Run("the announced self-signed certificate", func(t *testing.T) {
		conn, err := tls.Dial("tcp", addr, &tls.Config{InsecureSkipVerify: true})
		if err != nil {
			t.Fatal(err)
		}
		cert := conn.ConnectionState().PeerCertificates[0]
		conn.Close()
		if fp := server.Fingerprint(cert.Raw); !strings.Contains(out.String(), "self-signed certificate made at start") || !strings.Contains(out.String(), fp) {
			t.Errorf("serve did not warn of the self-signed certificate %s:\n%s", fp, out.String())
		}
		pool := x509.NewCertPool()
		pool.AddCert(cert)
		verified := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
		if status, body := get(t, verified, base+"/healthz"); status != 200 {
			t.Errorf("GET /healthz trusting the certificate = %d %s", status, body)
		}
		if status, body := get(t, http.DefaultClient, "http://"+addr+"/healthz"); status != http.StatusBadRequest || !strings.Contains(body, "HTTPS") {
			t.Errorf("plain HTTP to the TLS port = %d %s, want 400", status, body)
		}
		if !strings.Contains(out.String(), "flotilla serve: "+base) {
			t.Errorf("serve did not say it serves %s:\n%s", base, out.String())
		}
	})

	t.Run("carol signs in and acts as herself", func(t *testing.T) {
		jar, _ := cookiejar.New(nil)
		var cookies []string
		hc := &http.Client{Jar: jar, Transport: setCookieLog{insecure.Transport, &cookies}}
		if status, body := get(t, hc, base+server.LoginPath); status != 200 || !strings.Contains(body, "Flotilla") {
			t.Fatalf("sign-in ended with %d %.300s", status, body)
		}
		session := strings.Join(cookies, "\n")
		if !strings.Contains(session, server.UserCookie+"=") || !strings.Contains(session, "Secure") || !strings.Contains(session, "HttpOnly") {
			t.Errorf("session cookie %q: want Secure and HttpOnly", session)
		}
		if _, body := get(t, hc, base+"/api/v1/session"); !strings.Contains(body, `"user":{"name":"carol@example.com","groups":["ops"]}`) {
			t.Errorf("session = %s", body)
		}
		// carol has no RBAC: the API server refuses her.
		status, body := get(t, hc, base+"/api/v1/applications/"+appsNamespace+"/any")
		if status != http.StatusForbidden || !strings.Contains(body, `User \"carol@example.com\" cannot get resource \"applications\"`) {
			t.Errorf("carol's read = %d %s, want 403 from RBAC", status, body)
		}
	})

	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("serve exited %d:\n%s", code, out.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatalf("serve did not stop:\n%s", out.String())
	}
}

// setCookieLog records the Set-Cookie headers of every answer.
type setCookieLog struct {
	next http.RoundTripper
	seen *[]string
}

func (l setCookieLog) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := l.next.RoundTrip(req)
	if err == nil {
		*l.seen = append(*l.seen, resp.Header.Values("Set-Cookie")...)
	}
	return resp, err
}

func get(t *testing.T, hc *http.Client, url string) (int, string) {
	t.Helper()
	resp, err := hc.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}
