package helm_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"sigs.k8s.io/yaml"

	"flotilla.dev/flotilla/internal/source/helm"
	"flotilla.dev/flotilla/internal/source/helm/helmtest"
)

func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// versions are published for chart "app" in every test source.
var versions = []string{"1.0.0", "1.2.0", "1.2.5", "1.3.0-rc.1", "2.0.0"}

// versionCases are resolutions every kind of source must agree on.
var versionCases = []struct {
	version, want string
}{
	{version: "1.2.0", want: "1.2.0"},
	{version: "1.2.*", want: "1.2.5"},
	{version: ">=1.0 <2", want: "1.2.5"},
	{version: "^1", want: "1.2.5"},
	{version: "~1.2.0", want: "1.2.5"},
	{version: "", want: "2.0.0"},
	{version: "1.3.0-rc.1", want: "1.3.0-rc.1"},
	{version: ">=1.3.0-0 <2", want: "1.3.0-rc.1"},
}

func publishApp(t *testing.T, add func(dir string)) {
	t.Helper()
	for _, v := range versions {
		add(helmtest.WriteChart(t, "app", v, nil))
	}
	add(helmtest.WriteChart(t, "other", "0.1.0", nil))
}

// chartAt reads the name and version of the chart in dir.
func chartAt(t *testing.T, dir string) (string, string) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "Chart.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var meta struct{ Name, Version string }
	if err := yaml.Unmarshal(data, &meta); err != nil {
		t.Fatal(err)
	}
	return meta.Name, meta.Version
}

func checkFetched(t *testing.T, dir, resolved, want string) {
	t.Helper()
	if resolved != want {
		t.Fatalf("resolved %q, want %q", resolved, want)
	}
	name, version := chartAt(t, dir)
	if name != "app" || version != want {
		t.Fatalf("fetched chart %s %s, want app %s", name, version, want)
	}
	fi, err := os.Stat(filepath.Join(dir, "Chart.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm()&0o222 != 0 {
		t.Errorf("cached chart file is writable: %v", fi.Mode())
	}
}

func TestFetchFromChartRepository(t *testing.T) {
	srv := helmtest.NewChartRepo(t)
	publishApp(t, func(dir string) { srv.AddChart(t, dir) })
	f := helm.NewFetcher(t.TempDir())
	for _, tt := range versionCases {
		t.Run(fmt.Sprintf("version %q", tt.version), func(t *testing.T) {
			dir, resolved, err := f.Fetch(testContext(t), srv.URL(), "app", tt.version, nil)
			if err != nil {
				t.Fatal(err)
			}
			checkFetched(t, dir, resolved, tt.want)
		})
	}
}

func TestFetchFromRegistry(t *testing.T) {
	tlsReg := helmtest.NewRegistry(t)
	plainReg := helmtest.NewRegistry(t, helmtest.RegistryPlainHTTP())
	var digest120 string
	publishApp(t, func(dir string) {
		a := tlsReg.PushChart(t, dir, "charts")
		if a.Version == "1.2.0" {
			digest120 = a.Digest
		}
		plainReg.PushChart(t, dir, "team/charts")
	})
	tlsAuth := &helm.Auth{CABundle: tlsReg.CABundle()}
	plainAuth := &helm.Auth{PlainHTTP: true}

	for _, tt := range versionCases {
		t.Run(fmt.Sprintf("version %q", tt.version), func(t *testing.T) {
			f := helm.NewFetcher(t.TempDir())
			dir, resolved, err := f.Fetch(testContext(t), tlsReg.URL("charts"), "app", tt.version, tlsAuth)
			if err != nil {
				t.Fatal(err)
			}
			checkFetched(t, dir, resolved, tt.want)
			dir, resolved, err = f.Fetch(testContext(t), plainReg.URL("team/charts"), "app", tt.version, plainAuth)
			if err != nil {
				t.Fatal(err)
			}
			checkFetched(t, dir, resolved, tt.want)
		})
	}

	t.Run("enableOCI without scheme", func(t *testing.T) {
		f := helm.NewFetcher(t.TempDir())
		dir, resolved, err := f.FetchOCI(testContext(t), tlsReg.Host()+"/charts", "app", "1.2.*", tlsAuth)
		if err != nil {
			t.Fatal(err)
		}
		checkFetched(t, dir, resolved, "1.2.5")
		if _, _, err := f.Fetch(testContext(t), tlsReg.Host()+"/charts", "app", "1.2.*", tlsAuth); err == nil || !strings.Contains(err.Error(), "no scheme") {
			t.Fatalf("Fetch without scheme: error = %v", err)
		}
	})

	t.Run("by manifest digest", func(t *testing.T) {
		f := helm.NewFetcher(t.TempDir())
		dir, _, err := f.Fetch(testContext(t), tlsReg.URL("charts"), "app", "1.2.0", tlsAuth)
		if err != nil {
			t.Fatal(err)
		}
		// The cache is keyed by the archive digest, which Helm pushes as
		// the chart layer.
		if filepath.Base(filepath.Dir(dir)) != digest120 {
			t.Fatalf("chart cached under %s, want the archive digest %s", filepath.Dir(dir), digest120)
		}
	})

	t.Run("TLS", func(t *testing.T) {
		f := helm.NewFetcher(t.TempDir())
		_, _, err := f.Fetch(testContext(t), tlsReg.URL("charts"), "app", "1.2.0", nil)
		if err == nil || !strings.Contains(err.Error(), "certificate") {
			t.Fatalf("untrusted certificate: error = %v", err)
		}
		if _, _, err := f.Fetch(testContext(t), tlsReg.URL("charts"), "app", "1.2.0", &helm.Auth{Insecure: true}); err != nil {
			t.Fatalf("insecure: %v", err)
		}
		// Without PlainHTTP the client insists on https, even on loopback.
		if _, _, err := f.Fetch(testContext(t), plainReg.URL("team/charts"), "app", "1.2.0", nil); err == nil {
			t.Fatal("plain http registry reached without PlainHTTP")
		}
	})
}

type authCase struct {
	name    string
	url     string
	auth    *helm.Auth
	wantErr bool
}

func TestFetchBasicAuth(t *testing.T) {
	const user, password = "flotilla", "s3cret-pass-word"
	repoSrv := helmtest.NewChartRepo(t, helmtest.RepoBasicAuth(user, password))
	reg := helmtest.NewRegistry(t, helmtest.RegistryBasicAuth(user, password))
	dir := helmtest.WriteChart(t, "app", "1.0.0", nil)
	repoSrv.AddChart(t, dir)
	reg.PushChart(t, dir, "private")

	hostPort := strings.TrimPrefix(repoSrv.URL(), "http://")
	sources := []struct {
		name string
		url  string
		auth helm.Auth
	}{
		{name: "chart repository", url: repoSrv.URL()},
		{name: "registry", url: reg.URL("private"), auth: helm.Auth{CABundle: reg.CABundle()}},
	}
	for _, src := range sources {
		t.Run(src.name, func(t *testing.T) {
			with := func(u, p string) *helm.Auth {
				a := src.auth
				a.Username, a.Password = u, p
				return &a
			}
			tests := []authCase{
				{name: "right password", url: src.url, auth: with(user, password)},
				{name: "wrong password", url: src.url, auth: with(user, "not-"+password), wantErr: true},
				{name: "no credentials", url: src.url, auth: with("", ""), wantErr: true},
			}
			if src.name == "chart repository" {
				tests = append(tests,
					authCase{name: "credentials in the URL", url: "http://" + user + ":" + password + "@" + hostPort},
					authCase{name: "wrong credentials in the URL", url: "http://" + user + ":wrong-" + password + "@" + hostPort, wantErr: true},
				)
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					f := helm.NewFetcher(t.TempDir())
					_, _, err := f.Fetch(testContext(t), tt.url, "app", "1.0.0", tt.auth)
					if !tt.wantErr {
						if err != nil {
							t.Fatal(err)
						}
						return
					}
					if !errors.Is(err, helm.ErrAuthenticationFailed) {
						t.Fatalf("error = %v, want ErrAuthenticationFailed", err)
					}
					if strings.Contains(err.Error(), password) {
						t.Fatalf("error reveals the password: %v", err)
					}
				})
			}
		})
	}
}

func TestFetchCacheReuse(t *testing.T) {
	t.Run("chart repository", func(t *testing.T) {
		srv := helmtest.NewChartRepo(t)
		publishApp(t, func(dir string) { srv.AddChart(t, dir) })
		cache := t.TempDir()
		f := helm.NewFetcher(cache)
		ctx := testContext(t)

		first, _, err := f.Fetch(ctx, srv.URL(), "app", "1.2.*", nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := srv.RequestsTo("/charts/app-1.2.5.tgz"); got != 1 {
			t.Fatalf("chart downloaded %d times, want 1", got)
		}
		before := srv.Requests()
		for _, version := range []string{"1.2.*", "1.2.5", ">=1.2.1 <1.3", "~1.2.0"} {
			dir, resolved, err := f.Fetch(ctx, srv.URL(), "app", version, nil)
			if err != nil {
				t.Fatal(err)
			}
			if dir != first || resolved != "1.2.5" {
				t.Fatalf("version %q: got %s %s, want the cached %s", version, dir, resolved, first)
			}
		}
		if got := srv.Requests() - before; got != 0 {
			t.Fatalf("%d requests for cached fetches, want 0", got)
		}

		// A new Fetcher on the same cache: a pin needs no network at all.
		again := helm.NewFetcher(cache)
		if dir, _, err := again.Fetch(ctx, srv.URL(), "app", "1.2.5", nil); err != nil || dir != first {
			t.Fatalf("pin from a new fetcher: %s, %v", dir, err)
		}
		if got := srv.Requests() - before; got != 0 {
			t.Fatalf("%d requests for a cached pin, want 0", got)
		}
		// Without the index TTL a constraint re-reads index.yaml, but the
		// chart it resolves to is not downloaded again.
		fresh := helm.NewFetcher(cache, helm.WithIndexTTL(0))
		for range 2 {
			if _, _, err := fresh.Fetch(ctx, srv.URL(), "app", "1.2.*", nil); err != nil {
				t.Fatal(err)
			}
		}
		if got := srv.RequestsTo("/index.yaml"); got != 3 {
			t.Fatalf("index.yaml fetched %d times, want 3", got)
		}
		if got := srv.RequestsTo("/charts/app-1.2.5.tgz"); got != 1 {
			t.Fatalf("app 1.2.5 downloaded %d times, want 1", got)
		}
	})

	t.Run("registry", func(t *testing.T) {
		reg := helmtest.NewRegistry(t)
		publishApp(t, func(dir string) { reg.PushChart(t, dir, "charts") })
		auth := &helm.Auth{CABundle: reg.CABundle()}
		f := helm.NewFetcher(t.TempDir())
		ctx := testContext(t)
		first, _, err := f.Fetch(ctx, reg.URL("charts"), "app", "^1", auth)
		if err != nil {
			t.Fatal(err)
		}
		before := reg.Requests()
		for _, version := range []string{"^1", "1.2.5", "1.2.*"} {
			dir, _, err := f.Fetch(ctx, reg.URL("charts"), "app", version, auth)
			if err != nil || dir != first {
				t.Fatalf("version %q: %s, %v; want the cached %s", version, dir, err, first)
			}
		}
		if got := reg.Requests() - before; got != 0 {
			t.Fatalf("%d requests for cached fetches, want 0", got)
		}
	})

	t.Run("concurrent fetches download once", func(t *testing.T) {
		srv := helmtest.NewChartRepo(t)
		srv.AddChart(t, helmtest.WriteChart(t, "app", "1.0.0", nil))
		f := helm.NewFetcher(t.TempDir())
		ctx := testContext(t)
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for range 8 {
			wg.Go(func() {
				_, _, err := f.Fetch(ctx, srv.URL(), "app", "1.0.0", nil)
				errs <- err
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		if got := srv.RequestsTo("/charts/app-1.0.0.tgz"); got != 1 {
			t.Fatalf("chart downloaded %d times, want 1", got)
		}
		if got := srv.RequestsTo("/index.yaml"); got != 1 {
			t.Fatalf("index.yaml fetched %d times, want 1", got)
		}
	})
}

func TestFetchNotFound(t *testing.T) {
	srv := helmtest.NewChartRepo(t)
	reg := helmtest.NewRegistry(t)
	publishApp(t, func(dir string) {
		srv.AddChart(t, dir)
		reg.PushChart(t, dir, "charts")
	})
	regAuth := &helm.Auth{CABundle: reg.CABundle()}
	tests := []struct {
		name     string
		url      string
		chart    string
		version  string
		auth     *helm.Auth
		wantKind error
		wantMsg  string
	}{
		{name: "chart", url: srv.URL(), chart: "nope", version: "1.0.0", wantKind: helm.ErrChartNotFound,
			wantMsg: `chart "nope" not found in ` + srv.URL()},
		{name: "version", url: srv.URL(), chart: "app", version: "9.9.9", wantKind: helm.ErrVersionNotFound,
			wantMsg: `chart "app" has no version matching "9.9.9" in ` + srv.URL()},
		{name: "constraint", url: srv.URL(), chart: "app", version: "3.*", wantKind: helm.ErrVersionNotFound,
			wantMsg: `chart "app" has no version matching "3.*"`},
		{name: "repository", url: srv.URL() + "/nothing-here", chart: "app", version: "1.0.0", wantKind: helm.ErrRepositoryNotFound,
			wantMsg: "no chart repository at " + srv.URL() + "/nothing-here"},
		{name: "registry chart", url: reg.URL("charts"), chart: "nope", version: "1.*", auth: regAuth, wantKind: helm.ErrChartNotFound,
			wantMsg: "chart not found"},
		{name: "registry pinned version", url: reg.URL("charts"), chart: "app", version: "9.9.9", auth: regAuth, wantKind: helm.ErrVersionNotFound,
			wantMsg: "fetch chart app version 9.9.9 from " + reg.URL("charts")},
		{name: "registry constraint", url: reg.URL("charts"), chart: "app", version: "3.*", auth: regAuth, wantKind: helm.ErrVersionNotFound,
			wantMsg: `chart "app" has no version matching "3.*"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := helm.NewFetcher(t.TempDir())
			_, _, err := f.Fetch(testContext(t), tt.url, tt.chart, tt.version, tt.auth)
			if !errors.Is(err, tt.wantKind) {
				t.Fatalf("error = %v, want kind %v", err, tt.wantKind)
			}
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Fatalf("error = %q, want containing %q", err, tt.wantMsg)
			}
		})
	}
}

func TestFetchBadInput(t *testing.T) {
	f := helm.NewFetcher(t.TempDir())
	tests := []struct {
		name, url, chart, version string
		want                      string
	}{
		{name: "no scheme", url: "charts.example.invalid/stable", chart: "app", want: "has no scheme"},
		{name: "ssh scheme", url: "ssh://git@example.invalid/charts", chart: "app", want: `unsupported scheme "ssh"`},
		{name: "empty URL", url: " ", chart: "app", want: "repository URL is empty"},
		{name: "chart path", url: "https://charts.example.invalid", chart: "../app", want: `chart name "../app" is not valid`},
		{name: "password in a bad URL", url: "https://user:pa55word@exa mple.invalid/%zz", chart: "app", want: "is not valid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := f.Fetch(testContext(t), tt.url, tt.chart, tt.version, nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v, want containing %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "pa55word") {
				t.Fatalf("error reveals the password: %v", err)
			}
		})
	}
}

func TestAuthFormatting(t *testing.T) {
	a := &helm.Auth{Username: "u", Password: "hunter2", TLSClientKey: []byte("PRIVATE KEY DATA")}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		out := fmt.Sprintf(verb, a)
		if strings.Contains(out, "hunter2") || strings.Contains(out, "PRIVATE KEY DATA") {
			t.Errorf("%s reveals a secret: %s", verb, out)
		}
	}
}
