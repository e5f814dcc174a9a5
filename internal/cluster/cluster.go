package cluster

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash"
	"maps"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"k8s.io/client-go/rest"
)

const (
	// InClusterServer is the destination server of the local cluster.
	InClusterServer = "https://kubernetes.default.svc"
	// InClusterName is the destination name of the local cluster, unless a
	// cluster Secret for InClusterServer renames it.
	InClusterName = "in-cluster"

	// SecretTypeLabel is the label that marks Argo CD's typed Secrets.
	SecretTypeLabel = "argocd.argoproj.io/secret-type"
	// SecretTypeCluster is SecretTypeLabel's value on cluster Secrets.
	SecretTypeCluster = "cluster"
)

// Cluster is a destination cluster: its identity, the restriction its Secret
// places on what may be deployed to it, and how to reach it.
type Cluster struct {
	// Name is the symbolic name destinations may use instead of Server. It
	// may be empty (the cluster is then only reachable by server).
	Name string
	// Server is the API server URL, without a trailing slash.
	Server string
	// Namespaces, when not empty, are the only namespaces that may be
	// managed; cluster-scoped resources then need ClusterResources.
	Namespaces []string
	// ClusterResources permits cluster-scoped resources when Namespaces is
	// set. It means nothing when Namespaces is empty.
	ClusterResources bool
	// Project, when set, scopes the cluster to that AppProject.
	Project string
	// Config is how to reach the cluster. It holds credentials: never log it.
	Config *rest.Config
}

// IsInCluster reports whether c is the local cluster.
func (c *Cluster) IsInCluster() bool {
	return c.Server == InClusterServer
}

// String names the cluster for messages, without any credentials.
func (c *Cluster) String() string {
	if c.Name == "" {
		return c.Server
	}
	return fmt.Sprintf("%s (%s)", c.Name, c.Server)
}

// Permits reports whether the cluster's Secret allows managing a resource
// in namespace (the resource's effective namespace; ignored when
// clusterScoped). As in Argo CD, an empty Namespaces list permits
// everything; otherwise a namespaced resource must be in one of the listed
// namespaces, and cluster-scoped resources are refused unless
// ClusterResources is true.
func (c *Cluster) Permits(namespace string, clusterScoped bool) error {
	if len(c.Namespaces) == 0 {
		return nil
	}
	if clusterScoped {
		if c.ClusterResources {
			return nil
		}
		return fmt.Errorf("cluster %s only permits namespaces %s: cluster-scoped resources need clusterResources \"true\" in its Secret",
			c, strings.Join(c.Namespaces, ","))
	}
	if slices.Contains(c.Namespaces, namespace) {
		return nil
	}
	if namespace == "" {
		return fmt.Errorf("cluster %s only permits namespaces %s: the resource has no namespace", c, strings.Join(c.Namespaces, ","))
	}
	return fmt.Errorf("namespace %q is not permitted on cluster %s: its Secret only permits namespaces %s",
		namespace, c, strings.Join(c.Namespaces, ","))
}

// Hash is a digest of everything in the cluster, connection settings and
// credentials included: callers that cache a client per server rebuild it
// when the hash changes. It reveals nothing about the credentials.
func (c *Cluster) Hash() string {
	h := sha256.New()
	w := hashWriter{h}
	w.str(c.Name)
	w.str(c.Server)
	w.strs(c.Namespaces)
	w.bool(c.ClusterResources)
	w.str(c.Project)
	w.config(c.Config)
	return hex.EncodeToString(h.Sum(nil))
}

// clone returns a deep enough copy of c that the caller may change it, its
// slices and its Config without touching the original.
func (c *Cluster) clone() *Cluster {
	out := *c
	out.Namespaces = slices.Clone(c.Namespaces)
	if c.Config != nil {
		out.Config = copyConfig(c.Config)
	}
	return &out
}

// copyConfig is rest.CopyConfig, with the certificates, impersonation and
// exec and auth providers copied too rather than shared. (rest.CopyConfig
// writes to a shared ExecProvider, so it is never given one.)
func copyConfig(cfg *rest.Config) *rest.Config {
	shallow := *cfg
	shallow.ExecProvider = nil
	out := rest.CopyConfig(&shallow)
	out.CertData = slices.Clone(cfg.CertData)
	out.KeyData = slices.Clone(cfg.KeyData)
	out.CAData = slices.Clone(cfg.CAData)
	out.NextProtos = slices.Clone(cfg.NextProtos)
	out.Impersonate.Groups = slices.Clone(cfg.Impersonate.Groups)
	out.Impersonate.Extra = maps.Clone(cfg.Impersonate.Extra)
	out.ExecProvider = cfg.ExecProvider.DeepCopy()
	out.AuthProvider = cfg.AuthProvider.DeepCopy()
	return out
}

// hashWriter feeds length-prefixed fields to a hash, so that field
// boundaries cannot be confused.
type hashWriter struct{ h hash.Hash }

func (w hashWriter) str(s string) {
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(len(s)))
	w.h.Write(n[:])
	w.h.Write([]byte(s))
}

func (w hashWriter) bytes(b []byte) { w.str(string(b)) }

func (w hashWriter) strs(ss []string) {
	w.str(fmt.Sprint(len(ss)))
	for _, s := range ss {
		w.str(s)
	}
}

func (w hashWriter) bool(b bool) {
	if b {
		w.str("1")
	} else {
		w.str("0")
	}
}

func (w hashWriter) config(cfg *rest.Config) {
	if cfg == nil {
		w.str("nil")
		return
	}
	w.str("config")
	w.str(cfg.Host)
	w.str(cfg.APIPath)
	w.str(cfg.Username)
	w.str(cfg.Password)
	w.str(cfg.BearerToken)
	w.str(cfg.BearerTokenFile)
	w.str(cfg.Impersonate.UserName)
	w.str(cfg.Impersonate.UID)
	w.strs(cfg.Impersonate.Groups)
	extra := make([]string, 0, len(cfg.Impersonate.Extra))
	for k, vs := range cfg.Impersonate.Extra {
		extra = append(extra, k+"="+strings.Join(vs, "\x00"))
	}
	slices.Sort(extra)
	w.strs(extra)
	w.bool(cfg.Insecure)
	w.str(cfg.ServerName)
	w.str(cfg.CertFile)
	w.str(cfg.KeyFile)
	w.str(cfg.CAFile)
	w.bytes(cfg.CertData)
	w.bytes(cfg.KeyData)
	w.bytes(cfg.CAData)
	w.strs(cfg.NextProtos)
	w.str(cfg.UserAgent)
	w.bool(cfg.DisableCompression)
	w.str(fmt.Sprint(math.Float32bits(cfg.QPS), cfg.Burst, int64(cfg.Timeout)))
	w.str(proxyOf(cfg))
	if e := cfg.ExecProvider; e != nil {
		w.str("exec")
		w.str(e.Command)
		w.strs(e.Args)
		w.str(fmt.Sprint(len(e.Env)))
		for _, v := range e.Env {
			w.str(v.Name)
			w.str(v.Value)
		}
		w.str(e.APIVersion)
		w.str(e.InstallHint)
		w.bool(e.ProvideClusterInfo)
		w.str(string(e.InteractiveMode))
	}
	if a := cfg.AuthProvider; a != nil {
		w.str("auth-provider")
		w.str(a.Name)
		keys := make([]string, 0, len(a.Config))
		for k := range a.Config {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			w.str(k)
			w.str(a.Config[k])
		}
	}
	// Function-valued fields (Transport, Dial, WrapTransport, …) cannot be
	// compared; only whether they are set is recorded.
	w.bool(cfg.Transport != nil)
	w.bool(cfg.WrapTransport != nil)
	w.bool(cfg.Dial != nil)
}

// proxyOf names the proxy cfg uses to reach its host: the Proxy function is
// asked for the host's URL. A proxy that cannot be asked is recorded as
// such.
func proxyOf(cfg *rest.Config) string {
	if cfg.Proxy == nil {
		return ""
	}
	host, err := url.Parse(cfg.Host)
	if err != nil {
		return "proxy:unknown"
	}
	u, err := cfg.Proxy(&http.Request{URL: host})
	if err != nil || u == nil {
		return "proxy:none"
	}
	return "proxy:" + u.String()
}
