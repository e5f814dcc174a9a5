package cluster

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"k8s.io/client-go/rest"

	"flotilla.dev/flotilla/api/v1alpha1"
)

// localConfig is what rest.InClusterConfig would return in a pod.
func localConfig() *rest.Config {
	return &rest.Config{
		Host:            "https://10.96.0.1:443",
		BearerTokenFile: "/var/run/secrets/kubernetes.io/serviceaccount/token",
		TLSClientConfig: rest.TLSClientConfig{CAFile: "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt"},
	}
}

// Cluster Secrets the registry tests pick from, by Secret name.
var registrySecrets = map[string]string{
	"prod": `
  name: prod
  server: https://prod.example.com:6443
  config: '{"bearerToken": "prod-token"}'
`,
	"staging": `
  name: staging
  server: https://staging.example.com
  namespaces: web,api
`,
	"prod-again": `
  name: prod
  server: https://prod-2.example.com
`,
	"prod-same-server": `
  name: prod-bis
  server: https://prod.example.com:6443/
`,
	"fake-in-cluster": `
  name: in-cluster
  server: https://elsewhere.example.com
`,
	"local-renamed": `
  name: local
  server: https://kubernetes.default.svc
  namespaces: argocd,apps
  config: '{"tlsClientConfig": {"insecure": false}}'
`,
	"local-token": `
  server: https://kubernetes.default.svc
  config: '{"bearerToken": "local-override-token", "proxyUrl": "http://proxy:3128"}'
`,
}

func newTestRegistry(t *testing.T, local *rest.Config, names ...string) *Registry {
	t.Helper()
	r := NewRegistry(local)
	r.Namespace = "argocd"
	for _, name := range names {
		c, err := FromSecret(decodeSecret(t, clusterSecret(name, registrySecrets[name]), nil))
		if err != nil {
			t.Fatalf("secret %s: %v", name, err)
		}
		r.Set("argocd/"+name, c)
	}
	return r
}

func TestResolve(t *testing.T) {
	tests := []struct {
		name     string
		secrets  []string
		noLocal  bool
		dest     v1alpha1.ApplicationDestination
		wantName string
		wantHost string
		wantErr  string
		wantIs   error
	}{
		{name: "by server", secrets: []string{"prod", "staging"},
			dest: v1alpha1.ApplicationDestination{Server: "https://prod.example.com:6443", Namespace: "x"}, wantName: "prod", wantHost: "https://prod.example.com:6443"},
		{name: "by server with a trailing slash", secrets: []string{"prod"},
			dest: v1alpha1.ApplicationDestination{Server: "https://prod.example.com:6443/"}, wantName: "prod", wantHost: "https://prod.example.com:6443"},
		{name: "by name", secrets: []string{"prod", "staging"},
			dest: v1alpha1.ApplicationDestination{Name: "staging"}, wantName: "staging", wantHost: "https://staging.example.com"},
		{name: "in-cluster by server", secrets: []string{"prod"},
			dest: v1alpha1.ApplicationDestination{Server: InClusterServer}, wantName: InClusterName, wantHost: "https://10.96.0.1:443"},
		{name: "in-cluster by name", secrets: []string{"prod"},
			dest: v1alpha1.ApplicationDestination{Name: InClusterName}, wantName: InClusterName, wantHost: "https://10.96.0.1:443"},
		{name: "renamed in-cluster by new name", secrets: []string{"local-renamed"},
			dest: v1alpha1.ApplicationDestination{Name: "local"}, wantName: "local", wantHost: "https://10.96.0.1:443"},
		{name: "renamed in-cluster by server", secrets: []string{"local-renamed"},
			dest: v1alpha1.ApplicationDestination{Server: InClusterServer}, wantName: "local", wantHost: "https://10.96.0.1:443"},
		{name: "renamed in-cluster by old name", secrets: []string{"local-renamed"},
			dest:    v1alpha1.ApplicationDestination{Name: InClusterName},
			wantErr: `destination cluster "in-cluster" is not known: cluster Secret argocd/local-renamed renames the local cluster to "local"`, wantIs: ErrUnknownCluster},
		{name: "unknown name", secrets: []string{"prod"},
			dest:    v1alpha1.ApplicationDestination{Name: "qa"},
			wantErr: `destination cluster "qa" is not known: add a cluster Secret (label argocd.argoproj.io/secret-type=cluster) in namespace argocd`, wantIs: ErrUnknownCluster},
		{name: "unknown server", secrets: []string{"prod"},
			dest:    v1alpha1.ApplicationDestination{Server: "https://qa.example.com"},
			wantErr: `destination server "https://qa.example.com" is not known: add a cluster Secret (label argocd.argoproj.io/secret-type=cluster) in namespace argocd`, wantIs: ErrUnknownCluster},
		{name: "both name and server",
			dest:    v1alpha1.ApplicationDestination{Name: "prod", Server: "https://prod.example.com:6443"},
			wantErr: `application destination can't have both name and server defined: prod https://prod.example.com:6443`},
		{name: "neither name nor server",
			dest:    v1alpha1.ApplicationDestination{Namespace: "x"},
			wantErr: `application destination has neither server nor name`},
		{name: "two Secrets claim a name", secrets: []string{"prod", "prod-again", "staging"},
			dest: v1alpha1.ApplicationDestination{Name: "prod"},
			wantErr: `destination cluster "prod" is ambiguous: it is claimed by cluster Secret argocd/prod (prod (https://prod.example.com:6443))` +
				` and cluster Secret argocd/prod-again (prod (https://prod-2.example.com))`, wantIs: ErrAmbiguousCluster},
		{name: "two Secrets claim a server", secrets: []string{"prod", "prod-same-server"},
			dest:    v1alpha1.ApplicationDestination{Server: "https://prod.example.com:6443"},
			wantErr: `destination server "https://prod.example.com:6443" is ambiguous: it is claimed by cluster Secret argocd/prod (`, wantIs: ErrAmbiguousCluster},
		{name: "a Secret claims the local cluster's name", secrets: []string{"fake-in-cluster"},
			dest: v1alpha1.ApplicationDestination{Name: InClusterName},
			wantErr: `destination cluster "in-cluster" is ambiguous: it is claimed by cluster Secret argocd/fake-in-cluster (in-cluster (https://elsewhere.example.com))` +
				` and the built-in local cluster in-cluster (https://kubernetes.default.svc)`, wantIs: ErrAmbiguousCluster},
		{name: "no local cluster", noLocal: true,
			dest:    v1alpha1.ApplicationDestination{Server: InClusterServer},
			wantErr: `destination server "https://kubernetes.default.svc" is not known: the local cluster is disabled`, wantIs: ErrUnknownCluster},
		{name: "no local cluster, in-cluster Secret", noLocal: true, secrets: []string{"local-renamed"},
			dest:    v1alpha1.ApplicationDestination{Name: "local"},
			wantErr: `destination cluster "local": the local cluster is disabled (no local configuration), so cluster Secret argocd/local-renamed is not used`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			local := localConfig()
			if tt.noLocal {
				local = nil
			}
			r := newTestRegistry(t, local, tt.secrets...)
			c, err := r.Resolve(tt.dest)
			if tt.wantErr != "" {
				if err == nil {
					t.Fatalf("Resolve = %s, want error %q", c, tt.wantErr)
				}
				if !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("error = %q\nwant it to contain %q", err, tt.wantErr)
				}
				if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
					t.Errorf("errors.Is(%v, %v) = false", err, tt.wantIs)
				}
				return
			}
			if err != nil {
				t.Fatalf("Resolve: %v", err)
			}
			eq(t, "Name", c.Name, tt.wantName)
			eq(t, "Host", c.Config.Host, tt.wantHost)
		})
	}
}

// A Secret for the in-cluster server renames and restricts the local
// cluster and may replace its credentials and proxy, but its connection
// (host, CA) stays the local one, as in Argo CD.
func TestResolveInClusterOverride(t *testing.T) {
	r := newTestRegistry(t, localConfig(), "local-renamed")
	c, err := r.Resolve(v1alpha1.ApplicationDestination{Name: "local"})
	if err != nil {
		t.Fatal(err)
	}
	eq(t, "Server", c.Server, InClusterServer)
	eq(t, "Namespaces", strings.Join(c.Namespaces, ","), "argocd,apps")
	eq(t, "BearerTokenFile", c.Config.BearerTokenFile, localConfig().BearerTokenFile)
	eq(t, "CAFile", c.Config.CAFile, localConfig().CAFile)
	if err := c.Permits("kube-system", false); err == nil {
		t.Error("the renamed local cluster permits kube-system")
	}

	r = newTestRegistry(t, localConfig(), "local-token")
	c, err = r.Resolve(v1alpha1.ApplicationDestination{Name: InClusterName})
	if err != nil {
		t.Fatal(err)
	}
	eq(t, "Host", c.Config.Host, "https://10.96.0.1:443")
	eq(t, "BearerToken", c.Config.BearerToken, "local-override-token")
	eq(t, "BearerTokenFile", c.Config.BearerTokenFile, "")
	eq(t, "CAFile", c.Config.CAFile, localConfig().CAFile)
	if c.Config.Proxy == nil {
		t.Error("the Secret's proxy was dropped")
	}
}

func TestRegistryGenerationAndCopies(t *testing.T) {
	r := newTestRegistry(t, localConfig())
	if g := r.Generation(); g != 0 {
		t.Fatalf("new registry at generation %d", g)
	}
	prod := func(token string) *Cluster {
		c, err := FromSecret(decodeSecret(t, clusterSecret("prod",
			"  name: prod\n  server: https://prod.example.com\n  config: '{\"bearerToken\": \""+token+"\"}'\n"), nil))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	steps := []struct {
		do   func()
		want uint64
	}{
		{func() { r.Set("argocd/prod", prod("a")) }, 1},
		{func() { r.Set("argocd/prod", prod("a")) }, 1}, // unchanged: no bump
		{func() { r.Set("argocd/prod", prod("b")) }, 2},
		{func() { r.Delete("argocd/missing") }, 2},
		{func() { r.Delete("argocd/prod") }, 3},
		{func() { r.Set("argocd/prod", prod("b")) }, 4},
		{func() { r.Set("argocd/prod", nil) }, 5},
	}
	for i, s := range steps {
		s.do()
		if g := r.Generation(); g != s.want {
			t.Fatalf("step %d: generation %d, want %d", i, g, s.want)
		}
	}

	// The registry keeps its own copies: changing what was set or what was
	// returned changes nothing inside.
	set := prod("c")
	r.Set("argocd/prod", set)
	set.Config.BearerToken = "mutated"
	set.Name = "mutated"
	got, err := r.Resolve(v1alpha1.ApplicationDestination{Name: "prod"})
	if err != nil {
		t.Fatal(err)
	}
	eq(t, "BearerToken", got.Config.BearerToken, "c")
	got.Config.BearerToken = "mutated"
	got.Namespaces = append(got.Namespaces, "mutated")
	again, _ := r.Resolve(v1alpha1.ApplicationDestination{Name: "prod"})
	eq(t, "BearerToken", again.Config.BearerToken, "c")
	if len(again.Namespaces) != 0 || again.Hash() == got.Hash() {
		t.Error("a returned cluster shares state with the registry")
	}
}

// Returned clusters are deep copies: not even the exec provider or the
// certificates are shared.
func TestResolveReturnsDeepCopies(t *testing.T) {
	ca := newCA(t, "ca")
	r := NewRegistry(nil)
	c, err := FromSecret(decodeSecret(t, clusterSecret("exec", `
  name: exec
  server: https://exec.example.com
  config: '{"execProviderConfig": {"command": "c", "args": ["a"], "env": {"K": "v"}}, "tlsClientConfig": {"caData": "{{CA}}"}}'
`), map[string]string{"CA": b64(ca.certPEM)}))
	if err != nil {
		t.Fatal(err)
	}
	r.Set("argocd/exec", c)
	c.Config.ExecProvider.Args[0] = "mutated"
	got, err := r.Resolve(v1alpha1.ApplicationDestination{Name: "exec"})
	if err != nil {
		t.Fatal(err)
	}
	before := got.Hash()
	eq(t, "Args[0]", got.Config.ExecProvider.Args[0], "a")
	got.Config.ExecProvider.Args[0] = "mutated"
	got.Config.ExecProvider.Env[0].Value = "mutated"
	got.Config.CAData[0] = 'X'
	again, _ := r.Resolve(v1alpha1.ApplicationDestination{Name: "exec"})
	if again.Hash() != before {
		t.Error("mutating a resolved cluster changed the registry")
	}
}

func TestClusters(t *testing.T) {
	r := newTestRegistry(t, localConfig(), "staging", "prod", "prod-again")
	var got []string
	for _, c := range r.Clusters() {
		got = append(got, c.String())
	}
	want := "in-cluster (https://kubernetes.default.svc)|prod (https://prod-2.example.com)|prod (https://prod.example.com:6443)|staging (https://staging.example.com)"
	eq(t, "Clusters", strings.Join(got, "|"), want)

	r = newTestRegistry(t, localConfig(), "local-renamed", "prod")
	got = got[:0]
	for _, c := range r.Clusters() {
		got = append(got, c.String())
	}
	eq(t, "Clusters", strings.Join(got, "|"), "local (https://kubernetes.default.svc)|prod (https://prod.example.com:6443)")

	if n := len(newTestRegistry(t, nil, "local-renamed").Clusters()); n != 0 {
		t.Errorf("without a local config, %d clusters are listed, want 0", n)
	}
}

func TestRegistryConcurrent(t *testing.T) {
	r := newTestRegistry(t, localConfig(), "prod")
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			for j := range 50 {
				key := fmt.Sprintf("argocd/c%d", i)
				r.Set(key, &Cluster{Name: key, Server: fmt.Sprintf("https://c%d-%d.example.com", i, j), Config: &rest.Config{}})
				if _, err := r.Resolve(v1alpha1.ApplicationDestination{Name: "prod"}); err != nil {
					t.Error(err)
				}
				_ = r.Clusters()
				_ = r.Generation()
				if j%10 == 0 {
					r.Delete(key)
				}
			}
		})
	}
	wg.Wait()
	if len(r.Clusters()) != 6 {
		t.Errorf("got %d clusters, want 6", len(r.Clusters()))
	}
}

func TestPermits(t *testing.T) {
	open := &Cluster{Name: "open", Server: "https://open"}
	restricted := &Cluster{Name: "team", Server: "https://team", Namespaces: []string{"web", "api"}}
	withCluster := &Cluster{Name: "ops", Server: "https://ops", Namespaces: []string{"web"}, ClusterResources: true}
	tests := []struct {
		c             *Cluster
		namespace     string
		clusterScoped bool
		wantErr       string
	}{
		{open, "anything", false, ""},
		{open, "", true, ""},
		{restricted, "web", false, ""},
		{restricted, "api", false, ""},
		{restricted, "db", false, `namespace "db" is not permitted on cluster team (https://team): its Secret only permits namespaces web,api`},
		{restricted, "", false, `the resource has no namespace`},
		{restricted, "", true, `cluster team (https://team) only permits namespaces web,api: cluster-scoped resources need clusterResources "true" in its Secret`},
		{withCluster, "", true, ""},
		{withCluster, "api", false, `namespace "api" is not permitted`},
	}
	for _, tt := range tests {
		err := tt.c.Permits(tt.namespace, tt.clusterScoped)
		switch {
		case tt.wantErr == "" && err != nil:
			t.Errorf("%s.Permits(%q, %t) = %v", tt.c.Name, tt.namespace, tt.clusterScoped, err)
		case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
			t.Errorf("%s.Permits(%q, %t) = %v, want %q", tt.c.Name, tt.namespace, tt.clusterScoped, err, tt.wantErr)
		}
	}
}
