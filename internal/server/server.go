package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/go-logr/logr"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/appctl"
)

// Defaults of Options.
const (
	DefaultNamespace = "argocd"
	DefaultUsername  = "flotilla-serve"
	DefaultKeepAlive = 15 * time.Second
)

// Options configure a Server.
type Options struct {
	// Config reaches the cluster. Required.
	Config *rest.Config
	// Namespaces are globs (path.Match) of the namespaces whose
	// Applications are served; default DefaultNamespace.
	Namespaces []string
	// Token is the API token; nil or an empty token refuses every write
	// (and every read without AnonymousRead).
	Token TokenSource
	// AnonymousRead lets reads (and the events stream) through without a
	// token.
	AnonymousRead bool
	// Diff renders the desired state for the diff endpoint (its Revision,
	// LocalDir and Refresh are set per request); without a Generator and
	// a Cluster the endpoint answers 501. Its Generator also resolves the
	// revision a sync request names.
	Diff appctl.DiffOptions
	// Username is recorded as who started a sync; default DefaultUsername.
	Username string
	// KeepAlive is the interval of the events stream's keep-alive
	// comments; default DefaultKeepAlive.
	KeepAlive time.Duration
	// Log receives errors that are not a client's fault; default discard.
	Log logr.Logger
	// OIDC, when set, lets people sign in through an OpenID Connect
	// provider; the server then acts as them by impersonation.
	OIDC *OIDCOptions
	// SessionKey signs the user cookies of OIDC sign-ins (at least
	// MinSessionKey bytes); default a random key, so sessions end when
	// the server stops. Replicas must share it.
	SessionKey []byte
	// SessionTTL is how long a sign-in lasts; default DefaultSessionTTL.
	SessionTTL time.Duration
}

// Server is the API and UI as an http.Handler. Start must run for reads
// and events to work.
type Server struct {
	opts       Options
	namespaces namespaceFilter
	client     client.Client // straight to the API server: writes, resource trees
	apps       cache.Cache   // Applications and ApplicationSets only
	own        client.Reader // Applications and ApplicationSets from apps, everything else from client
	// reader reads as each request's actor: own for the server's
	// identity, through impersonation for a signed-in user.
	reader client.Reader
	// With OIDC: sign-in, the users' clients and their access answers.
	login  *oidcLogin
	seal   sealer
	im     *impersonator
	access *accessCache
	// appSetsOff says why ApplicationSets are not served; nil once their
	// informer is in the cache.
	appSetsOff atomic.Pointer[unavailable]
	handler    http.Handler
	metrics    *metrics
	hub        *hub
	started    atomic.Bool
}

// New builds a Server; it does not contact the cluster until Start.
func New(opts Options) (*Server, error) {
	if opts.Config == nil {
		return nil, errors.New("server: no REST config")
	}
	if len(opts.Namespaces) == 0 {
		opts.Namespaces = []string{DefaultNamespace}
	}
	ns, err := newNamespaceFilter(opts.Namespaces)
	if err != nil {
		return nil, err
	}
	if opts.Token == nil {
		opts.Token = StaticToken("")
	}
	if opts.Username == "" {
		opts.Username = DefaultUsername
	}
	if opts.KeepAlive <= 0 {
		opts.KeepAlive = DefaultKeepAlive
	}
	if opts.Log.GetSink() == nil {
		opts.Log = logr.Discard()
	}
	scheme, err := appctl.Scheme()
	if err != nil {
		return nil, err
	}
	c, err := client.New(opts.Config, client.Options{Scheme: scheme})
	if err != nil {
		return nil, fmt.Errorf("create client: %w", err)
	}
	apps, err := newAppCache(opts.Config, scheme, ns)
	if err != nil {
		return nil, err
	}
	s := &Server{opts: opts, namespaces: ns, client: c, apps: apps, metrics: newMetrics()}
	s.own = appReader{namespaces: ns, apps: apps, other: c}
	s.reader = actorReader{s: s}
	if err := s.setUpOIDC(scheme); err != nil {
		return nil, err
	}
	s.hub = newHub(s.metrics.sseClients)
	s.appSetsOff.Store(&unavailable{status: http.StatusServiceUnavailable, reason: "the cache has not started"})
	if s.handler, err = s.routes(); err != nil {
		return nil, err
	}
	return s, nil
}

// setUpOIDC prepares sign-in and impersonation when Options.OIDC is set.
func (s *Server) setUpOIDC(scheme *runtime.Scheme) error {
	o := &s.opts
	if o.OIDC == nil {
		return nil
	}
	if o.SessionKey == nil {
		o.SessionKey = NewSessionKey()
	}
	if len(o.SessionKey) < MinSessionKey {
		return fmt.Errorf("session key: %d bytes, want at least %d", len(o.SessionKey), MinSessionKey)
	}
	if o.SessionTTL <= 0 {
		o.SessionTTL = DefaultSessionTTL
	}
	s.seal = sealer{key: o.SessionKey}
	login, err := newOIDCLogin(*o.OIDC, s.seal, o.SessionTTL)
	if err != nil {
		return err
	}
	login.log = o.Log
	if s.im, err = newImpersonator(o.Config, scheme); err != nil {
		return fmt.Errorf("impersonation: %w", err)
	}
	s.login, s.access = login, newAccessCache()
	return nil
}

// CheckOIDC reads the OIDC provider's discovery document, so a wrong
// issuer shows at start; nil without OIDC.
func (s *Server) CheckOIDC(ctx context.Context) error {
	if s.login == nil {
		return nil
	}
	_, err := s.login.discover(ctx)
	return err
}

// Start runs the Application and ApplicationSet cache and feeds the
// events stream until ctx ends. ApplicationSets are left out, and their
// endpoints answer 501, when the cluster does not serve them or the
// server may not list them.
func (s *Server) Start(ctx context.Context) error {
	inf, err := s.apps.GetInformer(ctx, &v1alpha1.Application{})
	if err != nil {
		return fmt.Errorf("application informer: %w", err)
	}
	reg, err := inf.AddEventHandler(s.hub.handler(s.namespaces))
	if err != nil {
		return fmt.Errorf("watch applications: %w", err)
	}
	defer func() { _ = inf.RemoveEventHandler(reg) }()
	s.watchAppSets(ctx)
	go func() {
		if s.apps.WaitForCacheSync(ctx) {
			s.started.Store(true)
		}
	}()
	if err := s.apps.Start(ctx); err != nil {
		return fmt.Errorf("application cache: %w", err)
	}
	return nil
}

// WaitReady blocks until the Application cache has synced or ctx ends.
func (s *Server) WaitReady(ctx context.Context) error {
	if !s.apps.WaitForCacheSync(ctx) {
		return fmt.Errorf("application cache did not sync: %w", context.Cause(ctx))
	}
	s.started.Store(true)
	return nil
}

// ServeHTTP serves the API, the UI and the server's own health and
// metrics endpoints.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.handler.ServeHTTP(w, r)
}

func (s *Server) routes() (http.Handler, error) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { writeText(w, http.StatusOK, "ok") })
	mux.HandleFunc("GET /readyz", s.readyz)
	mux.Handle("GET /metrics", s.metrics.handler())

	mux.HandleFunc("GET /api/v1/session", s.sessionInfo)
	mux.HandleFunc("POST /api/v1/session", s.tokenOnly(s.tokenLogin))
	mux.HandleFunc("DELETE /api/v1/session", s.logout)
	mux.HandleFunc("GET /api/v1/events", s.read(s.events))

	const app = "/api/v1/applications/{namespace}/{name}"
	mux.HandleFunc("GET /api/v1/applications", s.read(s.listApps))
	mux.HandleFunc("GET "+app, s.read(s.getApp))
	mux.HandleFunc("GET "+app+"/tree", s.read(s.appTree))
	mux.HandleFunc("GET "+app+"/resource-tree", s.read(s.resourceTree))
	mux.HandleFunc("GET "+app+"/diff", s.read(s.diff))
	mux.HandleFunc("GET "+app+"/history", s.read(s.history))
	mux.HandleFunc("POST "+app+"/sync", s.write(s.sync))
	mux.HandleFunc("POST "+app+"/refresh", s.write(s.refresh))
	mux.HandleFunc("GET /api/v1/applicationsets", s.read(s.listAppSets))
	mux.HandleFunc("GET /api/v1/applicationsets/{namespace}/{name}", s.read(s.getAppSet))
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) { apiNotFound(mux, w, r) })

	mux.HandleFunc("GET /{$}", serveIndex)
	mux.Handle("GET /ui/", uiHandler())
	var trusted []string
	if s.login != nil {
		mux.HandleFunc("GET "+LoginPath, s.login.login)
		mux.HandleFunc("GET "+CallbackPath, s.login.callback)
		trusted = append(trusted, s.login.origin())
	}
	guarded, err := crossOriginGuard(mux, trusted...)
	if err != nil {
		return nil, err
	}
	return s.metrics.instrument(securityHeaders(guarded)), nil
}

// apiNotFound answers an API request no route took: 405 when the path
// takes other methods, else 404, in JSON either way.
func apiNotFound(mux *http.ServeMux, w http.ResponseWriter, r *http.Request) {
	var allow []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodDelete} {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := mux.Handler(probe); pattern != "/api/" {
			allow = append(allow, m)
		}
	}
	if len(allow) > 0 {
		w.Header().Set("Allow", strings.Join(allow, ", "))
		writeError(w, http.StatusMethodNotAllowed, "%s %s: use %s", r.Method, r.URL.Path, strings.Join(allow, " or "))
		return
	}
	writeError(w, http.StatusNotFound, "no API endpoint %s %s", r.Method, r.URL.Path)
}

func (s *Server) readyz(w http.ResponseWriter, _ *http.Request) {
	if !s.started.Load() {
		writeText(w, http.StatusServiceUnavailable, "application cache not synced")
		return
	}
	writeText(w, http.StatusOK, "ok")
}

// securityHeaders keeps the UI to its own origin: no framing, no
// external scripts, styles or connections.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'")
		next.ServeHTTP(w, r)
	})
}
