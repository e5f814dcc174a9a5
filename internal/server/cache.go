package server

import (
	"context"
	"fmt"
	"path"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"flotilla.dev/flotilla/api/v1alpha1"
)

// namespaceFilter is a list of namespace globs (path.Match syntax).
type namespaceFilter []string

func newNamespaceFilter(globs []string) (namespaceFilter, error) {
	var f namespaceFilter
	for _, g := range globs {
		g = strings.TrimSpace(g)
		if g == "" {
			continue
		}
		if _, err := path.Match(g, ""); err != nil {
			return nil, fmt.Errorf("namespace pattern %q: %w", g, err)
		}
		f = append(f, g)
	}
	if len(f) == 0 {
		return nil, fmt.Errorf("no namespace pattern")
	}
	return f, nil
}

// allows reports whether ns matches one of the globs.
func (f namespaceFilter) allows(ns string) bool {
	for _, g := range f {
		if ok, _ := path.Match(g, ns); ok {
			return true
		}
	}
	return false
}

// literal returns the namespaces when no glob has a wildcard, so the
// cache can watch just those (and RBAC limited to them suffices).
func (f namespaceFilter) literal() ([]string, bool) {
	for _, g := range f {
		if strings.ContainsAny(g, `*?[\`) {
			return nil, false
		}
	}
	return f, true
}

// newAppCache is a cache that holds Applications and ApplicationSets
// only, of the filter's namespaces when they are literal and of all
// namespaces otherwise.
func newAppCache(cfg *rest.Config, scheme *runtime.Scheme, ns namespaceFilter) (cache.Cache, error) {
	opts := cache.Options{
		Scheme:                      scheme,
		DefaultTransform:            cache.TransformStripManagedFields(),
		ReaderFailOnMissingInformer: true,
	}
	if names, ok := ns.literal(); ok {
		opts.DefaultNamespaces = map[string]cache.Config{}
		for _, n := range names {
			opts.DefaultNamespaces[n] = cache.Config{}
		}
	}
	c, err := cache.New(cfg, opts)
	if err != nil {
		return nil, fmt.Errorf("create application cache: %w", err)
	}
	return c, nil
}

// appReader reads Applications and ApplicationSets from the cache and
// everything else (the objects of resource trees) from the API server, so
// the cache never grows informers for arbitrary kinds. An Application or
// ApplicationSet outside the served namespaces is not found, also when an
// app-of-apps names it.
type appReader struct {
	namespaces namespaceFilter
	apps       client.Reader
	other      client.Reader
}

func (r appReader) Get(ctx context.Context, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
	var resource string
	switch obj.(type) {
	case *v1alpha1.Application:
		resource = v1alpha1.ApplicationPlural
	case *v1alpha1.ApplicationSet:
		resource = v1alpha1.ApplicationSetPlural
	default:
		return r.other.Get(ctx, key, obj, opts...)
	}
	if !r.namespaces.allows(key.Namespace) {
		return apierrors.NewNotFound(v1alpha1.Resource(resource), key.Name)
	}
	return r.apps.Get(ctx, key, obj, opts...)
}

func (r appReader) List(ctx context.Context, list client.ObjectList, opts ...client.ListOption) error {
	switch list.(type) {
	case *v1alpha1.ApplicationList, *v1alpha1.ApplicationSetList:
		return r.apps.List(ctx, list, opts...)
	}
	return r.other.List(ctx, list, opts...)
}
