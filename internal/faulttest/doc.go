// Package faulttest puts a breakable proxy between a client under test and
// a real server, so tests can make a dependency fail on purpose and mend
// it again:
//
//   - TCP forwards any protocol (TLS passes through untouched, so an API
//     server's certificate still verifies): connections can be reset,
//     black-holed or answered with garbage.
//   - HTTP is a reverse proxy for HTTP servers (git smart HTTP, a chart
//     repository, an OCI registry; it can serve https itself): requests
//     can be reset, held until the client gives up, answered with garbage,
//     chosen per request by a rule, and held at a Gate so a fault starts
//     exactly mid-fetch.
//
// Both listen on 127.0.0.1 only and stop when the test's cleanups run.
//
//	p := faulttest.NewHTTP(t, srv.URL())
//	// point the client at p.URL() …
//	p.Set(faulttest.Down)   // the server is gone
//	p.Set(faulttest.Pass)   // and back
package faulttest

// Fault is what a proxy does with a connection or request.
type Fault int

const (
	// Pass forwards to the server.
	Pass Fault = iota
	// Down resets the connection without an answer, as a server that
	// went away does. The TCP proxy also resets the connections already
	// open.
	Down
	// Slow answers nothing: the request (or connection) is held until the
	// client gives up, the fault changes or the proxy stops, as a server
	// that hangs does. A held request whose fault changes to Pass is then
	// forwarded.
	Slow
	// Garbage answers with bytes of no protocol: over HTTP a 200 OK whose
	// body is random bytes (under the content type the client asked for),
	// over TCP random bytes and a close.
	Garbage
)

func (f Fault) String() string {
	switch f {
	case Pass:
		return "pass"
	case Down:
		return "down"
	case Slow:
		return "slow"
	case Garbage:
		return "garbage"
	}
	return "unknown"
}

// TB is the part of testing.TB the proxies use.
type TB interface {
	Helper()
	Fatalf(format string, args ...any)
	Cleanup(func())
}
