package controller

import (
	"slices"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/object"
	flsync "flotilla.dev/flotilla/internal/sync"
)

// toProgress turns persisted results into the sync engine's progress, so a
// restarted controller resumes the operation where it stood.
func toProgress(results v1alpha1.ResourceResults) flsync.Progress {
	p := flsync.Progress{}
	for _, res := range results {
		rec := &flsync.Record{
			Key:       object.Key{Group: res.Group, Kind: res.Kind, Namespace: res.Namespace, Name: res.Name},
			Version:   res.Version,
			Phase:     flsync.Phase(res.SyncPhase),
			Hook:      res.HookType != "",
			Prune:     res.Status == v1alpha1.ResultCodePruned || res.Status == v1alpha1.ResultCodePruneSkipped,
			Code:      flsync.ResultCode(res.Status),
			HookPhase: flsync.HookPhase(res.HookPhase),
			Message:   res.Message,
		}
		if rec.Phase == "" {
			rec.Phase = flsync.Sync
		}
		p[rec.ID()] = rec
	}
	return p
}

// fromProgress turns progress into results in the order of the task IDs.
func fromProgress(p flsync.Progress) v1alpha1.ResourceResults {
	out := make(v1alpha1.ResourceResults, 0, len(p))
	for _, id := range sortedIDs(p) {
		rec := p[id]
		res := &v1alpha1.ResourceResult{
			Group: rec.Key.Group, Version: rec.Version, Kind: rec.Key.Kind,
			Namespace: rec.Key.Namespace, Name: rec.Key.Name,
			Status: v1alpha1.ResultCode(rec.Code), Message: rec.Message,
			SyncPhase: v1alpha1.SyncPhase(rec.Phase),
		}
		if rec.Hook {
			res.HookType = v1alpha1.HookType(rec.Phase)
			res.HookPhase = v1alpha1.OperationPhase(rec.HookPhase)
		}
		out = append(out, res)
	}
	return out
}

func sortedIDs(p flsync.Progress) []string {
	ids := make([]string, 0, len(p))
	for id := range p {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}
