package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// apiProxy counts the requests a system makes to the kube-apiserver: each
// of the system's processes gets a kubeconfig pointing at its own TLS
// listener of the proxy, which forwards every request, watches streamed,
// to the real apiserver with the admin credentials.
type apiProxy struct {
	target    *url.URL
	transport http.RoundTripper
	cert      tls.Certificate
	certPEM   []byte
	// the admin client certificate, written into the kubeconfigs so that
	// clients see credentials (the proxy does not ask for them; it
	// forwards with its own, the same)
	clientCert, clientKey []byte

	mu      sync.Mutex
	clients map[string]*requestCounts
	servers []*http.Server
}

// Request kinds the proxy tells apart.
const (
	kindGet = iota
	kindList
	kindWatch
	kindWrite // create, update, patch, delete
	kindOther // discovery, openapi, version, health
	kinds
)

type requestCounts [kinds]atomic.Int64

// counts is a snapshot of requestCounts.
type counts [kinds]int64

func (c counts) total() int64 {
	var t int64
	for _, v := range c {
		t += v
	}
	return t
}

func (c counts) sub(o counts) counts {
	for i := range c {
		c[i] -= o[i]
	}
	return c
}

func (c counts) add(o counts) counts {
	for i := range c {
		c[i] += o[i]
	}
	return c
}

func newAPIProxy(cfg *rest.Config) (*apiProxy, error) {
	target, err := url.Parse(cfg.Host)
	if err != nil {
		return nil, fmt.Errorf("apiserver url: %w", err)
	}
	tr, err := rest.TransportFor(cfg)
	if err != nil {
		return nil, fmt.Errorf("apiserver transport: %w", err)
	}
	cert, certPEM, err := selfSignedCert()
	if err != nil {
		return nil, err
	}
	return &apiProxy{
		target: target, transport: tr, cert: cert, certPEM: certPEM,
		clientCert: cfg.CertData, clientKey: cfg.KeyData,
		clients: map[string]*requestCounts{},
	}, nil
}

// listen starts a listener for client name and writes a kubeconfig for it
// (context namespace ns) into dir.
func (p *apiProxy) listen(name, ns, dir string) (kubeconfig string, err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	c := &requestCounts{}
	rp := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(p.target)
			r.Out.Host = p.target.Host
		},
		Transport:     p.transport,
		FlushInterval: -1, // watches stream
		ErrorLog:      log.New(io.Discard, "", 0),
	}
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			c[classify(r)].Add(1)
			rp.ServeHTTP(w, r)
		}),
		TLSConfig:         &tls.Config{Certificates: []tls.Certificate{p.cert}, MinVersion: tls.VersionTLS12},
		ReadHeaderTimeout: 30 * time.Second,
		ErrorLog:          log.New(io.Discard, "", 0),
	}
	p.mu.Lock()
	p.clients[name] = c
	p.servers = append(p.servers, srv)
	p.mu.Unlock()
	go func() { _ = srv.ServeTLS(ln, "", "") }()

	kc := clientcmdapi.NewConfig()
	kc.Clusters["proxy"] = &clientcmdapi.Cluster{Server: "https://" + ln.Addr().String(), CertificateAuthorityData: p.certPEM}
	kc.AuthInfos["proxy"] = &clientcmdapi.AuthInfo{ClientCertificateData: p.clientCert, ClientKeyData: p.clientKey}
	kc.Contexts["proxy"] = &clientcmdapi.Context{Cluster: "proxy", AuthInfo: "proxy", Namespace: ns}
	kc.CurrentContext = "proxy"
	path := filepath.Join(dir, name+".kubeconfig")
	if err := clientcmd.WriteToFile(*kc, path); err != nil {
		return "", fmt.Errorf("write kubeconfig: %w", err)
	}
	return path, nil
}

// snapshot is the requests so far, by client.
func (p *apiProxy) snapshot() map[string]counts {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := map[string]counts{}
	for name, c := range p.clients {
		var s counts
		for i := range c {
			s[i] = c[i].Load()
		}
		out[name] = s
	}
	return out
}

func (p *apiProxy) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, s := range p.servers {
		_ = s.Close()
	}
	p.servers = nil
}

// classify sorts a request by its verb, as the apiserver's audit log
// would: get, list, watch, a write, or something else (discovery).
func classify(r *http.Request) int {
	switch r.Method {
	case http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
		return kindWrite
	case http.MethodGet:
	default:
		return kindOther
	}
	q := r.URL.Query()
	if q.Get("watch") == "true" || q.Get("watch") == "1" {
		return kindWatch
	}
	seg := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	var rest []string
	switch {
	case len(seg) >= 2 && seg[0] == "api": // /api/v1/...
		rest = seg[2:]
	case len(seg) >= 3 && seg[0] == "apis": // /apis/group/version/...
		rest = seg[3:]
	default:
		return kindOther
	}
	if len(rest) == 0 {
		return kindOther // the group version's resource list
	}
	if len(rest) >= 3 && rest[0] == "namespaces" {
		rest = rest[2:] // a namespaced resource
	}
	if len(rest) >= 2 && rest[0] == "watch" {
		return kindWatch // the old /watch/ paths
	}
	if len(rest) == 1 {
		return kindList
	}
	return kindGet
}

// selfSignedCert is a serving certificate for 127.0.0.1 that is its own CA.
func selfSignedCert() (tls.Certificate, []byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "benchversus-apiproxy"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, nil, fmt.Errorf("proxy certificate: %w", err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER})
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	return cert, certPEM, err
}
