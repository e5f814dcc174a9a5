package server

import (
	"fmt"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/apiutil"

	"flotilla.dev/flotilla/internal/apply"
)

// Bounds of the per-user client cache.
const (
	maxUserClients = 512
	userClientIdle = 30 * time.Minute
)

// userClients reach the API server as one user, by impersonation: every
// request carries Impersonate-User and Impersonate-Group, and the API
// server authorises it with the user's RBAC.
type userClients struct {
	client  client.Client // reads and writes, uncached
	cluster *apply.Client // live objects and server-side dry-runs for diffs
	used    time.Time
}

// impersonator makes and keeps the clients of each signed-in user. They
// share the server's REST mapper: which kinds exist is no secret.
type impersonator struct {
	base   *rest.Config
	scheme *runtime.Scheme
	mapper meta.RESTMapper

	mu    sync.Mutex
	users map[string]*userClients
}

func newImpersonator(cfg *rest.Config, scheme *runtime.Scheme) (*impersonator, error) {
	hc, err := rest.HTTPClientFor(cfg)
	if err != nil {
		return nil, fmt.Errorf("http client: %w", err)
	}
	mapper, err := apiutil.NewDynamicRESTMapper(cfg, hc)
	if err != nil {
		return nil, fmt.Errorf("rest mapper: %w", err)
	}
	return &impersonator{base: cfg, scheme: scheme, mapper: mapper, users: map[string]*userClients{}}, nil
}

// clients returns u's clients, made on first use.
func (im *impersonator) clients(u *User) (*userClients, error) {
	k := u.key()
	im.mu.Lock()
	defer im.mu.Unlock()
	now := time.Now()
	if uc, ok := im.users[k]; ok {
		uc.used = now
		return uc, nil
	}
	uc, err := im.make(u)
	if err != nil {
		return nil, err
	}
	im.evict(now)
	uc.used = now
	im.users[k] = uc
	return uc, nil
}

func (im *impersonator) make(u *User) (*userClients, error) {
	cfg := rest.CopyConfig(im.base)
	cfg.Impersonate = rest.ImpersonationConfig{UserName: u.Name, Groups: u.Groups}
	// client-go caches TLS transports by their TLS settings, so this
	// shares the server's connections and adds only the impersonation
	// headers.
	hc, err := rest.HTTPClientFor(cfg)
	if err != nil {
		return nil, fmt.Errorf("impersonate %s: http client: %w", u.Name, err)
	}
	c, err := client.New(cfg, client.Options{Scheme: im.scheme, Mapper: im.mapper, HTTPClient: hc})
	if err != nil {
		return nil, fmt.Errorf("impersonate %s: client: %w", u.Name, err)
	}
	dyn, err := dynamic.NewForConfigAndClient(cfg, hc)
	if err != nil {
		return nil, fmt.Errorf("impersonate %s: dynamic client: %w", u.Name, err)
	}
	return &userClients{client: c, cluster: apply.NewClient(dyn, im.mapper)}, nil
}

// evict drops clients idle for long, and the least recently used when
// the cache is still full. Callers hold mu.
func (im *impersonator) evict(now time.Time) {
	var oldest string
	for k, uc := range im.users {
		if now.Sub(uc.used) > userClientIdle {
			delete(im.users, k)
		} else if oldest == "" || uc.used.Before(im.users[oldest].used) {
			oldest = k
		}
	}
	if len(im.users) >= maxUserClients {
		delete(im.users, oldest)
	}
}
