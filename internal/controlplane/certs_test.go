package controlplane

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

func TestNewPKI(t *testing.T) {
	now := time.Now()
	p, err := newPKI(now)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(p.CACert) {
		t.Fatal("CA certificate does not parse")
	}

	serving := parseCert(t, p.ServingCert)
	for _, name := range []string{"127.0.0.1", "localhost", "kubernetes.default.svc", "10.0.0.1"} {
		if _, err := serving.Verify(x509.VerifyOptions{
			Roots:       roots,
			DNSName:     name,
			KeyUsages:   []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
			CurrentTime: now,
		}); err != nil {
			t.Errorf("serving certificate for %s: %v", name, err)
		}
	}
	if !slices.Contains(serving.DNSNames, "kubernetes.default.svc") {
		t.Errorf("serving DNS names %v lack kubernetes.default.svc", serving.DNSNames)
	}

	admin := parseCert(t, p.AdminCert)
	if _, err := admin.Verify(x509.VerifyOptions{
		Roots:       roots,
		KeyUsages:   []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		CurrentTime: now,
	}); err != nil {
		t.Errorf("admin certificate: %v", err)
	}
	if got := admin.Subject.Organization; !slices.Equal(got, []string{"system:masters"}) {
		t.Errorf("admin organization = %v, want [system:masters]", got)
	}

	// Keys match their certificates.
	for _, pair := range [][2][]byte{{p.ServingCert, p.ServingKey}, {p.AdminCert, p.AdminKey}, {p.CACert, p.CAKey}} {
		if _, err := tls.X509KeyPair(pair[0], pair[1]); err != nil {
			t.Errorf("key pair: %v", err)
		}
	}
	if b, _ := pem.Decode(p.SAPub); b == nil || b.Type != "PUBLIC KEY" {
		t.Errorf("service-account public key is not a PEM PUBLIC KEY")
	}
}

func TestPKIWrite(t *testing.T) {
	p, err := newPKI(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "pki")
	files, err := p.write(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{files.CACert, files.CAKey, files.ServingCert, files.ServingKey, files.AdminCert, files.AdminKey, files.SAKey, files.SAPub} {
		st, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v, want 0600", filepath.Base(path), st.Mode().Perm())
		}
	}
}

func TestMissingBinaries(t *testing.T) {
	dir := t.TempDir()
	_, err := findBinDir(dir)
	if err == nil {
		t.Fatal("no error for an empty bin dir")
	}
	want := "control plane binaries not found in " + dir
	if got := err.Error(); len(got) < len(want) || got[:len(want)] != want {
		t.Errorf("error = %q, want prefix %q", got, want)
	}
}

func parseCert(t *testing.T, pemBytes []byte) *x509.Certificate {
	t.Helper()
	b, _ := pem.Decode(pemBytes)
	if b == nil {
		t.Fatal("no PEM block")
	}
	c, err := x509.ParseCertificate(b.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
