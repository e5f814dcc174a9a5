package server

import (
	"context"
	"fmt"
	"net/http"

	"k8s.io/apimachinery/pkg/api/meta"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"flotilla.dev/flotilla/api/v1alpha1"
)

// unavailable is why a part of the API does not answer, and with which
// status.
type unavailable struct {
	status int
	reason string
}

// watchAppSets adds ApplicationSets to the cache unless the cluster does
// not serve them or the server may not list them: a trial list first, so
// a missing CRD or RBAC rule cannot leave the cache waiting forever for an
// informer that never syncs. It must run before the cache starts.
func (s *Server) watchAppSets(ctx context.Context) {
	off := func(err error) {
		s.opts.Log.Info("ApplicationSets are not served", "reason", err.Error())
		s.appSetsOff.Store(&unavailable{status: http.StatusNotImplemented, reason: err.Error()})
	}
	if err := s.probeAppSets(ctx); err != nil {
		off(err)
		return
	}
	if _, err := s.apps.GetInformer(ctx, &v1alpha1.ApplicationSet{}); err != nil {
		off(fmt.Errorf("applicationset informer: %w", err))
		return
	}
	s.appSetsOff.Store(nil)
}

// probeAppSets lists one ApplicationSet of each served namespace (of all
// namespaces when the filter has globs), straight from the API server.
func (s *Server) probeAppSets(ctx context.Context) error {
	namespaces, ok := s.namespaces.literal()
	if !ok {
		namespaces = []string{""}
	}
	for _, ns := range namespaces {
		opts := []client.ListOption{client.Limit(1)}
		if ns != "" {
			opts = append(opts, client.InNamespace(ns))
		}
		err := s.client.List(ctx, &v1alpha1.ApplicationSetList{}, opts...)
		switch {
		case meta.IsNoMatchError(err):
			return fmt.Errorf("the cluster does not serve ApplicationSets (is their CRD installed?): %w", err)
		case err != nil:
			return fmt.Errorf("list applicationsets: %w", err)
		}
	}
	return nil
}

// appSetsServed answers the status saved by watchAppSets, and false, when
// ApplicationSets are not served.
func (s *Server) appSetsServed(w http.ResponseWriter) bool {
	if off := s.appSetsOff.Load(); off != nil {
		writeError(w, off.status, "applicationsets are not served: %s", off.reason)
		return false
	}
	return true
}

// appIndex holds Applications by namespace/name and by the UID of the
// ApplicationSet that owns them.
type appIndex struct {
	byKey   map[string]*v1alpha1.Application
	byOwner map[string][]*v1alpha1.Application // by the owner's UID
}

// indexApps lists the Applications of the given served namespaces (of
// all served namespaces when none is given) from the cache.
func (s *Server) indexApps(ctx context.Context, namespaces ...string) (*appIndex, error) {
	var items []v1alpha1.Application
	list := func(opts ...client.ListOption) error {
		var apps v1alpha1.ApplicationList
		if err := s.reader.List(ctx, &apps, opts...); err != nil {
			return fmt.Errorf("list applications: %w", err)
		}
		items = append(items, apps.Items...)
		return nil
	}
	if len(namespaces) == 0 {
		if err := list(); err != nil {
			return nil, err
		}
	}
	seen := map[string]bool{}
	for _, ns := range namespaces {
		if seen[ns] || !s.namespaces.allows(ns) {
			continue
		}
		seen[ns] = true
		if err := list(client.InNamespace(ns)); err != nil {
			return nil, err
		}
	}
	ix := &appIndex{byKey: map[string]*v1alpha1.Application{}, byOwner: map[string][]*v1alpha1.Application{}}
	for i := range items {
		app := &items[i]
		if !s.namespaces.allows(app.Namespace) {
			continue
		}
		ix.byKey[app.Namespace+"/"+app.Name] = app
		for _, ref := range app.OwnerReferences {
			if isAppSetRef(ref) {
				ix.byOwner[string(ref.UID)] = append(ix.byOwner[string(ref.UID)], app)
			}
		}
	}
	return ix, nil
}
