package cluster

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"k8s.io/client-go/discovery"
	"k8s.io/client-go/rest"

	"flotilla.dev/flotilla/api/v1alpha1"
)

// versionServer is an API server that answers /version to requests that
// pass check, and 401 to the others.
func versionServer(check func(r *http.Request) bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if !check(r) {
			w.WriteHeader(http.StatusUnauthorized)
			_ = json.NewEncoder(w).Encode(map[string]any{
				"kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": "Unauthorized", "code": 401,
			})
			return
		}
		if r.URL.Path != "/version" {
			http.NotFound(w, r)
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]string{"major": "1", "minor": "37", "gitVersion": "v1.37.2"})
	})
}

func bearer(token string) func(*http.Request) bool {
	return func(r *http.Request) bool { return r.Header.Get("Authorization") == "Bearer "+token }
}

// serverVersion builds the config of the cluster Secret with stringData
// and asks its API server for its version.
func serverVersion(t *testing.T, stringData string, vars map[string]string) (string, error) {
	t.Helper()
	c, err := FromSecret(decodeSecret(t, clusterSecret("e2e", stringData), vars))
	if err != nil {
		t.Fatalf("FromSecret: %v", err)
	}
	return versionOf(t, c.Config)
}

func versionOf(t *testing.T, cfg *rest.Config) (string, error) {
	t.Helper()
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		t.Fatalf("NewDiscoveryClientForConfig: %v", err)
	}
	info, err := dc.ServerVersion()
	if err != nil {
		return "", err
	}
	return info.GitVersion, nil
}

func TestBearerTokenAgainstTLSServer(t *testing.T) {
	srv := httptest.NewTLSServer(versionServer(bearer(testToken)))
	defer srv.Close()
	vars := map[string]string{
		"SERVER":   srv.URL,
		"CA":       b64(pemBlock("CERTIFICATE", srv.Certificate().Raw)),
		"WRONG_CA": b64(newCA(t, "not-the-server-ca").certPEM),
		"TOKEN":    testToken,
	}
	const secret = `
  name: e2e
  server: {{SERVER}}
  config: '{"bearerToken": "{{TOKEN}}", "tlsClientConfig": {"caData": "{{CA}}"}}'
`
	v, err := serverVersion(t, secret, vars)
	if err != nil {
		t.Fatalf("ServerVersion: %v", err)
	}
	eq(t, "gitVersion", v, "v1.37.2")

	t.Run("wrong CA", func(t *testing.T) {
		_, err := serverVersion(t, strings.Replace(secret, "{{CA}}", "{{WRONG_CA}}", 1), vars)
		if err == nil || !strings.Contains(err.Error(), "certificate") {
			t.Fatalf("ServerVersion with the wrong CA = %v, want a certificate error", err)
		}
	})
	t.Run("no CA", func(t *testing.T) {
		_, err := serverVersion(t, strings.Replace(secret, `, "tlsClientConfig": {"caData": "{{CA}}"}`, "", 1), vars)
		if err == nil {
			t.Fatal("ServerVersion trusted a self-signed server without its CA")
		}
	})
	t.Run("insecure", func(t *testing.T) {
		v, err := serverVersion(t, strings.Replace(secret, `"caData": "{{CA}}"`, `"insecure": true`, 1), vars)
		if err != nil || v != "v1.37.2" {
			t.Fatalf("ServerVersion insecure = %q, %v", v, err)
		}
	})
	t.Run("wrong token", func(t *testing.T) {
		_, err := serverVersion(t, strings.Replace(secret, "{{TOKEN}}", "wrong-token", 1), vars)
		if err == nil {
			t.Fatal("ServerVersion succeeded with the wrong token")
		}
		if strings.Contains(err.Error(), "wrong-token") {
			t.Errorf("error leaks the token: %v", err)
		}
	})
}

func TestClientCertificateAgainstTLSServer(t *testing.T) {
	ca := newCA(t, "client-ca")
	certPEM, keyPEM := ca.issue(t, "argocd-manager", true)
	pool := x509.NewCertPool()
	pool.AddCert(ca.cert)
	srv := httptest.NewUnstartedServer(versionServer(func(r *http.Request) bool {
		return r.TLS != nil && len(r.TLS.PeerCertificates) > 0 && r.TLS.PeerCertificates[0].Subject.CommonName == "argocd-manager"
	}))
	srv.TLS = &tls.Config{ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: pool}
	srv.StartTLS()
	defer srv.Close()

	v, err := serverVersion(t, `
  server: {{SERVER}}
  config: '{"tlsClientConfig": {"caData": "{{CA}}", "certData": "{{CERT}}", "keyData": "{{KEY}}"}}'
`, map[string]string{
		"SERVER": srv.URL,
		"CA":     b64(pemBlock("CERTIFICATE", srv.Certificate().Raw)),
		"CERT":   b64(certPEM),
		"KEY":    b64(keyPEM),
	})
	if err != nil {
		t.Fatalf("ServerVersion: %v", err)
	}
	eq(t, "gitVersion", v, "v1.37.2")
}

// The exec provider runs this test binary as a credential plugin (see
// TestMain), which returns the token given in its env.
func TestExecProviderAgainstTLSServer(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Skip(err)
	}
	srv := httptest.NewTLSServer(versionServer(bearer("exec-token")))
	defer srv.Close()
	for _, apiVersion := range []string{"", "client.authentication.k8s.io/v1beta1"} {
		t.Run("apiVersion="+apiVersion, func(t *testing.T) {
			exec := map[string]any{
				"command": self,
				"env":     map[string]string{execPluginEnv: "1", "EXEC_TOKEN": "exec-token"},
			}
			if apiVersion != "" {
				exec["apiVersion"] = apiVersion
			}
			config, err := json.Marshal(map[string]any{
				"execProviderConfig": exec,
				"tlsClientConfig":    map[string]any{"caData": pemBlock("CERTIFICATE", srv.Certificate().Raw)}, // []byte: base64, as Argo CD writes it
			})
			if err != nil {
				t.Fatal(err)
			}
			v, err := serverVersion(t, "  server: {{SERVER}}\n  config: '{{CONFIG}}'\n",
				map[string]string{"SERVER": srv.URL, "CONFIG": string(config)})
			if err != nil {
				t.Fatalf("ServerVersion: %v", err)
			}
			eq(t, "gitVersion", v, "v1.37.2")
		})
	}
}

// The in-cluster Secret's token replaces the local credentials, and the
// local connection settings are kept: a Registry's local config pointing at
// the test server, with a Secret carrying the token, reaches it.
func TestInClusterOverrideAgainstTLSServer(t *testing.T) {
	srv := httptest.NewTLSServer(versionServer(bearer(testToken)))
	defer srv.Close()
	local := &rest.Config{
		Host:            srv.URL,
		BearerToken:     "stale-local-token",
		TLSClientConfig: rest.TLSClientConfig{CAData: pemBlock("CERTIFICATE", srv.Certificate().Raw)},
	}
	r := NewRegistry(local)
	if _, err := versionOf(t, local); err == nil {
		t.Fatal("the local token was accepted")
	}
	c, err := FromSecret(decodeSecret(t, clusterSecret("in-cluster", `
  server: https://kubernetes.default.svc
  config: '{"bearerToken": "{{TOKEN}}", "tlsClientConfig": {"insecure": false}}'
`), map[string]string{"TOKEN": testToken}))
	if err != nil {
		t.Fatal(err)
	}
	r.Set("argocd/in-cluster", c)
	resolved, err := r.Resolve(v1alpha1.ApplicationDestination{Name: InClusterName})
	if err != nil {
		t.Fatal(err)
	}
	v, err := versionOf(t, resolved.Config)
	if err != nil {
		t.Fatalf("ServerVersion: %v", err)
	}
	eq(t, "gitVersion", v, "v1.37.2")
}
