package sync

import (
	"context"
	"errors"
	"fmt"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"flotilla.dev/flotilla/internal/apply"
	"flotilla.dev/flotilla/internal/health"
)

// start applies a resource or creates a hook. A hook with
// BeforeHookCreation first has its previous instance deleted; start then
// records nothing and the next step creates it once the old one is gone.
func (s *stepper) start(ctx context.Context, t Task) error {
	if !t.Hook {
		if _, err := s.c.Apply(ctx, t.Obj); err != nil {
			if errors.Is(err, apply.ErrUnknownKind) && s.opts.KindDefinedInSync(t.Obj) {
				return nil // its CRD is being established: try again next step
			}
			s.p[t.ID()] = record(t, SyncFailed, err.Error())
			return nil
		}
		s.p[t.ID()] = record(t, Synced, fmt.Sprintf("%s/%s configured", strings.ToLower(t.Obj.GetKind()), t.Obj.GetName()))
		return nil
	}
	live, err := s.c.Get(ctx, t.Obj)
	if err != nil {
		return err
	}
	if live != nil && live.GetAnnotations()[OperationAnnotation] == s.opts.OperationID {
		s.p[t.ID()] = s.hookRecord(t, HookRunning, "hook adopted after a restart")
		return nil
	}
	if live != nil {
		if live.GetDeletionTimestamp() == nil && hasPolicy(DeletePolicies(t.Obj), PolicyBeforeHookCreation) {
			if err := s.c.Delete(ctx, live, metav1.DeletePropagationForeground); err != nil {
				return fmt.Errorf("delete previous hook %s: %w", t.Obj.GetName(), err)
			}
		}
		return nil // wait until the previous instance is gone
	}
	hook := t.Obj.DeepCopy()
	ann := hook.GetAnnotations()
	if ann == nil {
		ann = map[string]string{}
	}
	ann[OperationAnnotation] = s.opts.OperationID
	hook.SetAnnotations(ann)
	if _, err := s.c.Apply(ctx, hook); err != nil {
		s.p[t.ID()] = s.hookRecord(t, HookFailed, err.Error())
		s.p[t.ID()].Code = SyncFailed
		return nil
	}
	s.p[t.ID()] = s.hookRecord(t, HookRunning, fmt.Sprintf("%s/%s created", strings.ToLower(t.Obj.GetKind()), t.Obj.GetName()))
	return nil
}

func (s *stepper) hookRecord(t Task, phase HookPhase, msg string) *Record {
	r := record(t, Synced, msg)
	r.HookPhase = phase
	return r
}

// check reports whether a started task is done: its object Healthy, or its
// hook finished. A Degraded object or a failed hook is recorded as failed.
func (s *stepper) check(ctx context.Context, t Task) (bool, error) {
	r := s.p[t.ID()]
	if r == nil {
		return false, nil // not started yet (a hook waiting for its old instance)
	}
	if t.Hook && r.HookPhase != HookRunning {
		return true, nil
	}
	if !t.Hook && s.opts.Known != nil {
		if st, ok := s.opts.Known(t.Obj); ok {
			return s.resourceDone(t, r, st), nil
		}
	}
	live, err := s.c.Get(ctx, t.Obj)
	if err != nil {
		return false, err
	}
	if live == nil {
		if t.Hook {
			r.HookPhase, r.Code, r.Message = HookFailed, SyncFailed, "hook was deleted before it finished"
		}
		return false, nil
	}
	st := s.opts.Health(live)
	if !t.Hook {
		return s.resourceDone(t, r, st), nil
	}
	switch st.Code {
	case health.Healthy:
		r.HookPhase, r.Message = HookSucceeded, joinNonEmpty(describe(t)+" succeeded", st.Message)
		s.hookEnded = true
		return true, nil
	case health.Degraded:
		r.HookPhase, r.Code, r.Message = HookFailed, SyncFailed, joinNonEmpty(describe(t)+" failed", st.Message)
		s.hookEnded = true
		return true, nil
	}
	return false, nil
}

// resourceDone reports whether a resource of health st is done; a
// Degraded one is recorded as failed.
func (s *stepper) resourceDone(t Task, r *Record, st health.Status) bool {
	switch st.Code {
	case health.Healthy, health.Suspended:
		return true
	case health.Degraded:
		r.Code, r.Message = SyncFailed, joinNonEmpty(describe(t)+" is Degraded", st.Message)
	}
	return false
}

// deleteHooks deletes the ended hooks whose delete policy asks for it
// when the operation ends this way (HookSucceeded on success, HookFailed
// on failure), as Argo CD does once the operation is decided. It runs
// only in a step where no hook ended: how each hook ended is then
// already persisted, so a controller killed after the delete still knows
// the hook's outcome instead of finding it gone. ok is false when the
// step must end first (Running) to persist the outcomes.
func (s *stepper) deleteHooks(ctx context.Context, tasks []Task, policy string, phase HookPhase) (ok bool, err error) {
	var doomed []Task
	for _, t := range tasks {
		if r := s.p[t.ID()]; t.Hook && r != nil && r.HookPhase == phase && hasPolicy(DeletePolicies(t.Obj), policy) {
			doomed = append(doomed, t)
		}
	}
	if len(doomed) == 0 {
		return true, nil
	}
	if s.hookEnded {
		return false, nil
	}
	for _, t := range doomed {
		if err := s.c.Delete(ctx, t.Obj, metav1.DeletePropagationBackground); err != nil {
			return false, fmt.Errorf("delete hook %s (%s): %w", t.Obj.GetName(), policy, err)
		}
	}
	return true, nil
}

// awaitingPruneConfirmation returns the first Prune=confirm object still to
// prune while the pruning is not confirmed: until it is, nothing is pruned.
func (s *stepper) awaitingPruneConfirmation(tasks []Task) (Task, bool) {
	if s.opts.PruneConfirmed || !s.opts.Prune {
		return Task{}, false
	}
	for _, t := range tasks {
		if t.Prune && t.ConfirmPrune && s.p[t.ID()] == nil {
			return t, true
		}
	}
	return Task{}, false
}

// pruneWave prunes the objects to prune of a wave before anything of the
// wave is applied, as Argo CD does, and reports Running until they are
// gone: the next wave starts once they are. While the pruning of a
// Prune=confirm object is not confirmed, no prune of the sync runs.
func (s *stepper) pruneWave(ctx context.Context, tasks []Task, phase Phase, wave int) (Outcome, error) {
	var group []Task
	for _, t := range tasks {
		if t.Prune && t.Phase == phase && t.Wave == wave {
			group = append(group, t)
		}
	}
	if len(group) == 0 {
		return Outcome{State: Succeeded}, nil
	}
	if t, ok := s.awaitingPruneConfirmation(tasks); ok {
		return Outcome{State: Running, Message: "waiting for pruning confirmation of " + describe(t)}, nil
	}
	var waiting []string
	for _, t := range group {
		if s.p[t.ID()] == nil {
			s.pruneOne(ctx, t)
		}
		switch r := s.p[t.ID()]; {
		case r.failed():
			return Outcome{State: Failed, Message: r.Message}, nil
		case r.Code == Pruned:
			gone, err := s.gone(ctx, t)
			if err != nil {
				return Outcome{}, err
			}
			if !gone {
				waiting = append(waiting, describe(t))
			}
		}
	}
	if len(waiting) > 0 {
		msg := fmt.Sprintf("%s wave %d: waiting for deletion of %s", phase, wave, waiting[0])
		if len(waiting) > 1 {
			msg += fmt.Sprintf(" and %d more", len(waiting)-1)
		}
		return Outcome{State: Running, Message: msg}, nil
	}
	return Outcome{State: Succeeded}, nil
}

// pruneOne deletes t's object (or records why not) with the sync's
// propagation (foreground by default, as Argo CD).
func (s *stepper) pruneOne(ctx context.Context, t Task) {
	propagation := s.opts.PrunePropagation
	if propagation == "" {
		propagation = metav1.DeletePropagationForeground
	}
	switch {
	case !s.opts.Prune:
		s.p[t.ID()] = record(t, PruneSkipped, "ignored (requires pruning)")
	case t.NoPrune:
		s.p[t.ID()] = record(t, PruneSkipped, "ignored (Prune=false)")
	default:
		if err := s.c.Delete(ctx, t.Obj, propagation); err != nil {
			s.p[t.ID()] = record(t, SyncFailed, fmt.Sprintf("prune %s: %v", describe(t), err))
			return
		}
		s.p[t.ID()] = record(t, Pruned, "pruned")
	}
}

// gone reports whether the pruned object of t no longer exists (an
// object of the same name with another UID is not it).
func (s *stepper) gone(ctx context.Context, t Task) (bool, error) {
	live, err := s.c.Get(ctx, t.Obj)
	if err != nil {
		return false, err
	}
	return live == nil || (t.Obj.GetUID() != "" && live.GetUID() != t.Obj.GetUID()), nil
}

// fail runs the SyncFail hooks, then reports the failure.
func (s *stepper) fail(ctx context.Context, tasks []Task, msg string) (Outcome, error) {
	for _, wave := range waves(tasks, SyncFail) {
		out, err := s.runWave(ctx, tasks, SyncFail, wave)
		if err != nil {
			return out, err
		}
		if out.State == Running {
			return Outcome{State: Running, Message: "sync failed, running SyncFail hooks: " + out.Message}, nil
		}
	}
	ok, err := s.deleteHooks(ctx, tasks, PolicyHookFailed, HookFailed)
	if err != nil || !ok {
		return Outcome{State: Running, Message: "sync failed: " + msg}, err
	}
	return Outcome{State: Failed, Message: msg}, nil
}
