package server

import (
	"crypto/x509"
	"strings"
	"testing"
	"time"
)

func TestSelfSignedTLS(t *testing.T) {
	cfg, fingerprint, err := SelfSignedTLS([]string{"flotilla.internal", "localhost", "127.0.0.1", "::1"})
	if err != nil {
		t.Fatal(err)
	}
	der := cfg.Certificates[0].Certificate[0]
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	if fingerprint != Fingerprint(der) || len(fingerprint) != 95 || strings.Count(fingerprint, ":") != 31 {
		t.Errorf("fingerprint %q", fingerprint)
	}
	if cert.NotAfter.Before(time.Now().Add(300*24*time.Hour)) || cert.IsCA {
		t.Errorf("certificate valid until %s, CA %v", cert.NotAfter, cert.IsCA)
	}
	roots := x509.NewCertPool()
	roots.AddCert(cert)
	for host, want := range map[string]bool{"flotilla.internal": true, "localhost": true, "127.0.0.1": true, "::1": true, "example.com": false, "10.0.0.1": false} {
		_, err := cert.Verify(x509.VerifyOptions{DNSName: host, Roots: roots})
		if (err == nil) != want {
			t.Errorf("verify for %s: %v, want valid %v", host, err, want)
		}
	}
}
