package cli

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path"
	"strings"
	"time"

	"github.com/spf13/cobra"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"flotilla.dev/flotilla/internal/appctl"
	"flotilla.dev/flotilla/internal/server"
)

// tokenEnv is read when --token is not given, so the token need not show
// in the process list; clientSecretEnv likewise for the OIDC client
// secret.
const (
	tokenEnv        = "FLOTILLA_TOKEN"
	clientSecretEnv = "FLOTILLA_OIDC_CLIENT_SECRET"
)

type serveOptions struct {
	addr          string
	token         string
	tokenSecret   string
	anonymousRead bool
	cacheDir      string
	namespaces    []string
	allNamespaces bool
	devLog        bool
	oidc          oidcFlags
	tls           tlsFlags
}

func newServeCmd(opts *options) *cobra.Command {
	var so serveOptions
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the web UI and the JSON API for Applications",
		Long: `Serve a web UI and a JSON API (under /api/v1) for the Applications of one
or more namespaces: the application list, app-of-apps trees with waves and
dependsOn, resource trees down to Pods, diffs against the live state, sync
history, and Sync and Refresh actions. Changes appear live, through
server-sent events. Also /healthz, /readyz and Prometheus /metrics.

Every write (sync, refresh) needs the API token, sent as
"Authorization: Bearer TOKEN"; reads need it too unless --anonymous-read is
set. The token comes from --token, $FLOTILLA_TOKEN or a Secret
(--token-secret NAMESPACE/NAME, key "token", re-read every 30 seconds).
Without a token every write is refused. The UI asks for the token and
keeps it in the browser tab only. The token acts with the server's own
identity (its kubeconfig or ServiceAccount).

With --oidc-issuer people sign in through an OpenID Connect provider
(authorization code with PKCE) and the server acts as each of them by
impersonation: the username and groups claims become the Kubernetes user
and groups, so the cluster's RBAC decides which Applications each may
list, get and sync (patch). The server's identity then needs "impersonate"
on users and groups. Register --oidc-redirect-url (ending in
/auth/callback) at the provider. Sessions are signed cookies; without
--session-key-file the key is made at start and sessions end with the
process.

Listen on loopback, or use TLS (--tls-cert and --tls-key, or
--tls-self-signed) or a TLS proxy: the token and session cookies travel in
every request. See docs/ui.md.`,
		Example: `  # the UI of the current context's Applications, read-only for anyone
  # who reaches it, syncs for whoever has the token
  FLOTILLA_TOKEN=$(openssl rand -hex 20) flotilla serve --anonymous-read
  # then open http://127.0.0.1:8080

  # the token from a Secret, Applications of every namespace matching team-*
  kubectl -n argocd create secret generic flotilla-ui --from-literal=token=$(openssl rand -hex 20)
  flotilla serve --token-secret argocd/flotilla-ui --namespaces 'team-*' --addr :8080

  # people sign in through an OIDC provider (Dex, Keycloak, Okta, Entra ID…)
  # and see and sync what their RBAC allows; HTTPS with a real certificate
  flotilla serve --addr :8443 -A --tls-cert tls.crt --tls-key tls.key \
    --oidc-issuer https://dex.example.com --oidc-client-id flotilla \
    --oidc-client-secret-file /etc/flotilla/oidc/client-secret \
    --oidc-redirect-url https://flotilla.example.com:8443/auth/callback \
    --session-key-file /etc/flotilla/session/key`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runServe(cmd.Context(), opts, so)
		},
	}
	f := cmd.Flags()
	f.StringVar(&so.addr, "addr", "127.0.0.1:8080", "address to listen on")
	f.StringVar(&so.token, "token", "", "the API token (default: $"+tokenEnv+")")
	f.StringVar(&so.tokenSecret, "token-secret", "", `NAMESPACE/NAME of a Secret whose key "token" holds the API token`)
	f.BoolVar(&so.anonymousRead, "anonymous-read", false, "let anyone read (list, views, events) without the token; writes still need it")
	f.StringVar(&so.cacheDir, "cache-dir", "", "where repositories fetched for diffs are kept (default: $XDG_CACHE_HOME/flotilla or ~/.cache/flotilla)")
	f.StringSliceVar(&so.namespaces, "namespaces", nil, "globs of the namespaces whose Applications are served, comma separated (default: -n's namespace)")
	f.BoolVarP(&so.allNamespaces, "all-namespaces", "A", false, "serve the Applications of every namespace")
	f.BoolVar(&so.devLog, "dev-log", false, "human-readable logs instead of JSON")
	addOIDCFlags(cmd, &so.oidc)
	f.StringVar(&so.tls.cert, "tls-cert", "", "serve HTTPS with this certificate (PEM file; with --tls-key)")
	f.StringVar(&so.tls.key, "tls-key", "", "the private key of --tls-cert (PEM file)")
	f.BoolVar(&so.tls.selfSigned, "tls-self-signed", false, "serve HTTPS with a self-signed certificate made at start (browsers warn; for trials)")
	return cmd
}

// serveNamespaces are the namespace globs to serve.
func serveNamespaces(opts *options, so serveOptions) ([]string, error) {
	switch {
	case so.allNamespaces && len(so.namespaces) > 0:
		return nil, errors.New("give --namespaces or --all-namespaces, not both")
	case so.allNamespaces:
		return []string{"*"}, nil
	case len(so.namespaces) > 0:
		for _, g := range so.namespaces {
			if _, err := path.Match(g, ""); err != nil {
				return nil, fmt.Errorf("--namespaces %q: %w", g, err)
			}
		}
		return so.namespaces, nil
	}
	return []string{opts.appNamespace()}, nil
}

// serveToken checks the token flags; the Secret is read once here so a
// typo fails at start, not at the first sync.
func serveToken(ctx context.Context, opts *options, so serveOptions) (server.TokenSource, error) {
	token := so.token
	if token == "" {
		token = strings.TrimSpace(os.Getenv(tokenEnv))
	}
	switch {
	case token != "" && so.tokenSecret != "":
		return nil, errors.New("give --token (or $" + tokenEnv + ") or --token-secret, not both")
	case token == "" && so.tokenSecret == "" && !so.anonymousRead && so.oidc.issuer == "":
		return nil, errors.New("no API token, no --anonymous-read and no --oidc-issuer: nobody could use the server; give --token, $" + tokenEnv + ", --token-secret NAMESPACE/NAME, --anonymous-read or --oidc-issuer")
	case so.tokenSecret == "":
		return server.StaticToken(token), nil
	}
	ns, name, err := server.ParseSecretRef(so.tokenSecret)
	if err != nil {
		return nil, err
	}
	cfg, err := opts.restConfig()
	if err != nil {
		return nil, err
	}
	c, err := appctl.NewClient(cfg)
	if err != nil {
		return nil, err
	}
	src := server.SecretToken(c, ns, name)
	t, err := src.Token(ctx)
	if err != nil {
		return nil, err
	}
	if t == "" {
		return nil, fmt.Errorf("token secret %s/%s has no key %q", ns, name, server.SecretTokenKey)
	}
	return src, nil
}

func runServe(ctx context.Context, opts *options, so serveOptions) error {
	namespaces, err := serveNamespaces(opts, so)
	if err != nil {
		return err
	}
	tokens, err := serveToken(ctx, opts, so)
	if err != nil {
		return err
	}
	oidcOpts, sessionKey, err := serveOIDC(so.oidc)
	if err != nil {
		return err
	}
	tlsConfig, err := serveTLS(so, opts.err)
	if err != nil {
		return err
	}
	// controller-runtime's cache logs through its global logger.
	ctrl.SetLogger(zap.New(zap.UseDevMode(so.devLog), zap.WriteTo(opts.err)))
	log := ctrl.Log.WithName("serve")
	cc, err := opts.clusterClients()
	if err != nil {
		return err
	}
	cfg, c, cluster := cc.cfg, cc.apps, cc.cluster
	srv, err := server.New(server.Options{
		Config:        cfg,
		Namespaces:    namespaces,
		Token:         tokens,
		AnonymousRead: so.anonymousRead,
		Diff: appctl.DiffOptions{
			Generator:   newAppGenerator(c, so.cacheDir, opts.appNamespace()),
			Cluster:     cluster,
			Settings:    c,
			KubeVersion: kubeVersion(cfg),
		},
		Log:        log,
		OIDC:       oidcOpts,
		SessionKey: sessionKey,
		SessionTTL: so.oidc.sessionTTL,
	})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", so.addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	hs := &http.Server{
		Handler:           srv,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		// Requests end with ctx, so open event streams do not hold up
		// the shutdown.
		BaseContext: func(net.Listener) context.Context { return ctx },
		TLSConfig:   tlsConfig,
	}
	errc := make(chan error, 2)
	go func() { errc <- srv.Start(ctx) }()
	scheme := "http"
	if tlsConfig != nil {
		scheme = "https"
		go func() { errc <- hs.ServeTLS(ln, "", "") }()
	} else {
		go func() { errc <- hs.Serve(ln) }()
	}
	fmt.Fprintf(opts.err, "flotilla serve: %s://%s, Applications in %s\n", scheme, ln.Addr(), strings.Join(namespaces, ", "))
	announceAuth(ctx, opts.err, srv, so, sessionKey, tlsConfig != nil)
	if t, _ := tokens.Token(ctx); t == "" && oidcOpts == nil {
		fmt.Fprintln(opts.err, "flotilla serve: no API token: read-only, every sync and refresh is refused")
	}
	var runErr error
	select {
	case <-ctx.Done():
	case runErr = <-errc:
	}
	cancel()
	shutdown, cancelShutdown := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancelShutdown()
	if err := hs.Shutdown(shutdown); err != nil && runErr == nil {
		runErr = fmt.Errorf("shut down: %w", err)
	}
	if errors.Is(runErr, http.ErrServerClosed) {
		runErr = nil
	}
	return runErr
}
