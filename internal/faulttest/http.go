package faulttest

import (
	"bytes"
	"crypto/tls"
	"encoding/pem"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// HTTP is a reverse proxy on 127.0.0.1 in front of one HTTP server.
type HTTP struct {
	srv       *httptest.Server
	transport *http.Transport
	pass      *httputil.ReverseProxy
	garble    *httputil.ReverseProxy
	stopped   chan struct{} // closed by Close: held requests end

	mu      sync.Mutex
	rule    func(*http.Request) Fault
	changed chan struct{} // closed and replaced by every Set and SetRule
	gates   []*Gate
	paths   map[string]int64

	requests atomic.Int64
}

// HTTPOption configures an HTTP proxy.
type HTTPOption func(*httpConfig)

type httpConfig struct{ tls bool }

// ServeTLS makes the proxy serve https with a certificate of its own for
// 127.0.0.1 (clients skip verifying it, or trust CACert), for clients
// that speak only https, such as an OCI registry client.
func ServeTLS() HTTPOption { return func(c *httpConfig) { c.tls = true } }

// NewHTTP starts a proxy to the server at target (http:// or https://
// host:port; an https server's certificate is not verified) that passes
// everything; it stops when t's cleanups run.
func NewHTTP(t TB, target string, opts ...HTTPOption) *HTTP {
	t.Helper()
	var cfg httpConfig
	for _, o := range opts {
		o(&cfg)
	}
	u, err := url.Parse(target)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		t.Fatalf("faulttest: target %q is not an http(s)://host:port URL", target)
	}
	transport := &http.Transport{
		Proxy:               nil,
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
		TLSClientConfig:     &tls.Config{InsecureSkipVerify: true}, //nolint:gosec // a test proxy on loopback
		MaxIdleConnsPerHost: 16,
	}
	quiet := log.New(io.Discard, "", 0)
	origin := &url.URL{Scheme: u.Scheme, Host: u.Host}
	p := &HTTP{
		transport: transport,
		pass:      &httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) { r.SetURL(origin); r.Out.Host = r.In.Host }, Transport: transport, ErrorLog: quiet},
		stopped:   make(chan struct{}),
		rule:      func(*http.Request) Fault { return Pass },
		changed:   make(chan struct{}),
		paths:     map[string]int64{},
	}
	p.garble = &httputil.ReverseProxy{Rewrite: p.pass.Rewrite, Transport: transport, ErrorLog: quiet, ModifyResponse: garbleBody}
	p.srv = httptest.NewUnstartedServer(p)
	p.srv.Config.ErrorLog = quiet
	p.srv.Config.ReadHeaderTimeout = 10 * time.Second
	if cfg.tls {
		p.srv.StartTLS()
	} else {
		p.srv.Start()
	}
	t.Cleanup(p.Close)
	return p
}

// URL is the proxy's base URL, http://127.0.0.1:PORT (https:// with
// ServeTLS); a path appended to it reaches the same path on the server.
func (p *HTTP) URL() string { return p.srv.URL }

// Host is the proxy's host:port.
func (p *HTTP) Host() string { return p.srv.Listener.Addr().String() }

// CACert is the PEM certificate of the proxy's https (nil without
// ServeTLS).
func (p *HTTP) CACert() []byte {
	if p.srv.Certificate() == nil {
		return nil
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: p.srv.Certificate().Raw})
}

// Set makes every request from now on (and those held Slow) meet fault f.
func (p *HTTP) Set(f Fault) { p.SetRule(func(*http.Request) Fault { return f }) }

// SetRule decides the fault per request from now on, for instance Down
// for chart downloads only while the index still answers.
func (p *HTTP) SetRule(rule func(*http.Request) Fault) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.rule = rule
	close(p.changed)
	p.changed = make(chan struct{})
}

// Requests is how many requests reached the proxy, whatever their fault.
func (p *HTTP) Requests() int64 { return p.requests.Load() }

// RequestsTo is how many requests reached the proxy for a path ending in
// suffix ("/info/refs", "/index.yaml").
func (p *HTTP) RequestsTo(suffix string) int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	var n int64
	for path, c := range p.paths {
		if strings.HasSuffix(path, suffix) {
			n += c
		}
	}
	return n
}

// HoldAt holds every request that match accepts at the returned Gate
// until the test opens it; the request then meets the fault of that
// moment. It is how a test makes a dependency fail in the middle of a
// fetch: wait for Arrived, Set(Down), Open.
func (p *HTTP) HoldAt(match func(*http.Request) bool) *Gate {
	g := &Gate{match: match, arrived: make(chan struct{}), open: make(chan struct{})}
	p.mu.Lock()
	p.gates = append(p.gates, g)
	p.mu.Unlock()
	return g
}

// Close stops the proxy; held requests are dropped.
func (p *HTTP) Close() {
	p.mu.Lock()
	select {
	case <-p.stopped:
		p.mu.Unlock()
		return
	default:
		close(p.stopped)
	}
	p.mu.Unlock()
	p.srv.CloseClientConnections()
	p.srv.Close()
	p.transport.CloseIdleConnections()
}

// ServeHTTP implements http.Handler.
func (p *HTTP) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.requests.Add(1)
	p.mu.Lock()
	p.paths[r.URL.Path]++
	gates := append([]*Gate(nil), p.gates...)
	p.mu.Unlock()
	for _, g := range gates {
		if !g.match(r) {
			continue
		}
		g.arrive()
		select {
		case <-g.open:
		case <-r.Context().Done():
			return
		case <-p.stopped:
			hangUp(w)
			return
		}
	}
	for {
		p.mu.Lock()
		f, changed := p.rule(r), p.changed
		p.mu.Unlock()
		switch f {
		case Down:
			hangUp(w)
			return
		case Garbage:
			p.garble.ServeHTTP(w, r)
			return
		case Slow:
			select {
			case <-r.Context().Done():
				return
			case <-changed:
				continue
			case <-p.stopped:
				hangUp(w)
				return
			}
		default:
			p.pass.ServeHTTP(w, r)
			return
		}
	}
}

// hangUp resets the request's connection without an answer.
func hangUp(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic("faulttest: the response writer cannot be hijacked")
	}
	c, _, err := hj.Hijack()
	if err != nil {
		return
	}
	reset(c)
}

// garbleBody replaces a response's body with random bytes of about the
// same size, keeping its status and headers.
func garbleBody(resp *http.Response) error {
	body, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil {
		return err
	}
	junk := garbage(max(len(body), 64))
	resp.Body = io.NopCloser(bytes.NewReader(junk))
	resp.ContentLength = int64(len(junk))
	resp.Header.Set("Content-Length", strconv.Itoa(len(junk)))
	resp.Header.Del("Content-Encoding")
	return nil
}

// Gate holds the requests of HTTP.HoldAt until it is opened.
type Gate struct {
	match   func(*http.Request) bool
	arrived chan struct{}
	once    sync.Once
	open    chan struct{}
	opened  sync.Once
}

// Arrived is closed when the first request reaches the gate.
func (g *Gate) Arrived() <-chan struct{} { return g.arrived }

// Open lets the held requests, and all later ones, through.
func (g *Gate) Open() { g.opened.Do(func() { close(g.open) }) }

func (g *Gate) arrive() { g.once.Do(func() { close(g.arrived) }) }
