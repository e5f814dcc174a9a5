package sync

import (
	"context"
	"fmt"
	"sort"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"flotilla.dev/flotilla/internal/health"
	"flotilla.dev/flotilla/internal/object"
)

// Cluster is what a sync needs of the cluster.
// Its Apply must be safe for concurrent use: objects of one kind in one
// wave are applied in parallel.
type Cluster interface {
	Apply(ctx context.Context, u *unstructured.Unstructured) (*unstructured.Unstructured, error)
	Get(ctx context.Context, u *unstructured.Unstructured) (*unstructured.Unstructured, error)
	Delete(ctx context.Context, u *unstructured.Unstructured, propagation metav1.DeletionPropagation) error
}

// ResultCode is the outcome for one object, named as Argo CD names it.
type ResultCode string

// The result codes.
const (
	Synced       ResultCode = "Synced"
	SyncFailed   ResultCode = "SyncFailed"
	Pruned       ResultCode = "Pruned"
	PruneSkipped ResultCode = "PruneSkipped"
)

// HookPhase is how far a hook got.
type HookPhase string

// The hook phases.
const (
	HookRunning   HookPhase = "Running"
	HookSucceeded HookPhase = "Succeeded"
	HookFailed    HookPhase = "Failed"
)

// Record is the persisted progress of one task.
type Record struct {
	Key       object.Key
	Version   string
	Phase     Phase
	Hook      bool
	Prune     bool
	Code      ResultCode
	HookPhase HookPhase
	Message   string
}

// ID is the ID of the task the record belongs to.
func (r *Record) ID() string { return TaskID(r.Phase, r.Hook, r.Prune, r.Key) }

func (r *Record) failed() bool { return r.Code == SyncFailed || r.HookPhase == HookFailed }

// Progress is the records of one operation, by task ID. The caller
// persists it between steps (Argo CD's operationState.syncResult).
type Progress map[string]*Record

// State is where an operation stands after a step.
type State string

// The states.
const (
	Running   State = "Running"
	Succeeded State = "Succeeded"
	Failed    State = "Failed"
)

// Outcome is the result of one step.
type Outcome struct {
	State   State
	Message string
}

// OperationAnnotation marks hooks with the operation that created them,
// so a step repeated after a crash adopts the hook instead of running it
// a second time.
const OperationAnnotation = "flotilla.dev/operation"

// Options steer a sync.
type Options struct {
	// Prune deletes prunable objects; without it their prunes are skipped.
	Prune bool
	// PruneConfirmed lets the prunes of Prune=confirm objects run (Argo
	// CD: the app's deletion-approved annotation, set after the operation
	// started); without it every prune waits.
	PruneConfirmed bool
	// PrunePropagation of prunes (default foreground, as Argo CD).
	PrunePropagation metav1.DeletionPropagation
	// OperationID names the operation, for hook adoption.
	OperationID string
	// Health assesses a live object; default health.Assess.
	Health func(*unstructured.Unstructured) health.Status
	// Known, when set, may answer the health of a resource (not a hook)
	// the caller saw in this same round, instead of a read.
	Known func(*unstructured.Unstructured) (health.Status, bool)
	// SkipDryRunOnMissingResource lets every object whose kind is not yet
	// served wait for it (its CRD comes from elsewhere), as the
	// per-resource sync option does for one object.
	SkipDryRunOnMissingResource bool
	// definedKinds are the kinds whose CRDs this sync applies.
	definedKinds map[string]bool
}

// KindDefinedInSync reports whether u's kind is defined by a CRD that the
// same sync applies: such an object waits for its CRD instead of failing.
func (o Options) KindDefinedInSync(u *unstructured.Unstructured) bool {
	gvk := u.GroupVersionKind()
	return o.definedKinds[gvk.Group+"/"+gvk.Kind] || o.SkipDryRunOnMissingResource ||
		HasResourceOption(u, "SkipDryRunOnMissingResource", "true")
}

func crdKinds(tasks []Task) map[string]bool {
	out := map[string]bool{}
	for _, t := range tasks {
		if t.Obj.GetKind() != "CustomResourceDefinition" || t.Prune {
			continue
		}
		group, _, _ := unstructured.NestedString(t.Obj.Object, "spec", "group")
		kind, _, _ := unstructured.NestedString(t.Obj.Object, "spec", "names", "kind")
		out[group+"/"+kind] = true
	}
	return out
}

// Step advances a sync as far as it can without waiting: it starts the
// tasks of the first phase and wave that is not complete, and reports
// Running while their objects are not yet healthy (hooks not finished).
// Call it again (on a watch event or after a short delay) with the same
// progress. A wave is complete when every object in it is Healthy (or
// Suspended) and every hook in it has succeeded; a Degraded object or a
// failed hook fails the sync, after which the SyncFail hooks run.
func Step(ctx context.Context, c Cluster, tasks []Task, p Progress, opts Options) (Outcome, error) {
	s := &stepper{c: c, p: p, opts: opts}
	s.opts.definedKinds = crdKinds(tasks)
	if s.opts.Health == nil {
		s.opts.Health = health.Assess
	}
	if msg := p.failure(); msg != "" {
		return s.fail(ctx, tasks, msg)
	}
	for _, phase := range []Phase{PreSync, Sync, PostSync} {
		for _, wave := range waves(tasks, phase) {
			out, err := s.runWave(ctx, tasks, phase, wave)
			if err != nil || out.State != Succeeded {
				if out.State == Failed {
					return s.fail(ctx, tasks, out.Message)
				}
				return out, err
			}
		}
	}
	ok, err := s.deleteHooks(ctx, tasks, PolicyHookSucceeded, HookSucceeded)
	if err != nil || !ok {
		return Outcome{State: Running, Message: "successfully synced, deleting hooks"}, err
	}
	return Outcome{State: Succeeded, Message: "successfully synced (all tasks run)"}, nil
}

type stepper struct {
	c    Cluster
	p    Progress
	opts Options
	// hookEnded is set when a hook succeeded or failed in this step.
	hookEnded bool
}

// waves returns the distinct waves of a phase's tasks.
func waves(tasks []Task, phase Phase) []int {
	seen := map[int]bool{}
	var out []int
	for _, t := range tasks {
		if t.Phase == phase && !seen[t.Wave] {
			seen[t.Wave] = true
			out = append(out, t.Wave)
		}
	}
	sort.Ints(out)
	return out
}

// runWave prunes the wave's objects to prune (pruneWave), then applies
// its objects and runs its hooks, and reports Succeeded once all are done.
func (s *stepper) runWave(ctx context.Context, tasks []Task, phase Phase, wave int) (Outcome, error) {
	if out, err := s.pruneWave(ctx, tasks, phase, wave); err != nil || out.State != Succeeded {
		return out, err
	}
	var group []Task
	for _, t := range tasks {
		if t.Phase == phase && t.Wave == wave && !t.Prune {
			group = append(group, t)
		}
	}
	for _, batch := range batches(group, s.p) {
		if err := s.startBatch(ctx, batch); err != nil {
			return Outcome{}, err
		}
		for _, t := range batch {
			if r := s.p[t.ID()]; r != nil && r.failed() {
				return Outcome{State: Failed, Message: r.Message}, nil
			}
		}
	}
	var waiting []string
	for _, t := range group {
		done, err := s.check(ctx, t)
		if err != nil {
			return Outcome{}, err
		}
		if r := s.p[t.ID()]; r != nil && r.failed() {
			return Outcome{State: Failed, Message: r.Message}, nil
		}
		if !done {
			waiting = append(waiting, describe(t))
		}
	}
	if len(waiting) > 0 {
		return Outcome{State: Running, Message: waitingMessage(phase, wave, waiting)}, nil
	}
	return Outcome{State: Succeeded}, nil
}

func waitingMessage(phase Phase, wave int, waiting []string) string {
	msg := fmt.Sprintf("%s wave %d: waiting for healthy state of %s", phase, wave, waiting[0])
	if len(waiting) > 1 {
		msg += fmt.Sprintf(" and %d more", len(waiting)-1)
	}
	return msg
}

func describe(t Task) string {
	k := object.KeyOf(t.Obj)
	gk := k.Kind
	if k.Group != "" {
		gk = k.Group + "/" + k.Kind
	}
	if k.Namespace != "" {
		return fmt.Sprintf("%s %s/%s", gk, k.Namespace, k.Name)
	}
	return fmt.Sprintf("%s %s", gk, k.Name)
}

func (p Progress) failure() string {
	ids := make([]string, 0, len(p))
	for id := range p {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		if r := p[id]; r.failed() && r.Phase != SyncFail {
			return r.Message
		}
	}
	return ""
}

func record(t Task, code ResultCode, msg string) *Record {
	return &Record{
		Key: object.KeyOf(t.Obj), Version: t.Obj.GroupVersionKind().Version,
		Phase: t.Phase, Hook: t.Hook, Prune: t.Prune, Code: code, Message: msg,
	}
}

func joinNonEmpty(parts ...string) string {
	var out []string
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, ": ")
}
