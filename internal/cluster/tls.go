package cluster

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"

	"k8s.io/client-go/rest"
)

const tlsPath = "config.tlsClientConfig."

// tlsClientConfig decodes and checks the certificates of a cluster Secret:
// each is base64 of PEM inside the JSON, as Argo CD stores them.
func tlsClientConfig(t *rawTLS) (rest.TLSClientConfig, error) {
	out := rest.TLSClientConfig{Insecure: t.Insecure, ServerName: t.ServerName}
	var err error
	if out.CAData, err = decodeBase64("caData", t.CAData); err != nil {
		return out, err
	}
	if out.CertData, err = decodeBase64("certData", t.CertData); err != nil {
		return out, err
	}
	if out.KeyData, err = decodeBase64("keyData", t.KeyData); err != nil {
		return out, err
	}
	if len(out.CAData) > 0 {
		if t.Insecure {
			return out, errors.New(tlsPath + "caData cannot be combined with insecure: true")
		}
		if err := checkCertificates("caData", out.CAData); err != nil {
			return out, err
		}
	}
	switch {
	case len(out.CertData) > 0 && len(out.KeyData) == 0:
		return out, errors.New(tlsPath + "certData is set without keyData")
	case len(out.KeyData) > 0 && len(out.CertData) == 0:
		return out, errors.New(tlsPath + "keyData is set without certData")
	case len(out.CertData) > 0:
		if err := checkCertificates("certData", out.CertData); err != nil {
			return out, err
		}
		if err := checkKey(out.KeyData); err != nil {
			return out, err
		}
		if _, err := tls.X509KeyPair(out.CertData, out.KeyData); err != nil {
			// The error of X509KeyPair is not quoted: it is about the
			// key, and must not risk echoing it.
			return out, errors.New(tlsPath + "keyData does not match certData")
		}
	}
	return out, nil
}

// decodeBase64 decodes one certificate field the way encoding/json decodes
// Argo CD's []byte fields (standard alphabet, padded, line breaks ignored).
func decodeBase64(field, s string) ([]byte, error) {
	if s == "" {
		return nil, nil
	}
	if strings.HasPrefix(strings.TrimSpace(s), "-----BEGIN") {
		return nil, fmt.Errorf("%s%s must be base64-encoded PEM, not PEM text: Argo CD stores certificates base64-encoded inside the config JSON", tlsPath, field)
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		var corrupt base64.CorruptInputError
		if errors.As(err, &corrupt) {
			return nil, fmt.Errorf("%s%s is not valid base64 (at byte %d)", tlsPath, field, int64(corrupt))
		}
		return nil, fmt.Errorf("%s%s is not valid base64", tlsPath, field)
	}
	return b, nil
}

// checkCertificates requires data to be PEM holding one or more X.509
// certificates and nothing else.
func checkCertificates(field string, data []byte) error {
	n := 0
	for remaining := data; ; {
		var block *pem.Block
		block, remaining = pem.Decode(remaining)
		if block == nil {
			if len(strings.TrimSpace(string(remaining))) > 0 && n > 0 {
				return fmt.Errorf("%s%s has trailing data after its PEM certificates", tlsPath, field)
			}
			break
		}
		if block.Type != "CERTIFICATE" {
			return fmt.Errorf("%s%s holds a PEM %q block, want CERTIFICATE", tlsPath, field, block.Type)
		}
		if _, err := x509.ParseCertificate(block.Bytes); err != nil {
			return fmt.Errorf("%s%s: certificate %d: %w", tlsPath, field, n+1, err)
		}
		n++
	}
	if n == 0 {
		return fmt.Errorf("%s%s does not hold a PEM certificate", tlsPath, field)
	}
	return nil
}

// checkKey requires data to be one PEM private key. Its errors say nothing
// of the key's content.
func checkKey(data []byte) error {
	block, _ := pem.Decode(data)
	if block == nil {
		return errors.New(tlsPath + "keyData does not hold a PEM private key")
	}
	if !strings.HasSuffix(block.Type, "PRIVATE KEY") {
		return fmt.Errorf("%skeyData holds a PEM %q block, want a private key", tlsPath, block.Type)
	}
	var err error
	switch block.Type {
	case "RSA PRIVATE KEY":
		_, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	case "EC PRIVATE KEY":
		_, err = x509.ParseECPrivateKey(block.Bytes)
	default:
		_, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	}
	if err != nil {
		return fmt.Errorf("%skeyData holds a %s that cannot be parsed", tlsPath, block.Type)
	}
	return nil
}
