package helm

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"time"
)

// Auth holds the credentials and connection settings for one repository.
// Its secrets never appear in errors; String hides them from fmt as well.
type Auth struct {
	// Username and Password are sent as basic auth (for a registry, also to
	// obtain a bearer token).
	Username, Password string
	// TLSClientCert and TLSClientKey are a PEM client certificate and key
	// for mutual TLS.
	TLSClientCert, TLSClientKey []byte
	// CABundle holds PEM certificates trusted in addition to the system pool.
	CABundle []byte
	// Insecure skips TLS certificate verification.
	Insecure bool
	// PassCredentials sends basic auth also to other hosts a chart
	// repository's index points to (Argo CD's helm.passCredentials).
	PassCredentials bool
	// PlainHTTP talks plain http to an OCI registry (Argo CD's
	// insecureOCIForceHttp); otherwise registries are reached over https.
	PlainHTTP bool
}

// String keeps secrets out of anything that formats an Auth.
func (a *Auth) String() string {
	if a == nil {
		return "helm.Auth{}"
	}
	return fmt.Sprintf("helm.Auth{Username:%q Password:%s TLSClientKey:%s Insecure:%t PlainHTTP:%t}",
		a.Username, mask(a.Password != ""), mask(len(a.TLSClientKey) > 0), a.Insecure, a.PlainHTTP)
}

// GoString is String for %#v.
func (a *Auth) GoString() string { return a.String() }

func mask(set bool) string {
	if set {
		return "***"
	}
	return `""`
}

// secrets lists what must never be printed.
func (a *Auth) secrets() []string {
	if a == nil {
		return nil
	}
	return []string{a.Password, string(a.TLSClientKey)}
}

func (a *Auth) basic() (user, pass string, ok bool) {
	if a == nil || (a.Username == "" && a.Password == "") {
		return "", "", false
	}
	return a.Username, a.Password, true
}

// transport builds the http transport for a, with its TLS settings.
func (a *Auth) transport() (*http.Transport, error) {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.ResponseHeaderTimeout = 2 * time.Minute
	if a == nil {
		return tr, nil
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if a.Insecure {
		cfg.InsecureSkipVerify = true //nolint:gosec // asked for by Auth.Insecure
	}
	if len(a.CABundle) > 0 {
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(a.CABundle) {
			return nil, errors.New("CA bundle holds no PEM certificate")
		}
		cfg.RootCAs = pool
	}
	if len(a.TLSClientCert) > 0 || len(a.TLSClientKey) > 0 {
		cert, err := tls.X509KeyPair(a.TLSClientCert, a.TLSClientKey)
		if err != nil {
			// The parse error may quote key material: do not wrap it.
			return nil, errors.New("TLS client certificate and key cannot be loaded")
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	tr.TLSClientConfig = cfg
	return tr, nil
}
