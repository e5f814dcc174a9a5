package cluster

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	"k8s.io/client-go/rest"

	"flotilla.dev/flotilla/api/v1alpha1"
)

// Errors a Registry's Resolve wraps, for errors.Is.
var (
	// ErrUnknownCluster: no cluster answers to the destination.
	ErrUnknownCluster = errors.New("unknown destination cluster")
	// ErrAmbiguousCluster: several cluster Secrets claim the destination.
	ErrAmbiguousCluster = errors.New("ambiguous destination cluster")
)

// Registry holds the known clusters: the local one, given to NewRegistry,
// and those of the cluster Secrets set into it. It is safe for concurrent
// use.
type Registry struct {
	// Namespace is where the cluster Secrets live, for error messages. Set
	// it before the Registry is shared.
	Namespace string

	mu      sync.RWMutex
	local   *rest.Config
	secrets map[string]*Cluster // by Secret key
	gen     uint64
}

// NewRegistry returns a Registry whose local cluster, answering to
// InClusterServer and InClusterName, is reached with local. With a nil
// local there is no local cluster (as with Argo CD's
// cluster.inClusterEnabled: "false"), and Secrets for InClusterServer are
// ignored.
func NewRegistry(local *rest.Config) *Registry {
	r := &Registry{secrets: map[string]*Cluster{}}
	if local != nil {
		r.local = copyConfig(local)
	}
	return r
}

// Set records the cluster of the Secret known by secretKey (any stable key,
// such as SecretKey's namespace/name), replacing what that Secret said
// before. A nil c deletes. The Registry keeps its own copy of c.
func (r *Registry) Set(secretKey string, c *Cluster) {
	if c == nil {
		r.Delete(secretKey)
		return
	}
	c = c.clone()
	c.Server = strings.TrimRight(c.Server, "/")
	if c.Name == "" && c.IsInCluster() {
		c.Name = InClusterName
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if old, ok := r.secrets[secretKey]; ok && old.Hash() == c.Hash() {
		return
	}
	r.secrets[secretKey] = c
	r.gen++
}

// Delete forgets the cluster of the Secret known by secretKey.
func (r *Registry) Delete(secretKey string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.secrets[secretKey]; ok {
		delete(r.secrets, secretKey)
		r.gen++
	}
}

// Generation counts the changes made by Set and Delete; a Set that changes
// nothing does not count. Callers rebuild their clients when it moves (or
// compare Cluster.Hash per server to rebuild only what changed).
func (r *Registry) Generation() uint64 {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.gen
}

// Clusters returns every usable cluster, the local one included, sorted by
// name, then server. The results are copies.
func (r *Registry) Clusters() []*Cluster {
	r.mu.RLock()
	defer r.mu.RUnlock()
	var out []*Cluster
	for _, cl := range r.claims() {
		if c, err := r.effective(cl); err == nil {
			out = append(out, c)
		}
	}
	slices.SortFunc(out, func(a, b *Cluster) int {
		return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.Server, b.Server))
	})
	return out
}

// Resolve returns the cluster an Application's destination names, with
// Argo CD's rules: by server or by name, not both; the local cluster
// answers to InClusterServer, and to InClusterName unless a Secret for
// InClusterServer renames it. Two Secrets claiming the same server or name
// are an error naming both. The result is a copy.
func (r *Registry) Resolve(dest v1alpha1.ApplicationDestination) (*Cluster, error) {
	switch {
	case dest.Server != "" && dest.Name != "":
		return nil, fmt.Errorf("application destination can't have both name and server defined: %s %s", dest.Name, dest.Server)
	case dest.Server == "" && dest.Name == "":
		return nil, errors.New("application destination has neither server nor name")
	}
	r.mu.RLock()
	defer r.mu.RUnlock()

	var matches []claim
	for _, cl := range r.claims() {
		if dest.Server != "" && cl.cluster.Server == strings.TrimRight(dest.Server, "/") ||
			dest.Name != "" && cl.cluster.Name == dest.Name {
			matches = append(matches, cl)
		}
	}
	what := fmt.Sprintf("destination cluster %q", dest.Name)
	if dest.Server != "" {
		what = fmt.Sprintf("destination server %q", dest.Server)
	}
	switch len(matches) {
	case 0:
		return nil, r.unknown(what, dest)
	case 1:
		c, err := r.effective(matches[0])
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		return c, nil
	default:
		names := make([]string, len(matches))
		for i, m := range matches {
			names[i] = m.String()
		}
		return nil, &resolveError{
			kind: ErrAmbiguousCluster,
			msg:  fmt.Sprintf("%s is ambiguous: it is claimed by %s", what, strings.Join(names, " and ")),
		}
	}
}

// claim is a cluster as one source states it: a Secret (key set) or the
// built-in local cluster (key empty).
type claim struct {
	key     string
	cluster *Cluster
}

func (c claim) String() string {
	if c.key == "" {
		return fmt.Sprintf("the built-in local cluster %s", c.cluster)
	}
	return fmt.Sprintf("cluster Secret %s (%s)", c.key, c.cluster)
}

// claims lists the Secrets' clusters by key, then the built-in local
// cluster if no Secret redefines it. r.mu must be held.
func (r *Registry) claims() []claim {
	out := make([]claim, 0, len(r.secrets)+1)
	redefined := false
	for _, key := range slices.Sorted(maps.Keys(r.secrets)) {
		c := r.secrets[key]
		redefined = redefined || c.IsInCluster()
		out = append(out, claim{key: key, cluster: c})
	}
	if r.local != nil && !redefined {
		out = append(out, claim{cluster: &Cluster{Name: InClusterName, Server: InClusterServer, Config: r.local}})
	}
	return out
}

// effective returns a copy of the claimed cluster, ready to use. For the
// local cluster that is the local config, with the credentials and proxy
// of a Secret that redefines it: Argo CD keeps the in-cluster connection
// and ignores the Secret's TLS and exec settings. r.mu must be held.
func (r *Registry) effective(cl claim) (*Cluster, error) {
	if !cl.cluster.IsInCluster() || cl.key == "" {
		return cl.cluster.clone(), nil
	}
	if r.local == nil {
		return nil, fmt.Errorf("the local cluster is disabled (no local configuration), so cluster Secret %s is not used", cl.key)
	}
	sec := cl.cluster
	out := sec.clone()
	out.Config = copyConfig(r.local)
	if sc := sec.Config; sc != nil {
		if sc.Username != "" || sc.Password != "" || sc.BearerToken != "" {
			replaceCredentials(out.Config, sc)
		}
		if sc.Proxy != nil {
			out.Config.Proxy = sc.Proxy
		}
		out.Config.DisableCompression = out.Config.DisableCompression || sc.DisableCompression
	}
	return out, nil
}

// replaceCredentials makes the static credentials of from the only ones of
// cfg.
func replaceCredentials(cfg, from *rest.Config) {
	cfg.Username, cfg.Password, cfg.BearerToken = from.Username, from.Password, from.BearerToken
	cfg.BearerTokenFile = ""
	cfg.CertData, cfg.KeyData, cfg.CertFile, cfg.KeyFile = nil, nil, "", ""
	cfg.ExecProvider, cfg.AuthProvider = nil, nil
}

// unknown explains why nothing answers to dest. r.mu must be held.
func (r *Registry) unknown(what string, dest v1alpha1.ApplicationDestination) error {
	ns := "the controller's namespace"
	if r.Namespace != "" {
		ns = "namespace " + r.Namespace
	}
	msg := fmt.Sprintf("%s is not known: add a cluster Secret (label %s=%s) in %s", what, SecretTypeLabel, SecretTypeCluster, ns)
	switch {
	case r.local == nil && (dest.Name == InClusterName || strings.TrimRight(dest.Server, "/") == InClusterServer):
		msg = fmt.Sprintf("%s is not known: the local cluster is disabled (no local configuration)", what)
	case dest.Name == InClusterName:
		for _, cl := range r.claims() {
			if cl.cluster.IsInCluster() {
				msg = fmt.Sprintf("%s is not known: cluster Secret %s renames the local cluster to %q", what, cl.key, cl.cluster.Name)
			}
		}
	}
	return &resolveError{kind: ErrUnknownCluster, msg: msg}
}

type resolveError struct {
	kind error
	msg  string
}

func (e *resolveError) Error() string        { return e.msg }
func (e *resolveError) Is(target error) bool { return target == e.kind }
