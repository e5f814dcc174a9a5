package faulttest

import (
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"sync"
	"sync/atomic"
)

// TCP is a TCP proxy on 127.0.0.1 in front of one server address.
type TCP struct {
	target string
	ln     net.Listener

	mu      sync.Mutex
	fault   Fault
	changed chan struct{} // closed and replaced by every Set
	open    map[net.Conn]struct{}
	closed  bool
	wg      sync.WaitGroup

	accepted atomic.Int64
}

// NewTCP starts a proxy to target (host:port) that passes everything; it
// stops when t's cleanups run.
func NewTCP(t TB, target string) *TCP {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("faulttest: listen: %v", err)
	}
	p := &TCP{target: target, ln: ln, changed: make(chan struct{}), open: map[net.Conn]struct{}{}}
	p.wg.Go(p.serve)
	t.Cleanup(p.Close)
	return p
}

// Addr is the proxy's host:port.
func (p *TCP) Addr() string { return p.ln.Addr().String() }

// Accepted is how many connections the proxy has accepted.
func (p *TCP) Accepted() int64 { return p.accepted.Load() }

// Set changes what the proxy does from now on. Any fault but Pass also
// resets every connection open through the proxy (and those it holds), so
// a client notices at once, as when a server dies or its network drops.
func (p *TCP) Set(f Fault) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.fault = f
	close(p.changed)
	p.changed = make(chan struct{})
	if f == Pass {
		return
	}
	for c := range p.open {
		reset(c)
		delete(p.open, c)
	}
}

// Close stops the proxy and resets its connections.
func (p *TCP) Close() {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.closed = true
	_ = p.ln.Close()
	for c := range p.open {
		reset(c)
	}
	close(p.changed)
	p.mu.Unlock()
	p.wg.Wait()
}

func (p *TCP) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.accepted.Add(1)
		p.wg.Go(func() { p.handle(c) })
	}
}

// handle serves one client connection under the fault of the moment it
// arrived.
func (p *TCP) handle(c net.Conn) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		reset(c)
		return
	}
	f, changed := p.fault, p.changed
	p.open[c] = struct{}{}
	p.mu.Unlock()
	defer p.forget(c)

	switch f {
	case Down:
		reset(c)
	case Garbage:
		_, _ = c.Write(garbage(512))
		_ = c.Close()
	case Slow:
		<-changed // Set resets c unless the fault is Pass again
		reset(c)
	default:
		p.forward(c)
	}
}

func (p *TCP) forward(c net.Conn) {
	s, err := net.Dial("tcp", p.target)
	if err != nil {
		reset(c)
		return
	}
	p.mu.Lock()
	if _, ok := p.open[c]; !ok { // reset by Set meanwhile
		p.mu.Unlock()
		reset(s)
		return
	}
	p.open[s] = struct{}{}
	p.mu.Unlock()
	defer p.forget(s)
	var wg sync.WaitGroup
	pipe := func(dst, src net.Conn) {
		_, err := io.Copy(dst, src)
		if err != nil && !errors.Is(err, net.ErrClosed) {
			reset(dst)
			return
		}
		if tc, ok := dst.(*net.TCPConn); ok {
			_ = tc.CloseWrite()
		}
	}
	wg.Go(func() { pipe(s, c) })
	wg.Go(func() { pipe(c, s) })
	wg.Wait()
	_ = c.Close()
	_ = s.Close()
}

func (p *TCP) forget(c net.Conn) {
	p.mu.Lock()
	delete(p.open, c)
	p.mu.Unlock()
}

// reset closes c with a TCP reset rather than an orderly close.
func reset(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = c.Close()
}

// garbage is n random bytes that no protocol accepts.
func garbage(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rand.IntN(256))
	}
	copy(b, "\x00\xffnot what you asked for\r\n")
	return b
}
