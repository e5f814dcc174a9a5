package server

import (
	"context"
	"errors"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/apply"
)

// A request acts either with the server's own identity (the API token,
// anonymous reads) or as a signed-in user (userOf its context). These
// give the clients for either: the server's, or the user's impersonating
// ones, with Applications and ApplicationSets still read from the cache
// but only where the API server says the user may read them.

var errNoImpersonation = errors.New("a signed-in user without OIDC configured")

// userClientsOf returns the signed-in user's clients, nil for the
// server's own identity.
func (s *Server) userClientsOf(ctx context.Context) (*User, *userClients, error) {
	u := userOf(ctx)
	if u == nil {
		return nil, nil, nil
	}
	if s.im == nil {
		return nil, nil, errNoImpersonation
	}
	uc, err := s.im.clients(u)
	return u, uc, err
}

// readerOf reads as the request's actor.
func (s *Server) readerOf(ctx context.Context) (client.Reader, error) {
	u, uc, err := s.userClientsOf(ctx)
	if err != nil || uc == nil {
		return s.own, err
	}
	apps := checkedReader{cache: s.apps, client: uc.client, user: u, access: s.access}
	return appReader{namespaces: s.namespaces, apps: apps, other: uc.client}, nil
}

// clientOf writes as the request's actor.
func (s *Server) clientOf(ctx context.Context) (client.Client, error) {
	_, uc, err := s.userClientsOf(ctx)
	if err != nil || uc == nil {
		return s.client, err
	}
	return uc.client, nil
}

// clusterOf reads live objects and dry-runs as the request's actor.
func (s *Server) clusterOf(ctx context.Context) (*apply.Client, error) {
	_, uc, err := s.userClientsOf(ctx)
	if err != nil || uc == nil {
		return s.opts.Diff.Cluster, err
	}
	return uc.cluster, nil
}

// usernameOf is who an operation is recorded as initiated by.
func (s *Server) usernameOf(ctx context.Context) string {
	if u := userOf(ctx); u != nil {
		return u.Name
	}
	return s.opts.Username
}

// actorReader is the Server's reader: every read acts as the request's
// actor, so no handler can read past the user's RBAC by using it.
type actorReader struct{ s *Server }

func (r actorReader) Get(ctx context.Context, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
	rd, err := r.s.readerOf(ctx)
	if err != nil {
		return err
	}
	return rd.Get(ctx, key, obj, opts...)
}

func (r actorReader) List(ctx context.Context, list client.ObjectList, opts ...client.ListOption) error {
	rd, err := r.s.readerOf(ctx)
	if err != nil {
		return err
	}
	return rd.List(ctx, list, opts...)
}

// mayList reports whether the request's actor may list Applications in
// ns: always for the server's identity. For the events stream.
func (s *Server) mayList(ctx context.Context, ns string) bool {
	u, uc, err := s.userClientsOf(ctx)
	if err != nil {
		return false
	}
	if uc == nil {
		return true
	}
	return s.access.check(ctx, uc.client, u, accessKey{verb: "list", resource: v1alpha1.ApplicationPlural, namespace: ns}) == nil
}

// hideForbidden answers NotFound for an Application or ApplicationSet
// the actor may not get, so an app-of-apps tree shows such a child as
// missing instead of failing as a whole.
type hideForbidden struct{ client.Reader }

func (h hideForbidden) Get(ctx context.Context, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
	err := h.Reader.Get(ctx, key, obj, opts...)
	if res, ok := argoResource(obj); ok && apierrors.IsForbidden(err) {
		return apierrors.NewNotFound(v1alpha1.Resource(res), key.Name)
	}
	return err
}
