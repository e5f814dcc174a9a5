package faulttest_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"flotilla.dev/flotilla/internal/faulttest"
)

func hello(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/x-greeting")
		_, _ = io.WriteString(w, "hello from "+r.URL.Path)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// get fetches url with a fresh connection and a one-second deadline.
func get(url string) (string, string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := c.Do(req)
	if err != nil {
		return "", "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), resp.Header.Get("Content-Type"), err
}

func TestHTTPFaults(t *testing.T) {
	p := faulttest.NewHTTP(t, hello(t).URL)
	if body, _, err := get(p.URL() + "/a"); err != nil || body != "hello from /a" {
		t.Fatalf("pass: %q, %v", body, err)
	}
	p.Set(faulttest.Down)
	if _, _, err := get(p.URL() + "/a"); err == nil {
		t.Error("down: the request succeeded")
	}
	p.Set(faulttest.Slow)
	if _, _, err := get(p.URL() + "/a"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("slow: %v, want the client's deadline", err)
	}
	p.Set(faulttest.Garbage)
	body, typ, err := get(p.URL() + "/a")
	if err != nil || strings.Contains(body, "hello") || typ != "text/x-greeting" {
		t.Errorf("garbage: %q (%s), %v; want other bytes under the server's headers", body, typ, err)
	}
	p.SetRule(func(r *http.Request) faulttest.Fault {
		if strings.HasPrefix(r.URL.Path, "/charts/") {
			return faulttest.Down
		}
		return faulttest.Pass
	})
	if body, _, err := get(p.URL() + "/index.yaml"); err != nil || body != "hello from /index.yaml" {
		t.Errorf("rule passes the index: %q, %v", body, err)
	}
	if _, _, err := get(p.URL() + "/charts/x.tgz"); err == nil {
		t.Error("rule: the chart download succeeded")
	}
	if n := p.RequestsTo("/a"); n != 4 {
		t.Errorf("RequestsTo(/a) = %d, want 4", n)
	}
}

// A request held Slow is forwarded once the fault turns to Pass, and a
// request held at a gate meets the fault of the moment the gate opens.
func TestHTTPHeldRequests(t *testing.T) {
	p := faulttest.NewHTTP(t, hello(t).URL)
	p.Set(faulttest.Slow)
	done := make(chan string)
	go func() {
		resp, err := http.Get(p.URL() + "/late")
		if err != nil {
			done <- err.Error()
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		done <- string(b)
	}()
	for p.Requests() == 0 {
		time.Sleep(10 * time.Millisecond)
	}
	p.Set(faulttest.Pass)
	if got := <-done; got != "hello from /late" {
		t.Errorf("held request: %q", got)
	}

	g := p.HoldAt(func(r *http.Request) bool { return r.URL.Path == "/blob" })
	errc := make(chan error)
	go func() {
		_, _, err := get(p.URL() + "/blob")
		errc <- err
	}()
	<-g.Arrived()
	p.Set(faulttest.Down)
	g.Open()
	if err := <-errc; err == nil {
		t.Error("the request held at the gate passed after the proxy went down")
	}
}

func TestTCPFaults(t *testing.T) {
	srv := hello(t)
	p := faulttest.NewTCP(t, strings.TrimPrefix(srv.URL, "http://"))
	url := "http://" + p.Addr() + "/x"
	if body, _, err := get(url); err != nil || body != "hello from /x" {
		t.Fatalf("pass: %q, %v", body, err)
	}
	// An open connection is reset by Down.
	c, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := io.WriteString(c, "GET /open HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4096)
	if n, err := c.Read(buf); err != nil || !bytes.Contains(buf[:n], []byte("hello from /open")) {
		t.Fatalf("open connection: %q, %v", buf[:n], err)
	}
	p.Set(faulttest.Down)
	_ = c.SetReadDeadline(time.Now().Add(time.Second))
	if _, err := c.Read(buf); err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("the open connection survived Down: %v", err)
	}
	if _, _, err := get(url); err == nil {
		t.Error("down: a new connection got through")
	}
	p.Set(faulttest.Slow)
	if _, _, err := get(url); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("slow: %v, want the client's deadline", err)
	}
	p.Set(faulttest.Garbage)
	if _, _, err := get(url); err == nil {
		t.Error("garbage: the request succeeded")
	}
	p.Set(faulttest.Pass)
	if body, _, err := get(url); err != nil || body != "hello from /x" {
		t.Errorf("pass again: %q, %v", body, err)
	}
}

// An https proxy in front of an https server: a client that trusts the
// proxy's certificate gets the server's answer, and faults apply.
func TestHTTPServeTLS(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "secure "+r.URL.Path)
	}))
	t.Cleanup(srv.Close)
	p := faulttest.NewHTTP(t, srv.URL, faulttest.ServeTLS())
	if !strings.HasPrefix(p.URL(), "https://127.0.0.1:") || p.Host() != strings.TrimPrefix(p.URL(), "https://") {
		t.Fatalf("URL %s, Host %s", p.URL(), p.Host())
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(p.CACert()) {
		t.Fatal("CACert is no PEM certificate")
	}
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	resp, err := c.Get(p.URL() + "/v2/")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != "secure /v2/" {
		t.Errorf("body %q", b)
	}
	p.Set(faulttest.Down)
	if _, err := c.Get(p.URL() + "/v2/"); err == nil {
		t.Error("down: the request succeeded")
	}
}
