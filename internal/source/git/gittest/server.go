package gittest

import (
	"crypto/subtle"
	"io"
	"net"
	"net/http"
	"net/http/cgi"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"
)

// Server is a git server on 127.0.0.1 serving the bare repositories under a
// temporary directory over smart HTTP, and over ssh when started WithSSH.
type Server struct {
	root    string // bare repositories, as <name>.git
	baseURL string
	user    string
	pass    string
	withSSH bool
	ssh     *sshServer

	fetches atomic.Int64
}

// Option configures a Server.
type Option func(*Server)

// WithBasicAuth makes the HTTP server require these basic auth credentials
// on every request.
func WithBasicAuth(user, pass string) Option {
	return func(s *Server) { s.user, s.pass = user, pass }
}

// WithSSH also serves the repositories over ssh, to the key SSHPrivateKey
// returns; see SSHURL and SSHKnownHosts.
func WithSSH() Option {
	return func(s *Server) { s.withSSH = true }
}

// NewServer starts a smart-HTTP git server on a random port of 127.0.0.1.
// It runs the real `git http-backend` through net/http/cgi with pushes
// enabled, and stops when t's cleanups run.
func NewServer(t TB, opts ...Option) *Server {
	t.Helper()
	s := &Server{root: t.TempDir()}
	for _, opt := range opts {
		opt(s)
	}
	backend := filepath.Join(execPath(t), "git-http-backend")
	cgiHandler := &cgi.Handler{
		Path: backend,
		Root: "/",
		Dir:  s.root,
		Env: append(gitEnv(),
			"GIT_PROJECT_ROOT="+s.root,
			"GIT_HTTP_EXPORT_ALL=1",
			"HOME="+s.root,
		),
		InheritEnv: []string{"PATH"},
		Stderr:     io.Discard, // "Not a git repository" and the like; clients see the status
	}

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("gittest: listen: %v", err)
	}
	s.baseURL = "http://" + l.Addr().String()
	srv := &http.Server{
		Handler:           s.handler(cgiHandler),
		ReadHeaderTimeout: 10 * time.Second,
	}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })

	if s.withSSH {
		s.ssh = startSSH(t, s.root)
	}
	return s
}

// handler checks basic auth and counts fetches before handing the request to
// git http-backend.
func (s *Server) handler(backend http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.user != "" || s.pass != "" {
			user, pass, ok := r.BasicAuth()
			if !ok || subtle.ConstantTimeCompare([]byte(user), []byte(s.user)) != 1 ||
				subtle.ConstantTimeCompare([]byte(pass), []byte(s.pass)) != 1 {
				w.Header().Set("WWW-Authenticate", `Basic realm="gittest"`)
				http.Error(w, "authentication required", http.StatusUnauthorized)
				return
			}
		}
		if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/git-upload-pack") {
			s.fetches.Add(1)
		}
		backend.ServeHTTP(w, r)
	})
}

// URL is the HTTP URL of the repository called name, such as
// http://127.0.0.1:PORT/name.git. It holds no credentials.
func (s *Server) URL(name string) string {
	return s.baseURL + "/" + name + ".git"
}

// Fetches is how many fetches (upload-pack POST requests, not ref listings)
// the HTTP server has answered.
func (s *Server) Fetches() int {
	return int(s.fetches.Load())
}

// Root is the directory holding the bare repositories.
func (s *Server) Root() string {
	return s.root
}

// NewRepo creates the bare repository name on the server (name may contain
// slashes) and a working clone of it that pushes to it.
func (s *Server) NewRepo(t TB, name string) *Repo {
	t.Helper()
	bare := filepath.Join(s.root, filepath.FromSlash(name)+".git")
	initBare(t, bare)
	return newRepo(t, bare, s.URL(name))
}
