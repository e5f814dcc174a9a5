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
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/apply"
	"flotilla.dev/flotilla/internal/crashpoint"
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
	meta cache.Cache // metadata-only informers of the managed kinds; nil disables
	// apps reads Applications from the controller's full cache. A child
	// Application's status changes all the time; its version for this
	// cache is a hash of what its parent manages (metadata and spec), and
	// its health is assessed afresh from the cached object, so a parent's
	// resync sends no request for children whose spec is unchanged.
	apps    client.Reader
	mu      sync.Mutex
	entries map[string]syncedEntry
	// children are what childState last found of each child Application.
	children map[string]childSeen
}

type syncedEntry struct {
	desired string // hash of the desired object and the app's ignore rules
	rv      string
	intent  string // metaIntent of the live object ("" without a generation)
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
	if intent, h, ok := c.childState(ctx, u, checker); ok {
		return h, intent == e.rv
	}
	m := &metav1.PartialObjectMetadata{}
	m.SetGroupVersionKind(u.GroupVersionKind())
	if err := c.meta.Get(ctx, types.NamespacedName{Namespace: u.GetNamespace(), Name: u.GetName()}, m); err != nil {
		return health.Status{}, false
	}
	return e.health, m.ResourceVersion == e.rv
}

// childApp returns the live Application u names from the full cache,
// when u is an Application this controller caches.
func (c *syncedCache) childApp(ctx context.Context, u *unstructured.Unstructured) (*unstructured.Unstructured, bool) {
	live, ok := c.liveChild(ctx, u)
	if !ok {
		return nil, false
	}
	return convertChild(live, u)
}

func (c *syncedCache) liveChild(ctx context.Context, u *unstructured.Unstructured) (*v1alpha1.Application, bool) {
	if c.apps == nil || u.GroupVersionKind().GroupKind() != applicationGK {
		return nil, false
	}
	live := &v1alpha1.Application{}
	if err := c.apps.Get(ctx, types.NamespacedName{Namespace: u.GetNamespace(), Name: u.GetName()}, live); err != nil {
		return nil, false
	}
	return live, true
}

func convertChild(live *v1alpha1.Application, u *unstructured.Unstructured) (*unstructured.Unstructured, bool) {
	obj, err := runtime.DefaultUnstructuredConverter.ToUnstructured(live)
	if err != nil {
		return nil, false
	}
	out := &unstructured.Unstructured{Object: obj}
	out.SetGroupVersionKind(u.GroupVersionKind())
	return out, true
}

// childSeen is what a parent last learned of a child Application at one
// resourceVersion: its intentVersion and its health by one set of checks.
type childSeen struct {
	rv, intent string
	checker    *health.Checker
	health     health.Status
}

// childState returns the intentVersion and health of the child
// Application u names. A parent looks at every child on each of its
// rounds, so they are kept until the child's resourceVersion changes.
func (c *syncedCache) childState(ctx context.Context, u *unstructured.Unstructured, checker *health.Checker) (intent string, h health.Status, ok bool) {
	live, ok := c.liveChild(ctx, u)
	if !ok {
		return "", health.Status{}, false
	}
	key := live.Namespace + "/" + live.Name
	c.mu.Lock()
	seen, ok := c.children[key]
	c.mu.Unlock()
	if ok && seen.rv == live.ResourceVersion && seen.checker == checker {
		return seen.intent, seen.health, true
	}
	obj, ok := convertChild(live, u)
	if !ok {
		return "", health.Status{}, false
	}
	seen = childSeen{rv: live.ResourceVersion, intent: intentVersion(obj), checker: checker, health: checker.Assess(obj)}
	c.mu.Lock()
	if c.children == nil || len(c.children) > maxChildren {
		c.children = map[string]childSeen{}
	}
	c.children[key] = seen
	c.mu.Unlock()
	return seen.intent, seen.health, true
}

// maxChildren bounds the kept conversions of child Applications.
const maxChildren = 100000

var applicationGK = v1alpha1.SchemeGroupVersion.WithKind("Application").GroupKind()

// version is what must stay the same for live to stay in sync: its
// resourceVersion, or for a child Application its intentVersion.
func (c *syncedCache) version(live *unstructured.Unstructured) string {
	if c.apps == nil || live.GroupVersionKind().GroupKind() != applicationGK {
		return live.GetResourceVersion()
	}
	// through the typed Application, as childApp reads it, so both hash
	// the same representation
	typed := &v1alpha1.Application{}
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(live.Object, typed); err != nil {
		return "unknown"
	}
	obj, err := runtime.DefaultUnstructuredConverter.ToUnstructured(typed)
	if err != nil {
		return "unknown"
	}
	return intentVersion(&unstructured.Unstructured{Object: obj})
}

// intentVersion hashes the parts of an Application its parent manages:
// labels, annotations (but the refresh request), finalizers and spec.
func intentVersion(live *unstructured.Unstructured) string {
	ann := live.GetAnnotations()
	delete(ann, RefreshAnnotation)
	b, _ := json.Marshal([]any{live.GetLabels(), ann, live.GetFinalizers(), live.Object["spec"]})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
}

// absent reports whether the metadata informer knows u does not exist, so
// a missing object costs no request. An informer that lags only makes the
// object look missing a little longer; applying it is idempotent.
func (c *syncedCache) absent(ctx context.Context, u *unstructured.Unstructured) bool {
	if c == nil || c.meta == nil {
		return false
	}
	key := types.NamespacedName{Namespace: u.GetNamespace(), Name: u.GetName()}
	if c.apps != nil && u.GroupVersionKind().GroupKind() == applicationGK {
		return apierrors.IsNotFound(c.apps.Get(ctx, key, &v1alpha1.Application{}))
	}
	m := &metav1.PartialObjectMetadata{}
	m.SetGroupVersionKind(u.GroupVersionKind())
	return apierrors.IsNotFound(c.meta.Get(ctx, key, m))
}

// remember records that u is in sync with live as it is now.
func (c *syncedCache) remember(app *v1alpha1.Application, u, live *unstructured.Unstructured, h health.Status, checker *health.Checker) {
	if c == nil {
		return
	}
	rv := c.version(live)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil {
		c.entries = map[string]syncedEntry{}
	}
	c.entries[entryKey(app, u)] = syncedEntry{desired: desiredHash(app, u), rv: rv, intent: metaIntent(live, u), health: h, checker: checker}
}

// metaIntent hashes what of an object decides whether it is in sync with
// desired, short of its spec: its generation (which the API server bumps
// on every spec change of a kind with a status subresource), the labels
// and annotations desired sets (others' keys, such as the Deployment
// controller's revision annotation, never make it OutOfSync), its
// finalizers, owners and deletion. "" for objects without a generation
// (ConfigMaps, Secrets, …).
func metaIntent(o metav1.Object, desired metav1.Object) string {
	if o.GetGeneration() == 0 {
		return ""
	}
	b, _ := json.Marshal([]any{o.GetGeneration(), pick(o.GetLabels(), desired.GetLabels()), pick(o.GetAnnotations(), desired.GetAnnotations()),
		o.GetFinalizers(), o.GetOwnerReferences(), o.GetDeletionTimestamp()})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
}

// pick is the live value (or its absence) of every key desired sets.
func pick(live, desired map[string]string) map[string]*string {
	out := make(map[string]*string, len(desired))
	for k := range desired {
		if v, ok := live[k]; ok {
			out[k] = &v
		} else {
			out[k] = nil
		}
	}
	return out
}

// statusOnly reports whether u was in sync and, by the metadata informer,
// only its status changed since (same generation and metadata): its live
// object then needs a read for its health, but no dry-run and no diff.
func (c *syncedCache) statusOnly(ctx context.Context, app *v1alpha1.Application, u *unstructured.Unstructured, checker *health.Checker) (intent string, ok bool) {
	if c == nil || c.meta == nil || (c.apps != nil && u.GroupVersionKind().GroupKind() == applicationGK) {
		return "", false
	}
	c.mu.Lock()
	e, found := c.entries[entryKey(app, u)]
	c.mu.Unlock()
	if !found || e.intent == "" || e.checker != checker || e.desired != desiredHash(app, u) {
		return "", false
	}
	m := &metav1.PartialObjectMetadata{}
	m.SetGroupVersionKind(u.GroupVersionKind())
	if err := c.meta.Get(ctx, types.NamespacedName{Namespace: u.GetNamespace(), Name: u.GetName()}, m); err != nil {
		return "", false
	}
	return e.intent, metaIntent(m, u) == e.intent
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
	mu      *sync.Mutex // guards applied: a step applies concurrently
	applied map[object.Key]*unstructured.Unstructured
	// compared is the health of each object as the comparison just
	// before the step found it.
	compared map[object.Key]health.Status
	opts     v1alpha1.SyncOptions
}

// newRecordingCluster records the step's applies in applied, which the
// comparison after the step reads (see syncedMemo.applied).
func newRecordingCluster(r *Reconciler, app *v1alpha1.Application, opts v1alpha1.SyncOptions, cmp *comparison, applied map[object.Key]*unstructured.Unstructured) recordingCluster {
	return recordingCluster{Client: r.Cluster, app: app, synced: r.synced, checker: r.checks.get(),
		mu: &sync.Mutex{}, applied: applied, compared: comparedHealth(cmp), opts: opts}
}

// comparedHealth is the health of every object the comparison found live.
func comparedHealth(cmp *comparison) map[object.Key]health.Status {
	out := map[object.Key]health.Status{}
	for _, res := range cmp.resources {
		if res.Health == nil || health.Code(res.Health.Status) == health.Missing {
			continue
		}
		k := object.Key{Group: res.Group, Kind: res.Kind, Namespace: res.Namespace, Name: res.Name}
		out[k] = health.Status{Code: health.Code(res.Health.Status), Message: res.Health.Message}
	}
	return out
}

// Known answers a step's health check of an object it did not apply
// from the comparison made moments before, instead of a GET.
func (c recordingCluster) Known(u *unstructured.Unstructured) (health.Status, bool) {
	k := object.KeyOf(u)
	c.mu.Lock()
	_, fresh := c.applied[k]
	c.mu.Unlock()
	if fresh {
		return health.Status{}, false
	}
	h, ok := c.compared[k]
	return h, ok
}

// applyMode is how u is written, by the app's and its own sync options.
func applyMode(opts v1alpha1.SyncOptions, u *unstructured.Unstructured) apply.Mode {
	return flsync.ApplyMode(opts, u)
}

func (c recordingCluster) Apply(ctx context.Context, u *unstructured.Unstructured) (*unstructured.Unstructured, error) {
	before, after := crashpoint.ApplyBefore, crashpoint.ApplyAfter
	if u.GetAnnotations()[flsync.OperationAnnotation] != "" {
		before, after = crashpoint.HookBeforeCreate, crashpoint.HookAfterCreate
	}
	crashpoint.Hit(before)
	out, err := c.Client.ApplyWith(ctx, u, applyMode(c.opts, u))
	crashpoint.Hit(after)
	if err != nil || out == nil {
		return out, err
	}
	c.mu.Lock()
	c.applied[object.KeyOf(u)] = out
	c.mu.Unlock()
	if u.GetAnnotations()[flsync.OperationAnnotation] == "" {
		c.synced.remember(c.app, u, out, c.checker.Assess(out), c.checker)
	}
	return out, nil
}

// Get answers from this step's applies, then for child Applications from
// the controller's cache (a parent waiting for a thousand children reads
// their health without a request), then from the cluster.
func (c recordingCluster) Get(ctx context.Context, u *unstructured.Unstructured) (*unstructured.Unstructured, error) {
	c.mu.Lock()
	out, ok := c.applied[object.KeyOf(u)]
	c.mu.Unlock()
	if ok {
		return out, nil
	}
	if c.synced != nil {
		if child, ok := c.synced.childApp(ctx, u); ok {
			return child, nil
		}
	}
	return c.Client.Get(ctx, u)
}

func (c recordingCluster) Delete(ctx context.Context, u *unstructured.Unstructured, p metav1.DeletionPropagation) error {
	c.mu.Lock()
	delete(c.applied, object.KeyOf(u))
	c.mu.Unlock()
	before, after := crashpoint.PruneBeforeDelete, crashpoint.PruneAfterDelete
	if flsync.IsHook(u) {
		before, after = crashpoint.HookBeforeDelete, crashpoint.HookAfterDelete
	}
	crashpoint.Hit(before)
	defer crashpoint.Hit(after)
	return c.Client.Delete(ctx, u, p)
}
