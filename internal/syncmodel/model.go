package syncmodel

import (
	"context"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/apply"
	"flotilla.dev/flotilla/internal/health"
	"flotilla.dev/flotilla/internal/object"
)

// Cluster reads live objects and predicts applies; apply.Client is one.
// Get returns nil, nil for an object that does not exist and
// apply.ErrUnknownKind for a kind the API server does not serve.
type Cluster interface {
	Get(ctx context.Context, u *unstructured.Unstructured) (*unstructured.Unstructured, error)
	DryRunWith(ctx context.Context, u *unstructured.Unstructured, m apply.Mode) (*unstructured.Unstructured, error)
}

// Assessor assesses the health of a live object; *health.Checker is one.
type Assessor interface {
	Assess(u *unstructured.Unstructured) health.Status
}

// Memo is a caller's memory of objects found in sync: it lets Compare skip
// reads whose answer cannot have changed. It never changes an answer.
type Memo interface {
	// Synced returns u's health when u is known to be still in sync.
	Synced(ctx context.Context, u *unstructured.Unstructured) (health.Status, bool)
	// Absent reports whether u is known not to exist.
	Absent(ctx context.Context, u *unstructured.Unstructured) bool
	// StatusOnly reports whether live differs from the state u was last
	// found in sync with only in its status.
	StatusOnly(ctx context.Context, u, live *unstructured.Unstructured) bool
	// Remember records that u is in sync with live, of health h.
	Remember(u, live *unstructured.Unstructured, h health.Status)
	// Forget drops what is remembered of u.
	Forget(u *unstructured.Unstructured)
}

// Input is everything the answer depends on.
type Input struct {
	App *v1alpha1.Application
	// Objects are the desired objects, prepared (namespace, tracking id,
	// instance label), hooks and Skip objects included: Compare sorts them.
	Objects []*unstructured.Unstructured
	// Instance is the app's instance name in tracking ids.
	Instance string
	// Tracking is argocd-cm's tracking method (zero: annotation).
	Tracking apply.Tracking
	Cluster  Cluster
	// Health, when set, assesses the live objects.
	Health Assessor
	// Memo, when set and Diffs is not, lets Compare skip reads.
	Memo Memo
	// TakeOver, when set, hands the fields Argo CD's field managers hold
	// on a live object of this app to flotilla before the prediction
	// (apply.Client.TakeOver). It writes metadata.managedFields only.
	TakeOver func(ctx context.Context, live *unstructured.Unstructured) (*unstructured.Unstructured, error)
	// Diffs asks for each resource's masked diff.
	Diffs bool
}

// Result is the answer for one Application.
type Result struct {
	// Desired are the objects a sync applies (no hooks, no Skip objects).
	Desired []*unstructured.Unstructured
	// Hooks are run by syncs, never compared or pruned.
	Hooks []*unstructured.Unstructured
	// Resources are the desired objects in order, then those to prune.
	Resources []Resource
	// Status is OutOfSync when a resource is, or a prune is due that its
	// object does not ignore (IgnoreExtraneous).
	Status v1alpha1.SyncStatusCode
	// Health is the worst health of the desired objects (with Input.Health).
	Health health.Status
	// Problems are per-object problems that make the comparison unreliable.
	Problems []string
	// Shared describe objects whose tracking id names another app.
	Shared []string
}

// Resource is the answer for one object.
type Resource struct {
	Key     object.Key
	Version string
	Wave    int
	// Desired is the rendered object; nil for a prune.
	Desired *unstructured.Unstructured
	// Live is the live object as compared (nil when missing or not read).
	Live *unstructured.Unstructured
	// Predicted is what a sync would apply: the dry-run's prediction, or
	// Desired when the object is missing or the dry-run was refused; nil
	// for a prune and when a Memo answered.
	Predicted *unstructured.Unstructured
	Status    v1alpha1.SyncStatusCode
	// Health is nil without an assessor (Missing for a missing object).
	Health *health.Status
	// Prune is set for a live object a sync would prune.
	Prune *Prune
	// DryRunError is the API server's refusal of the dry-run.
	DryRunError string
	// Problem makes the comparison unreliable (a refused dry-run but for
	// Replace=true,Force=true, a broken ignoreDifferences rule).
	Problem string
	// Diff is set with Input.Diffs.
	Diff *Diff
}

// Prune says how a prune would go.
type Prune struct {
	// Disabled is Prune=false: the sync skips it.
	Disabled bool
	// Confirm is Prune=confirm: the sync waits for a confirmation.
	Confirm bool
	// IgnoreExtraneous is the compare option: the prune does not make
	// the app OutOfSync.
	IgnoreExtraneous bool
}

// Diff is one resource's normalised, Secret-masked difference.
type Diff struct {
	// Live and Desired are YAML ("" when absent); Desired is Predicted.
	Live, Desired string
	// Unified is a unified diff live → desired; "" when not Modified.
	Unified string
	// Modified is true when the objects differ or the dry-run failed.
	Modified bool
}
