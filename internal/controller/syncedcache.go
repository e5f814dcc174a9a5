package controller

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"sync"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/cache"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/apply"
	"flotilla.dev/flotilla/internal/health"
	"flotilla.dev/flotilla/internal/object"
	flsync "flotilla.dev/flotilla/internal/sync"
)

// syncedCache remembers, per managed object, the desired state it was last
// found in sync with and the live resourceVersion it had then. While the
// metadata informer shows the same resourceVersion and the desired state is
// unchanged, the object is still in sync and its health unchanged, so a
// resync needs no request at all. Any change to the object (spec, status,
// metadata) changes its resourceVersion and sends it down the full path:
// GET, server-side dry-run, diff.
type syncedCache struct {
	meta    cache.Cache // metadata-only informers of the managed kinds; nil disables
	mu      sync.Mutex
	entries map[string]syncedEntry
}

type syncedEntry struct {
	desired string // hash of the desired object and the app's ignore rules
	rv      string
	health  health.Status
	checker *health.Checker // the custom checks health was assessed with
}

func entryKey(app *v1alpha1.Application, u *unstructured.Unstructured) string {
	return app.Namespace + "/" + app.Name + "|" + object.KeyOf(u).String()
}

func desiredHash(app *v1alpha1.Application, u *unstructured.Unstructured) string {
	b, _ := json.Marshal([]any{u.Object, app.Spec.IgnoreDifferences})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
}

// lookup returns the remembered health when u is still in sync and the
// custom health checks are the ones it was assessed with.
func (c *syncedCache) lookup(ctx context.Context, app *v1alpha1.Application, u *unstructured.Unstructured, checker *health.Checker) (health.Status, bool) {
	if c == nil || c.meta == nil {
		return health.Status{}, false
	}
	c.mu.Lock()
	e, ok := c.entries[entryKey(app, u)]
	c.mu.Unlock()
	if !ok || e.checker != checker || e.desired != desiredHash(app, u) {
		return health.Status{}, false
	}
	m := &metav1.PartialObjectMetadata{}
	m.SetGroupVersionKind(u.GroupVersionKind())
	if err := c.meta.Get(ctx, types.NamespacedName{Namespace: u.GetNamespace(), Name: u.GetName()}, m); err != nil {
		return health.Status{}, false
	}
	return e.health, m.ResourceVersion == e.rv
}

// absent reports whether the metadata informer knows u does not exist, so
// a missing object costs no request. An informer that lags only makes the
// object look missing a little longer; applying it is idempotent.
func (c *syncedCache) absent(ctx context.Context, u *unstructured.Unstructured) bool {
	if c == nil || c.meta == nil {
		return false
	}
	m := &metav1.PartialObjectMetadata{}
	m.SetGroupVersionKind(u.GroupVersionKind())
	err := c.meta.Get(ctx, types.NamespacedName{Namespace: u.GetNamespace(), Name: u.GetName()}, m)
	return apierrors.IsNotFound(err)
}

// remember records that u is in sync with the live object at rv.
func (c *syncedCache) remember(app *v1alpha1.Application, u *unstructured.Unstructured, rv string, h health.Status, checker *health.Checker) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil {
		c.entries = map[string]syncedEntry{}
	}
	c.entries[entryKey(app, u)] = syncedEntry{desired: desiredHash(app, u), rv: rv, health: h, checker: checker}
}

func (c *syncedCache) forget(app *v1alpha1.Application, u *unstructured.Unstructured) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.entries, entryKey(app, u))
}

// recordingCluster remembers every object a sync applies as in sync at the
// resourceVersion the apply returned, so the comparison after a sync needs
// no dry-run for objects nothing else has touched since. Within one step,
// the object an apply returned answers the health check that follows it,
// instead of a GET.
type recordingCluster struct {
	*apply.Client
	app     *v1alpha1.Application
	synced  *syncedCache
	checker *health.Checker
	applied map[object.Key]*unstructured.Unstructured
	opts    v1alpha1.SyncOptions
}

func newRecordingCluster(r *Reconciler, app *v1alpha1.Application, opts v1alpha1.SyncOptions) recordingCluster {
	return recordingCluster{Client: r.Cluster, app: app, synced: r.synced, checker: r.checks.get(),
		applied: map[object.Key]*unstructured.Unstructured{}, opts: opts}
}

// applyMode resolves the Validate, Replace and Force sync options of the
// app and of the object's own sync-options annotation.
func applyMode(opts v1alpha1.SyncOptions, u *unstructured.Unstructured) apply.Mode {
	has := func(k, v string) bool { return opts.HasOption(k+"="+v) || flsync.HasResourceOption(u, k, v) }
	return apply.Mode{SkipValidation: has("Validate", "false"), Replace: has("Replace", "true"), Force: has("Force", "true")}
}

func (c recordingCluster) Apply(ctx context.Context, u *unstructured.Unstructured) (*unstructured.Unstructured, error) {
	out, err := c.Client.ApplyWith(ctx, u, applyMode(c.opts, u))
	if err != nil || out == nil {
		return out, err
	}
	c.applied[object.KeyOf(u)] = out
	if u.GetAnnotations()[flsync.OperationAnnotation] == "" {
		c.synced.remember(c.app, u, out.GetResourceVersion(), c.checker.Assess(out), c.checker)
	}
	return out, nil
}

func (c recordingCluster) Get(ctx context.Context, u *unstructured.Unstructured) (*unstructured.Unstructured, error) {
	if out, ok := c.applied[object.KeyOf(u)]; ok {
		return out, nil
	}
	return c.Client.Get(ctx, u)
}

func (c recordingCluster) Delete(ctx context.Context, u *unstructured.Unstructured, p metav1.DeletionPropagation) error {
	delete(c.applied, object.KeyOf(u))
	return c.Client.Delete(ctx, u, p)
}
