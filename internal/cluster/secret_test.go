package cluster

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/pem"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// Credentials of the test Secrets; no error may contain them.
const (
	testToken    = "s3cr3t-t0k3n-value"
	testPassword = "hunter2-password"
	proxyPass    = "proxy-pa55"
)

func TestFromSecret(t *testing.T) {
	ca := newCA(t, "test-ca")
	certPEM, keyPEM := ca.issue(t, "argocd-manager", true)
	_, otherKeyPEM := ca.issue(t, "someone-else", true)
	ecCertPEM, ecKeyPEM := ca.issue(t, "sec1", true)
	ecKeyPEM = toSEC1(t, ecKeyPEM)
	vars := map[string]string{
		"CA":        b64(ca.certPEM),
		"CERT":      b64(certPEM),
		"KEY":       b64(keyPEM),
		"OTHERKEY":  b64(otherKeyPEM),
		"ECCERT":    b64(ecCertPEM),
		"ECKEY":     b64(ecKeyPEM),
		"TOKEN":     testToken,
		"PASSWORD":  testPassword,
		"PROXYPASS": proxyPass,
	}
	// Nothing secret may show in an error: not the token, password or proxy
	// password, nor any part of a key, base64 or decoded.
	secrets := []string{testToken, testPassword, proxyPass, b64(keyPEM)[40:80], b64(otherKeyPEM)[40:80],
		string(keyPEM[40:80]), string(otherKeyPEM[40:80])}

	tests := []struct {
		name    string
		secret  string // stringData lines, or a whole Secret if it starts with "apiVersion"
		wantErr string
		check   func(t *testing.T, c *Cluster)
	}{
		{
			name: "bearer token with CA",
			secret: `
  name: prod
  server: https://prod.example.com:6443/
  config: |
    {"bearerToken": "{{TOKEN}}", "tlsClientConfig": {"insecure": false, "caData": "{{CA}}"}}
`,
			check: func(t *testing.T, c *Cluster) {
				eq(t, "Name", c.Name, "prod")
				eq(t, "Server", c.Server, "https://prod.example.com:6443")
				eq(t, "Host", c.Config.Host, "https://prod.example.com:6443")
				eq(t, "BearerToken", c.Config.BearerToken, testToken)
				if !bytes.Equal(c.Config.CAData, ca.certPEM) {
					t.Error("CAData is not the CA's PEM")
				}
				if c.Config.Insecure || c.Config.Username != "" || c.Config.ExecProvider != nil || c.Config.Proxy != nil {
					t.Errorf("unexpected settings: %+v", c.Config)
				}
				if len(c.Namespaces) != 0 || c.ClusterResources || c.Project != "" {
					t.Errorf("unexpected restriction: %v %v %q", c.Namespaces, c.ClusterResources, c.Project)
				}
			},
		},
		{
			name: "basic auth",
			secret: `
  name: basic
  server: https://basic.example.com
  config: '{"username": "admin", "password": "{{PASSWORD}}", "tlsClientConfig": {"caData": "{{CA}}"}}'
`,
			check: func(t *testing.T, c *Cluster) {
				eq(t, "Username", c.Config.Username, "admin")
				eq(t, "Password", c.Config.Password, testPassword)
				eq(t, "BearerToken", c.Config.BearerToken, "")
			},
		},
		{
			name: "client certificate and server name",
			secret: `
  name: mtls
  server: https://10.1.2.3:6443
  config: |
    {
      "tlsClientConfig": {
        "serverName": "api.internal",
        "caData": "{{CA}}",
        "certData": "{{CERT}}",
        "keyData": "{{KEY}}"
      }
    }
`,
			check: func(t *testing.T, c *Cluster) {
				eq(t, "ServerName", c.Config.ServerName, "api.internal")
				if !bytes.Equal(c.Config.CertData, certPEM) || !bytes.Equal(c.Config.KeyData, keyPEM) {
					t.Error("client certificate or key not decoded from base64")
				}
			},
		},
		{
			name:   "client certificate with an SEC1 (EC PRIVATE KEY) key",
			secret: "  server: https://x.example.com\n  config: '{\"tlsClientConfig\": {\"certData\": \"{{ECCERT}}\", \"keyData\": \"{{ECKEY}}\"}}'\n",
			check: func(t *testing.T, c *Cluster) {
				if !bytes.HasPrefix(c.Config.KeyData, []byte("-----BEGIN EC PRIVATE KEY-----")) {
					t.Error("KeyData is not the SEC1 key")
				}
			},
		},
		{
			name: "insecure",
			secret: `
  name: lab
  server: https://lab.example.com
  config: '{"bearerToken": "{{TOKEN}}", "tlsClientConfig": {"insecure": true}}'
`,
			check: func(t *testing.T, c *Cluster) {
				if !c.Config.Insecure || len(c.Config.CAData) != 0 {
					t.Errorf("Insecure = %t, CAData = %d bytes", c.Config.Insecure, len(c.Config.CAData))
				}
			},
		},
		{
			name: "exec provider with default apiVersion",
			secret: `
  name: gke
  server: https://34.1.2.3
  config: |
    {
      "execProviderConfig": {
        "command": "argocd-k8s-auth",
        "args": ["gcp"],
        "env": {"ZONE": "eu", "PROJECT": "p1"},
        "installHint": "install argocd-k8s-auth"
      },
      "tlsClientConfig": {"caData": "{{CA}}"}
    }
`,
			check: func(t *testing.T, c *Cluster) {
				e := c.Config.ExecProvider
				if e == nil {
					t.Fatal("no ExecProvider")
				}
				eq(t, "Command", e.Command, "argocd-k8s-auth")
				eq(t, "Args", strings.Join(e.Args, " "), "gcp")
				eq(t, "APIVersion", e.APIVersion, "client.authentication.k8s.io/v1")
				eq(t, "InstallHint", e.InstallHint, "install argocd-k8s-auth")
				eq(t, "InteractiveMode", string(e.InteractiveMode), string(clientcmdapi.NeverExecInteractiveMode))
				want := []clientcmdapi.ExecEnvVar{{Name: "PROJECT", Value: "p1"}, {Name: "ZONE", Value: "eu"}}
				if !slices.Equal(e.Env, want) {
					t.Errorf("Env = %v, want %v (sorted)", e.Env, want)
				}
				if c.Config.BearerToken != "" {
					t.Error("bearer token set next to exec provider")
				}
			},
		},
		{
			name: "exec provider v1beta1",
			secret: `
  server: https://eks.example.com
  config: '{"execProviderConfig": {"command": "aws", "args": ["eks", "get-token", "--cluster-name", "x"], "apiVersion": "client.authentication.k8s.io/v1beta1"}}'
`,
			check: func(t *testing.T, c *Cluster) {
				eq(t, "Name", c.Name, "")
				eq(t, "APIVersion", c.Config.ExecProvider.APIVersion, "client.authentication.k8s.io/v1beta1")
			},
		},
		{
			name: "namespaces, clusterResources and project",
			secret: `
  name: team
  server: https://team.example.com
  namespaces: " team-a, team-b,,team-a "
  clusterResources: "true"
  project: platform
  shard: "2"
`,
			check: func(t *testing.T, c *Cluster) {
				eq(t, "Namespaces", strings.Join(c.Namespaces, ","), "team-a,team-b")
				if !c.ClusterResources {
					t.Error("ClusterResources = false")
				}
				eq(t, "Project", c.Project, "platform")
				if c.Config.BearerToken != "" || c.Config.CAData != nil {
					t.Error("an absent config should be anonymous with system roots")
				}
			},
		},
		{
			name: "disableCompression and proxyUrl",
			secret: `
  name: proxied
  server: https://proxied.example.com
  config: '{"disableCompression": true, "proxyUrl": "http://user:{{PROXYPASS}}@proxy.example.com:3128", "bearerToken": "{{TOKEN}}"}'
`,
			check: func(t *testing.T, c *Cluster) {
				if !c.Config.DisableCompression {
					t.Error("DisableCompression = false")
				}
				if c.Config.Proxy == nil {
					t.Fatal("no Proxy")
				}
				u, err := c.Config.Proxy(&http.Request{URL: &url.URL{Scheme: "https", Host: "proxied.example.com"}})
				if err != nil || u.Host != "proxy.example.com:3128" {
					t.Errorf("Proxy = %v, %v", u, err)
				}
			},
		},
		{
			name: "keys are matched without regard to case, as encoding/json does",
			secret: `
  name: cased
  server: https://cased.example.com
  config: '{"BearerToken": "{{TOKEN}}", "TLSClientConfig": {"Insecure": true}}'
`,
			check: func(t *testing.T, c *Cluster) {
				eq(t, "BearerToken", c.Config.BearerToken, testToken)
			},
		},
		{
			name: "in-cluster Secret without a name",
			secret: `
  server: https://kubernetes.default.svc
  namespaces: argocd
  config: '{"tlsClientConfig": {"insecure": false}}'
`,
			check: func(t *testing.T, c *Cluster) {
				eq(t, "Name", c.Name, InClusterName)
				if !c.IsInCluster() {
					t.Error("IsInCluster = false")
				}
			},
		},
		{
			name: "data, base64-encoded, instead of stringData",
			secret: `apiVersion: v1
kind: Secret
metadata:
  name: encoded
  namespace: argocd
  labels: {argocd.argoproj.io/secret-type: cluster}
data:
  name: ZW5jb2RlZA==
  server: aHR0cHM6Ly9lbmNvZGVkLmV4YW1wbGUuY29t
  config: eyJiZWFyZXJUb2tlbiI6ICJ0b2sifQ==
`,
			check: func(t *testing.T, c *Cluster) {
				eq(t, "Name", c.Name, "encoded")
				eq(t, "Server", c.Server, "https://encoded.example.com")
				eq(t, "BearerToken", c.Config.BearerToken, "tok")
			},
		},

		// Errors.
		{
			name:    "not a cluster Secret",
			secret:  "apiVersion: v1\nkind: Secret\nmetadata: {name: repo, namespace: argocd, labels: {argocd.argoproj.io/secret-type: repository}}\n",
			wantErr: `cluster secret argocd/repo: label argocd.argoproj.io/secret-type is "repository", want "cluster"`,
		},
		{
			name:    "missing server",
			secret:  "  name: nowhere\n  config: '{\"bearerToken\": \"{{TOKEN}}\"}'\n",
			wantErr: `cluster secret argocd/test: data key "server" is missing`,
		},
		{
			name:    "server is not http(s)",
			secret:  "  server: ftp://example.com\n",
			wantErr: `server "ftp://example.com" must be an http or https URL`,
		},
		{
			name:    "server with credentials",
			secret:  "  server: https://admin:{{PASSWORD}}@example.com\n",
			wantErr: `must not carry credentials`,
		},
		{
			name:    "aws auth is not supported",
			secret:  "  server: https://eks.example.com\n  config: '{\"awsAuthConfig\": {\"clusterName\": \"prod\", \"roleARN\": \"arn:aws:iam::1:role/x\"}}'\n",
			wantErr: `config.awsAuthConfig is not supported`,
		},
		{
			name:    "unknown top-level field",
			secret:  "  server: https://x.example.com\n  config: '{\"bearer_token\": \"{{TOKEN}}\"}'\n",
			wantErr: `cluster secret argocd/test: unknown field "config.bearer_token"`,
		},
		{
			name:    "unknown nested fields",
			secret:  "  server: https://x.example.com\n  config: '{\"tlsClientConfig\": {\"caFile\": \"/ca.crt\", \"certFile\": \"/c\"}}'\n",
			wantErr: `unknown fields "config.tlsClientConfig.caFile", "config.tlsClientConfig.certFile"`,
		},
		{
			name:    "unknown exec field",
			secret:  "  server: https://x.example.com\n  config: '{\"execProviderConfig\": {\"command\": \"x\", \"interactiveMode\": \"Never\"}}'\n",
			wantErr: `unknown field "config.execProviderConfig.interactiveMode"`,
		},
		{
			name:    "invalid JSON does not echo the config",
			secret:  "  server: https://x.example.com\n  config: '{\"bearerToken\": {{TOKEN}}}'\n",
			wantErr: `config is not valid JSON: syntax error at byte offset`,
		},
		{
			name:    "wrong JSON type",
			secret:  "  server: https://x.example.com\n  config: '{\"tlsClientConfig\": {\"insecure\": \"yes\"}}'\n",
			wantErr: `config.tlsClientConfig.insecure must be a boolean, not a JSON string`,
		},
		{
			name:    "config is not an object",
			secret:  "  server: https://x.example.com\n  config: '\"{{TOKEN}}\"'\n",
			wantErr: `config must be an object, not a JSON string`,
		},
		{
			name:    "bad base64 in caData",
			secret:  "  server: https://x.example.com\n  config: '{\"tlsClientConfig\": {\"caData\": \"not*base64\"}}'\n",
			wantErr: `config.tlsClientConfig.caData is not valid base64 (at byte 3)`,
		},
		{
			name:    "bad base64 in keyData does not echo the key",
			secret:  "  server: https://x.example.com\n  config: '{\"tlsClientConfig\": {\"certData\": \"{{CERT}}\", \"keyData\": \"{{KEY}}!\"}}'\n",
			wantErr: `config.tlsClientConfig.keyData is not valid base64`,
		},
		{
			name:    "PEM text instead of base64",
			secret:  "  server: https://x.example.com\n  config: '{\"tlsClientConfig\": {\"caData\": \"-----BEGIN CERTIFICATE-----\\nMIIB\\n-----END CERTIFICATE-----\"}}'\n",
			wantErr: `config.tlsClientConfig.caData must be base64-encoded PEM, not PEM text`,
		},
		{
			name:    "caData is base64 but not PEM",
			secret:  "  server: https://x.example.com\n  config: '{\"tlsClientConfig\": {\"caData\": \"aGVsbG8=\"}}'\n",
			wantErr: `config.tlsClientConfig.caData does not hold a PEM certificate`,
		},
		{
			name:    "caData holds a key",
			secret:  "  server: https://x.example.com\n  config: '{\"tlsClientConfig\": {\"caData\": \"{{KEY}}\"}}'\n",
			wantErr: `config.tlsClientConfig.caData holds a PEM "PRIVATE KEY" block, want CERTIFICATE`,
		},
		{
			name:    "key does not match certificate",
			secret:  "  server: https://x.example.com\n  config: '{\"tlsClientConfig\": {\"certData\": \"{{CERT}}\", \"keyData\": \"{{OTHERKEY}}\"}}'\n",
			wantErr: `config.tlsClientConfig.keyData does not match certData`,
		},
		{
			name:    "keyData holds a certificate",
			secret:  "  server: https://x.example.com\n  config: '{\"tlsClientConfig\": {\"certData\": \"{{CERT}}\", \"keyData\": \"{{CERT}}\"}}'\n",
			wantErr: `config.tlsClientConfig.keyData holds a PEM "CERTIFICATE" block, want a private key`,
		},
		{
			name:    "certData without keyData",
			secret:  "  server: https://x.example.com\n  config: '{\"tlsClientConfig\": {\"certData\": \"{{CERT}}\"}}'\n",
			wantErr: `config.tlsClientConfig.certData is set without keyData`,
		},
		{
			name:    "insecure with caData",
			secret:  "  server: https://x.example.com\n  config: '{\"tlsClientConfig\": {\"insecure\": true, \"caData\": \"{{CA}}\"}}'\n",
			wantErr: `config.tlsClientConfig.caData cannot be combined with insecure: true`,
		},
		{
			name:    "token and basic auth",
			secret:  "  server: https://x.example.com\n  config: '{\"bearerToken\": \"{{TOKEN}}\", \"username\": \"u\", \"password\": \"{{PASSWORD}}\"}'\n",
			wantErr: `config sets both bearerToken and username/password`,
		},
		{
			name:    "token next to exec provider",
			secret:  "  server: https://x.example.com\n  config: '{\"bearerToken\": \"{{TOKEN}}\", \"execProviderConfig\": {\"command\": \"x\"}}'\n",
			wantErr: `config sets execProviderConfig together with bearerToken or username/password`,
		},
		{
			name:    "token with a trailing newline",
			secret:  "  server: https://x.example.com\n  config: '{\"bearerToken\": \"{{TOKEN}}\\n\"}'\n",
			wantErr: `config.bearerToken contains whitespace or control characters`,
		},
		{
			name:    "exec provider without command",
			secret:  "  server: https://x.example.com\n  config: '{\"execProviderConfig\": {\"args\": [\"x\"]}}'\n",
			wantErr: `config.execProviderConfig.command is missing`,
		},
		{
			name:    "exec provider with a removed apiVersion",
			secret:  "  server: https://x.example.com\n  config: '{\"execProviderConfig\": {\"command\": \"x\", \"apiVersion\": \"client.authentication.k8s.io/v1alpha1\"}}'\n",
			wantErr: `config.execProviderConfig.apiVersion "client.authentication.k8s.io/v1alpha1" is not supported`,
		},
		{
			name:    "proxy with unsupported scheme hides its password",
			secret:  "  server: https://x.example.com\n  config: '{\"proxyUrl\": \"ftp://user:{{PROXYPASS}}@proxy:21\"}'\n",
			wantErr: `config.proxyUrl "ftp://user:xxxxx@proxy:21" has unsupported scheme "ftp"`,
		},
		{
			name:    "clusterResources is not a boolean",
			secret:  "  server: https://x.example.com\n  namespaces: a\n  clusterResources: \"yes\"\n",
			wantErr: `clusterResources must be "true" or "false", not "yes"`,
		},
		{
			name:    "invalid namespace",
			secret:  "  server: https://x.example.com\n  namespaces: \"team-a,Team B\"\n",
			wantErr: `namespaces: "Team B" is not a valid namespace name`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := tt.secret
			if !strings.HasPrefix(doc, "apiVersion") {
				doc = clusterSecret("test", doc)
			}
			c, err := FromSecret(decodeSecret(t, doc, vars))
			if tt.wantErr != "" {
				if err == nil {
					t.Fatalf("FromSecret succeeded, want error %q", tt.wantErr)
				}
				if !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("error = %q, want it to contain %q", err, tt.wantErr)
				}
				for _, s := range secrets {
					if strings.Contains(err.Error(), s) {
						t.Errorf("error %q leaks a credential (%q)", err, s)
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("FromSecret: %v", err)
			}
			if c.Config == nil {
				t.Fatal("no Config")
			}
			tt.check(t, c)
		})
	}
}

func TestFromSecretNil(t *testing.T) {
	if _, err := FromSecret(nil); err == nil {
		t.Error("FromSecret(nil) succeeded")
	}
}

// stringData wins over data for the same key, as when the API server
// stores a Secret.
func TestFromSecretStringDataOverridesData(t *testing.T) {
	s := decodeSecret(t, clusterSecret("merged", "  server: https://new.example.com\n"), nil)
	s.Data = map[string][]byte{"server": []byte("https://old.example.com"), "name": []byte("from-data")}
	c, err := FromSecret(s)
	if err != nil {
		t.Fatal(err)
	}
	eq(t, "Server", c.Server, "https://new.example.com")
	eq(t, "Name", c.Name, "from-data")
}

func TestHash(t *testing.T) {
	parse := func(stringData string) *Cluster {
		t.Helper()
		c, err := FromSecret(decodeSecret(t, clusterSecret("h", stringData), nil))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	base := "  name: a\n  server: https://a.example.com\n  config: '{\"bearerToken\": \"one\"}'\n"
	h := parse(base).Hash()
	if again := parse(base).Hash(); again != h {
		t.Error("the same Secret hashes differently")
	}
	for name, other := range map[string]string{
		"token":      strings.Replace(base, "one", "two", 1),
		"name":       strings.Replace(base, "name: a", "name: b", 1),
		"namespaces": base + "  namespaces: x\n",
		"proxy":      strings.Replace(base, `"one"`, `"one", "proxyUrl": "http://p:1"`, 1),
		"exec env": "  name: a\n  server: https://a.example.com\n" +
			"  config: '{\"execProviderConfig\": {\"command\": \"c\", \"env\": {\"A\": \"1\"}}}'\n",
	} {
		if parse(other).Hash() == h {
			t.Errorf("changing the %s does not change the hash", name)
		}
	}
	if strings.Contains(h, "one") || len(h) != 64 {
		t.Errorf("hash %q is not a hex digest", h)
	}
}

// toSEC1 rewrites a PKCS#8 EC key in PEM as an "EC PRIVATE KEY".
func toSEC1(t *testing.T, pkcs8PEM []byte) []byte {
	t.Helper()
	block, _ := pem.Decode(pkcs8PEM)
	key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalECPrivateKey(key.(*ecdsa.PrivateKey))
	if err != nil {
		t.Fatal(err)
	}
	return pemBlock("EC PRIVATE KEY", der)
}

func eq(t *testing.T, what, got, want string) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %q, want %q", what, got, want)
	}
}
