package sync

import (
	"context"
	gosync "sync"
)

// applyConcurrency is how many objects of one batch are applied at once,
// as Argo CD applies the tasks of a wave concurrently.
const applyConcurrency = 8

// batches splits the tasks of a wave that have not started into runs of
// consecutive tasks that may start together: objects of the same kind
// (never hooks, whose creation has its own ordering). Kinds stay in their
// order, so a Namespace is still applied before what goes into it.
func batches(group []Task, p Progress) [][]Task {
	var out [][]Task
	for _, t := range group {
		if p[t.ID()] != nil {
			continue
		}
		n := len(out)
		if n > 0 && !t.Hook && !out[n-1][0].Hook && sameKind(out[n-1][0], t) {
			out[n-1] = append(out[n-1], t)
			continue
		}
		out = append(out, []Task{t})
	}
	return out
}

func sameKind(a, b Task) bool {
	return a.Obj.GroupVersionKind().GroupKind() == b.Obj.GroupVersionKind().GroupKind()
}

// startBatch starts the tasks of a batch, concurrently when there are
// several, and records their progress in task order.
func (s *stepper) startBatch(ctx context.Context, batch []Task) error {
	if len(batch) == 1 {
		return s.start(ctx, batch[0])
	}
	results := make([]*Record, len(batch))
	errs := make([]error, len(batch))
	sem := make(chan struct{}, applyConcurrency)
	var wg gosync.WaitGroup
	for i, t := range batch {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			one := &stepper{c: s.c, p: Progress{}, opts: s.opts}
			errs[i] = one.start(ctx, t)
			results[i] = one.p[t.ID()]
		}()
	}
	wg.Wait()
	for i, t := range batch {
		if errs[i] != nil {
			return errs[i]
		}
		if results[i] != nil {
			s.p[t.ID()] = results[i]
		}
	}
	return nil
}
