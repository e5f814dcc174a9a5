package controlplane

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// certValidity is how long generated certificates are valid; planes are
// short-lived, but the demo may run for a while.
const certValidity = 365 * 24 * time.Hour

// serviceIP is the first address of --service-cluster-ip-range, the ClusterIP
// of the kubernetes Service.
const serviceIP = "10.0.0.1"

// pki holds the generated CA, certificates and keys, PEM-encoded.
type pki struct {
	CACert      []byte // CA certificate
	CAKey       []byte // CA private key, for the controller-manager's CSR signer
	ServingCert []byte // apiserver (and controller-manager, scheduler) serving certificate
	ServingKey  []byte
	AdminCert   []byte // client certificate, O=system:masters
	AdminKey    []byte
	SAKey       []byte // service-account token signing key (private)
	SAPub       []byte // service-account token verification key (public)
}

// servingDNSNames and servingIPs are the SANs of the serving certificate.
var (
	servingDNSNames = []string{
		"localhost",
		"kubernetes",
		"kubernetes.default",
		"kubernetes.default.svc",
		"kubernetes.default.svc.cluster.local",
	}
	servingIPs = []net.IP{net.ParseIP("127.0.0.1"), net.ParseIP(serviceIP), net.IPv6loopback}
)

// newPKI generates a CA and everything signed by it, valid from now.
func newPKI(now time.Time) (*pki, error) {
	caKey, err := newKey()
	if err != nil {
		return nil, err
	}
	caTmpl := &x509.Certificate{
		Subject:               pkix.Name{CommonName: "flotilla-controlplane-ca"},
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	caDER, caCert, err := sign(caTmpl, caKey.Public(), nil, caKey, now)
	if err != nil {
		return nil, fmt.Errorf("create ca certificate: %w", err)
	}

	servingKey, err := newKey()
	if err != nil {
		return nil, err
	}
	servingDER, _, err := sign(&x509.Certificate{
		Subject:     pkix.Name{CommonName: "kube-apiserver"},
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:    servingDNSNames,
		IPAddresses: servingIPs,
	}, servingKey.Public(), caCert, caKey, now)
	if err != nil {
		return nil, fmt.Errorf("create serving certificate: %w", err)
	}

	adminKey, err := newKey()
	if err != nil {
		return nil, err
	}
	adminDER, _, err := sign(&x509.Certificate{
		Subject:     pkix.Name{CommonName: "flotilla-admin", Organization: []string{"system:masters"}},
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}, adminKey.Public(), caCert, caKey, now)
	if err != nil {
		return nil, fmt.Errorf("create admin certificate: %w", err)
	}

	saKey, err := newKey()
	if err != nil {
		return nil, err
	}
	saPub, err := x509.MarshalPKIXPublicKey(saKey.Public())
	if err != nil {
		return nil, fmt.Errorf("encode service-account public key: %w", err)
	}

	p := &pki{
		CACert:      certPEM(caDER),
		ServingCert: certPEM(servingDER),
		AdminCert:   certPEM(adminDER),
		SAPub:       pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: saPub}),
	}
	for _, k := range []struct {
		dst *[]byte
		key *ecdsa.PrivateKey
	}{{&p.CAKey, caKey}, {&p.ServingKey, servingKey}, {&p.AdminKey, adminKey}, {&p.SAKey, saKey}} {
		if *k.dst, err = keyPEM(k.key); err != nil {
			return nil, err
		}
	}
	return p, nil
}

func newKey() (*ecdsa.PrivateKey, error) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate key: %w", err)
	}
	return k, nil
}

// sign fills in serial and validity and signs tmpl with parent/parentKey;
// a nil parent means self-signed.
func sign(tmpl *x509.Certificate, pub crypto.PublicKey, parent *x509.Certificate, parentKey crypto.Signer, now time.Time) ([]byte, *x509.Certificate, error) {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, nil, err
	}
	tmpl.SerialNumber = serial
	tmpl.NotBefore = now.Add(-time.Hour) // tolerate small clock skew
	tmpl.NotAfter = now.Add(certValidity)
	if parent == nil {
		parent = tmpl
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, parentKey)
	if err != nil {
		return nil, nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, nil, err
	}
	return der, cert, nil
}

func certPEM(der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

func keyPEM(k *ecdsa.PrivateKey) ([]byte, error) {
	der, err := x509.MarshalECPrivateKey(k)
	if err != nil {
		return nil, fmt.Errorf("encode private key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der}), nil
}

// pkiFiles are the paths pki.write wrote.
type pkiFiles struct {
	Dir, CACert, CAKey, ServingCert, ServingKey, AdminCert, AdminKey, SAKey, SAPub string
}

// write stores every PEM file in dir (private keys mode 0600).
func (p *pki) write(dir string) (pkiFiles, error) {
	f := pkiFiles{
		Dir:         dir,
		CACert:      filepath.Join(dir, "ca.crt"),
		CAKey:       filepath.Join(dir, "ca.key"),
		ServingCert: filepath.Join(dir, "serving.crt"),
		ServingKey:  filepath.Join(dir, "serving.key"),
		AdminCert:   filepath.Join(dir, "admin.crt"),
		AdminKey:    filepath.Join(dir, "admin.key"),
		SAKey:       filepath.Join(dir, "sa.key"),
		SAPub:       filepath.Join(dir, "sa.pub"),
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return f, fmt.Errorf("create pki dir: %w", err)
	}
	for path, data := range map[string][]byte{
		f.CACert: p.CACert, f.CAKey: p.CAKey,
		f.ServingCert: p.ServingCert, f.ServingKey: p.ServingKey,
		f.AdminCert: p.AdminCert, f.AdminKey: p.AdminKey,
		f.SAKey: p.SAKey, f.SAPub: p.SAPub,
	} {
		if err := os.WriteFile(path, data, 0o600); err != nil {
			return f, fmt.Errorf("write %s: %w", filepath.Base(path), err)
		}
	}
	return f, nil
}
