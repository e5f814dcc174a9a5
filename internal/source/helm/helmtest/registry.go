package helmtest

import (
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"

	ggcrregistry "github.com/google/go-containerregistry/pkg/registry"
	helmregistry "helm.sh/helm/v4/pkg/registry"
)

// Registry is an in-process OCI registry (go-containerregistry's) on a
// random port of 127.0.0.1, over TLS with its own certificate unless
// started with RegistryPlainHTTP.
type Registry struct {
	host       string
	plainHTTP  bool
	user, pass string
	ca         []byte
	client     *http.Client

	requests atomic.Int64
}

// RegistryOption configures a Registry.
type RegistryOption func(*Registry)

// RegistryBasicAuth makes the registry require these basic auth
// credentials on every request.
func RegistryBasicAuth(user, pass string) RegistryOption {
	return func(r *Registry) { r.user, r.pass = user, pass }
}

// RegistryPlainHTTP serves plain http instead of TLS.
func RegistryPlainHTTP() RegistryOption {
	return func(r *Registry) { r.plainHTTP = true }
}

// NewRegistry starts an empty registry; it stops when t's cleanups run.
func NewRegistry(t TB, opts ...RegistryOption) *Registry {
	t.Helper()
	r := &Registry{}
	for _, opt := range opts {
		opt(r)
	}
	inner := ggcrregistry.New(ggcrregistry.Logger(log.New(io.Discard, "", 0)))
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.requests.Add(1)
		if !checkBasicAuth(w, req, r.user, r.pass) {
			return
		}
		inner.ServeHTTP(w, req)
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // TLS handshake failures are for the tests to assert
	if r.plainHTTP {
		srv.Start()
	} else {
		srv.StartTLS()
		r.ca = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	}
	t.Cleanup(srv.Close)
	r.host = strings.TrimPrefix(strings.TrimPrefix(srv.URL, "https://"), "http://")
	r.client = srv.Client()
	return r
}

// Host is the registry's host:port.
func (r *Registry) Host() string { return r.host }

// URL is the oci:// URL of a path in the registry, as given to Argo CD.
func (r *Registry) URL(path string) string {
	return "oci://" + r.host + "/" + strings.Trim(path, "/")
}

// CABundle is the PEM certificate that signs the registry's TLS
// certificate (nil over plain http).
func (r *Registry) CABundle() []byte { return r.ca }

// Requests is the number of requests answered so far.
func (r *Registry) Requests() int64 { return r.requests.Load() }

// PushChart packages the chart directory dir and pushes it with Helm's
// registry client as path/<name>:<version>, like `helm push`.
func (r *Registry) PushChart(t TB, dir, path string) Archive {
	t.Helper()
	a := Package(t, dir)
	opts := []helmregistry.ClientOption{
		helmregistry.ClientOptHTTPClient(r.client),
		helmregistry.ClientOptCredentialsFile(filepath.Join(t.TempDir(), "config.json")),
		helmregistry.ClientOptWriter(io.Discard),
	}
	if r.plainHTTP {
		opts = append(opts, helmregistry.ClientOptPlainHTTP())
	}
	if r.user != "" || r.pass != "" {
		opts = append(opts, helmregistry.ClientOptBasicAuth(r.user, r.pass))
	}
	client, err := helmregistry.NewClient(opts...)
	if err != nil {
		t.Fatalf("helmtest: registry client: %v", err)
	}
	ref := fmt.Sprintf("%s/%s/%s:%s", r.host, strings.Trim(path, "/"), a.Name, a.Version)
	if _, err := client.Push(a.Data, ref); err != nil {
		t.Fatalf("helmtest: push %s: %v", ref, err)
	}
	return a
}
