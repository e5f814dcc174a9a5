package cli

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"flotilla.dev/flotilla/internal/server"
)

// The sign-in (OIDC) and HTTPS flags of `flotilla serve`.

// oidcFlags configure sign-in through an OpenID Connect provider.
type oidcFlags struct {
	issuer, clientID, clientSecretFile, redirectURL string
	scopes                                          []string
	usernameClaim, groupsClaim                      string
	usernamePrefix, groupsPrefix                    string
	sessionKeyFile                                  string
	sessionTTL                                      time.Duration
}

// tlsFlags configure HTTPS.
type tlsFlags struct {
	cert, key  string
	selfSigned bool
}

func addOIDCFlags(cmd *cobra.Command, o *oidcFlags) {
	f := cmd.Flags()
	f.StringVar(&o.issuer, "oidc-issuer", "", "sign people in through this OpenID Connect issuer URL and act as them by impersonation")
	f.StringVar(&o.clientID, "oidc-client-id", "", "the client ID registered at the provider")
	f.StringVar(&o.clientSecretFile, "oidc-client-secret-file", "", "a file holding the client secret (default: $"+clientSecretEnv+"; none: a public client, PKCE only)")
	f.StringVar(&o.redirectURL, "oidc-redirect-url", "", "this server's callback as browsers reach it, registered at the provider: https://HOST/auth/callback")
	f.StringSliceVar(&o.scopes, "oidc-scopes", server.DefaultOIDCScopes, "scopes to ask for")
	f.StringVar(&o.usernameClaim, "oidc-username-claim", server.DefaultUsernameClaim, "the ID token claim that is the Kubernetes user name")
	f.StringVar(&o.groupsClaim, "oidc-groups-claim", server.DefaultGroupsClaim, "the ID token claim that lists the Kubernetes groups")
	f.StringVar(&o.usernamePrefix, "oidc-username-prefix", "", `put before the user name (as kube-apiserver's --oidc-username-prefix, e.g. "oidc:")`)
	f.StringVar(&o.groupsPrefix, "oidc-groups-prefix", "", "put before each group name")
	f.StringVar(&o.sessionKeyFile, "session-key-file", "", "a file of at least 32 bytes that signs session cookies (default: a key made at start; sessions end with the process)")
	f.DurationVar(&o.sessionTTL, "session-ttl", server.DefaultSessionTTL, "how long a sign-in lasts")
}

// serveOIDC reads the OIDC flags: nil without --oidc-issuer; the
// session key is nil when none is given.
func serveOIDC(o oidcFlags) (*server.OIDCOptions, []byte, error) {
	if o.issuer == "" {
		if o.clientID != "" || o.redirectURL != "" || o.clientSecretFile != "" || o.sessionKeyFile != "" {
			return nil, nil, errors.New("the --oidc-* and --session-key-file flags need --oidc-issuer")
		}
		return nil, nil, nil
	}
	if o.clientID == "" || o.redirectURL == "" {
		return nil, nil, errors.New("--oidc-issuer needs --oidc-client-id and --oidc-redirect-url")
	}
	secret := strings.TrimSpace(os.Getenv(clientSecretEnv))
	if o.clientSecretFile != "" {
		b, err := os.ReadFile(o.clientSecretFile)
		if err != nil {
			return nil, nil, fmt.Errorf("oidc client secret: %w", err)
		}
		secret = strings.TrimSpace(string(b))
	}
	var key []byte
	if o.sessionKeyFile != "" {
		b, err := os.ReadFile(o.sessionKeyFile)
		if err != nil {
			return nil, nil, fmt.Errorf("session key: %w", err)
		}
		if key = bytes.TrimSpace(b); len(key) < server.MinSessionKey {
			return nil, nil, fmt.Errorf("session key %s: %d bytes, want at least %d (openssl rand -hex 32 > FILE)", o.sessionKeyFile, len(key), server.MinSessionKey)
		}
	}
	return &server.OIDCOptions{
		IssuerURL: o.issuer, ClientID: o.clientID, ClientSecret: secret, RedirectURL: o.redirectURL, Scopes: o.scopes,
		UsernameClaim: o.usernameClaim, GroupsClaim: o.groupsClaim, UsernamePrefix: o.usernamePrefix, GroupsPrefix: o.groupsPrefix,
	}, key, nil
}

// serveTLS is the TLS configuration the flags ask for, nil for plain
// HTTP; a self-signed certificate is announced on out with a warning.
func serveTLS(so serveOptions, out io.Writer) (*tls.Config, error) {
	t := so.tls
	switch {
	case t.selfSigned && (t.cert != "" || t.key != ""):
		return nil, errors.New("give --tls-cert and --tls-key, or --tls-self-signed, not both")
	case (t.cert == "") != (t.key == ""):
		return nil, errors.New("--tls-cert and --tls-key go together")
	case t.cert != "":
		return server.LoadTLS(t.cert, t.key)
	case !t.selfSigned:
		return nil, nil
	}
	hosts := selfSignedHosts(so.addr)
	cfg, fingerprint, err := server.SelfSignedTLS(hosts)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(out, "flotilla serve: WARNING: HTTPS with a self-signed certificate made at start, for %s (SHA-256 %s): "+
		"browsers warn and clients must trust it explicitly; give --tls-cert and --tls-key for a real one\n", strings.Join(hosts, ", "), fingerprint)
	return cfg, nil
}

// selfSignedHosts are the names a self-signed certificate is for: the
// listen address's host, loopback and the machine's name.
func selfSignedHosts(addr string) []string {
	hosts := []string{"localhost", "127.0.0.1", "::1"}
	if h, _, err := net.SplitHostPort(addr); err == nil && h != "" && !slices.Contains(hosts, h) {
		if ip := net.ParseIP(h); ip == nil || !ip.IsUnspecified() {
			hosts = append([]string{h}, hosts...)
		}
	}
	if name, err := os.Hostname(); err == nil && name != "" && !slices.Contains(hosts, name) {
		hosts = append(hosts, name)
	}
	return hosts
}

// loopback reports whether addr listens on loopback only.
func loopback(addr string) bool {
	h, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	ip := net.ParseIP(h)
	return h == "localhost" || (ip != nil && ip.IsLoopback())
}

// announceAuth says on out what the sign-in setup means.
func announceAuth(ctx context.Context, out io.Writer, srv *server.Server, so serveOptions, sessionKey []byte, https bool) {
	if so.oidc.issuer == "" {
		return
	}
	check, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := srv.CheckOIDC(check); err != nil {
		fmt.Fprintf(out, "flotilla serve: WARNING: %v: sign-in fails until the provider answers\n", err)
	}
	if sessionKey == nil {
		fmt.Fprintln(out, "flotilla serve: session cookies are signed with a key made at start: sign-ins end when the server stops (give --session-key-file to keep them across restarts and replicas)")
	}
	if !https && !loopback(so.addr) {
		fmt.Fprintln(out, "flotilla serve: WARNING: plain HTTP beyond loopback: session cookies travel unencrypted; use --tls-cert and --tls-key or a TLS proxy")
	}
}
