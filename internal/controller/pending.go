package controller

import (
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"

	"flotilla.dev/flotilla/api/v1alpha1"
)

// holdDelay is how long the progress of a new operation of resources
// alone may stay unwritten. Most such syncs end within it (their objects
// applied and healthy), and are then written once, with their outcome,
// instead of once per step; a longer one shows as Running after it.
const holdDelay = 3 * time.Second

// holdWrite reports whether app's status may stay unwritten for now, and
// for how long at most: app runs an operation that was never written, of
// resources alone (hooks are named for, and adopted by, a written start),
// begun less than holdDelay ago. Losing such progress to a restart costs
// nothing but a repeated apply: the next controller compares afresh.
func holdWrite(stored, app *v1alpha1.Application) (time.Duration, bool) {
	st := runningOperation(app)
	if st == nil || len(st.SyncResult.Resources) == 0 {
		return 0, false
	}
	if prev := stored.Status.OperationState; prev != nil && operationID(prev) == operationID(st) {
		return 0, false
	}
	for _, res := range st.SyncResult.Resources {
		if res.HookType != "" {
			return 0, false
		}
	}
	left := holdDelay - time.Since(st.StartedAt.Time)
	return left, left > 0
}

// soonest is result, looked at again within wait at the latest.
func soonest(result ctrl.Result, wait time.Duration) ctrl.Result {
	if result.RequeueAfter == 0 || result.RequeueAfter > wait {
		result.RequeueAfter = wait
	}
	result.Requeue = false
	return result
}

// pendingWrites holds, per app, progress not written yet and the stored
// version it was reconciled from. It is used while the stored version is
// unchanged; any other write (a user's, a parent's) drops it, and the app
// is compared afresh.
type pendingWrites struct{ m sync.Map }

type pendingStatus struct {
	storedVersion string
	app           *v1alpha1.Application
}

func (p *pendingWrites) hold(stored, app *v1alpha1.Application) {
	if p == nil {
		return
	}
	key := types.NamespacedName{Namespace: app.Namespace, Name: app.Name}
	p.m.Store(key, pendingStatus{storedVersion: stored.ResourceVersion, app: app.DeepCopy()})
}

func (p *pendingWrites) drop(key types.NamespacedName) {
	if p != nil {
		p.m.Delete(key)
	}
}

// apply returns the app to reconcile: stored with its pending progress
// when there is one for exactly this version, stored itself otherwise.
func (p *pendingWrites) apply(stored *v1alpha1.Application) *v1alpha1.Application {
	if p == nil {
		return stored.DeepCopy()
	}
	key := types.NamespacedName{Namespace: stored.Namespace, Name: stored.Name}
	v, ok := p.m.Load(key)
	if !ok {
		return stored.DeepCopy()
	}
	if ps := v.(pendingStatus); ps.storedVersion == stored.ResourceVersion {
		app := ps.app.DeepCopy()
		// a read from the API server and one from the cache differ in
		// their type meta, which a patch from stored must not see
		app.TypeMeta = stored.TypeMeta
		return app
	}
	p.m.Delete(key)
	return stored.DeepCopy()
}
