package helmtest_test

import (
	"crypto/tls"
	"crypto/x509"
	"io"
	"net/http"
	"strings"
	"testing"

	helmregistry "helm.sh/helm/v4/pkg/registry"

	"flotilla.dev/flotilla/internal/source/helm/helmtest"
)

func get(t *testing.T, url, user, pass string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func TestChartRepo(t *testing.T) {
	r := helmtest.NewChartRepo(t, helmtest.RepoBasicAuth("u", "p"))
	a := r.AddChart(t, helmtest.WriteChart(t, "demo", "1.2.3", nil))
	if code, _ := get(t, r.URL()+"/index.yaml", "", ""); code != http.StatusUnauthorized {
		t.Fatalf("without credentials: %d", code)
	}
	code, index := get(t, r.URL()+"/index.yaml", "u", "p")
	if code != http.StatusOK || !strings.Contains(index, "demo-1.2.3.tgz") || !strings.Contains(index, a.Digest) {
		t.Fatalf("index.yaml (%d):\n%s", code, index)
	}
	code, tgz := get(t, r.URL()+"/charts/demo-1.2.3.tgz", "u", "p")
	if code != http.StatusOK || tgz != string(a.Data) {
		t.Fatalf("chart archive: %d, %d bytes", code, len(tgz))
	}
	if r.Requests() != 3 || r.RequestsTo("/index.yaml") != 2 {
		t.Fatalf("requests: %d total, %d to index.yaml", r.Requests(), r.RequestsTo("/index.yaml"))
	}
}

func TestRegistry(t *testing.T) {
	for _, plain := range []bool{false, true} {
		opts := []helmtest.RegistryOption{helmtest.RegistryBasicAuth("u", "p")}
		if plain {
			opts = append(opts, helmtest.RegistryPlainHTTP())
		}
		r := helmtest.NewRegistry(t, opts...)
		a := r.PushChart(t, helmtest.WriteChart(t, "demo", "1.2.3", nil), "team/charts")
		ref := r.Host() + "/team/charts/demo:1.2.3"

		// Helm's own client pulls it back, checking Helm's media types.
		pulled, err := helmClient(t, r, plain, "u", "p").Pull(ref)
		if err != nil {
			t.Fatalf("plain=%t: pull: %v", plain, err)
		}
		if pulled.Chart.Meta.Version != "1.2.3" || string(pulled.Chart.Data) != string(a.Data) {
			t.Fatalf("plain=%t: pulled %s %d bytes", plain, pulled.Chart.Meta.Version, len(pulled.Chart.Data))
		}
		if _, err := helmClient(t, r, plain, "u", "wrong").Tags(r.Host() + "/team/charts/demo"); err == nil {
			t.Fatalf("plain=%t: listed tags with a wrong password", plain)
		}
		if plain != (r.CABundle() == nil) {
			t.Fatalf("plain=%t: CA bundle %q", plain, r.CABundle())
		}
		if r.Requests() == 0 {
			t.Fatal("no requests counted")
		}
	}
}

func helmClient(t *testing.T, r *helmtest.Registry, plain bool, user, pass string) *helmregistry.Client {
	t.Helper()
	opts := []helmregistry.ClientOption{
		helmregistry.ClientOptBasicAuth(user, pass),
		helmregistry.ClientOptCredentialsFile(t.TempDir() + "/config.json"),
	}
	if plain {
		opts = append(opts, helmregistry.ClientOptPlainHTTP())
	} else {
		pool := x509.NewCertPool()
		pool.AppendCertsFromPEM(r.CABundle())
		opts = append(opts, helmregistry.ClientOptHTTPClient(&http.Client{
			Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}},
		}))
	}
	c, err := helmregistry.NewClient(opts...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
