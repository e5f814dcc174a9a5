package controller

import (
	"context"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/health"
	"flotilla.dev/flotilla/internal/object"
)

// syncedMemo is the in-sync cache as internal/syncmodel asks it, for one
// app and the health checks in force: it decides when the model may skip
// a read, never what the answer is.
type syncedMemo struct {
	cache   *syncedCache
	app     *v1alpha1.Application
	checker *health.Checker
	// applied are the objects a step just applied, as the API server
	// returned them: in sync, whatever the informers show yet.
	applied map[object.Key]*unstructured.Unstructured
}

func (m syncedMemo) Synced(ctx context.Context, u *unstructured.Unstructured) (health.Status, bool) {
	if live, ok := m.applied[object.KeyOf(u)]; ok {
		return m.checker.Assess(live), true
	}
	return m.cache.lookup(ctx, m.app, u, m.checker)
}

func (m syncedMemo) Absent(ctx context.Context, u *unstructured.Unstructured) bool {
	return m.cache.absent(ctx, u)
}

// StatusOnly: the metadata informer and live both show the generation and
// metadata u was last found in sync with.
func (m syncedMemo) StatusOnly(ctx context.Context, u, live *unstructured.Unstructured) bool {
	intent, ok := m.cache.statusOnly(ctx, m.app, u, m.checker)
	return ok && metaIntent(live, u) == intent
}

func (m syncedMemo) Remember(u, live *unstructured.Unstructured, h health.Status) {
	m.cache.remember(m.app, u, live, h, m.checker)
}

func (m syncedMemo) Forget(u *unstructured.Unstructured) {
	m.cache.forget(m.app, u)
}
