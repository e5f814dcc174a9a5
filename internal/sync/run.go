package sync

import (
	"context"
	"fmt"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"flotilla.dev/flotilla/internal/object"
)

// Cluster is what a sync needs of the cluster.
type Cluster interface {
	Apply(ctx context.Context, u *unstructured.Unstructured) (*unstructured.Unstructured, error)
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

// Result is what happened to one object.
type Result struct {
	Key     object.Key
	Version string
	Code    ResultCode
	Message string
	Wave    int
}

// Options steer one sync.
type Options struct {
	// Prune deletes the prunable objects; without it they are skipped.
	Prune bool
	// PrunePropagation is the deletion propagation of prunes
	// (default foreground, as Argo CD).
	PrunePropagation metav1.DeletionPropagation
}

// Run applies desired in apply order, then (when every apply succeeded)
// deletes prunable in prune order. It returns one result per object and an
// error when the sync failed.
func Run(ctx context.Context, c Cluster, desired, prunable []*unstructured.Unstructured, opts Options) ([]Result, error) {
	desired = append([]*unstructured.Unstructured(nil), desired...)
	SortForApply(desired)
	var results []Result
	for i, u := range desired {
		if _, err := c.Apply(ctx, u); err != nil {
			results = append(results, result(u, SyncFailed, err.Error()))
			return results, fmt.Errorf("one or more objects failed to apply: %w (%d not attempted)", err, len(desired)-i-1)
		}
		results = append(results, result(u, Synced, fmt.Sprintf("%s/%s configured", strings.ToLower(u.GetKind()), u.GetName())))
	}
	prunable = append([]*unstructured.Unstructured(nil), prunable...)
	SortForPrune(prunable)
	propagation := opts.PrunePropagation
	if propagation == "" {
		propagation = metav1.DeletePropagationForeground
	}
	var pruneErr error
	for _, u := range prunable {
		if !opts.Prune {
			results = append(results, result(u, PruneSkipped, "ignored (requires pruning)"))
			continue
		}
		if err := c.Delete(ctx, u, propagation); err != nil {
			results = append(results, result(u, SyncFailed, err.Error()))
			pruneErr = fmt.Errorf("prune: %w", err)
			continue
		}
		results = append(results, result(u, Pruned, "pruned"))
	}
	return results, pruneErr
}

func result(u *unstructured.Unstructured, code ResultCode, msg string) Result {
	return Result{Key: object.KeyOf(u), Version: u.GroupVersionKind().Version, Code: code, Message: msg, Wave: Wave(u)}
}
