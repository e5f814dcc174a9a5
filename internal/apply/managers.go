package apply

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"
)

// PreviousManagers are the field managers whose fields flotilla takes over
// from Argo CD: argocd-controller (its server-side apply) and
// kubectl-client-side-apply (its client-side apply, which also owns the
// kubectl.kubernetes.io/last-applied-configuration annotation).
var PreviousManagers = []string{ArgoCDApplyManager, ClientSideApplyManager}

// TakeOverManagers rewrites managed, handing the fields of every previous
// manager (of the object itself, not a subresource) to flotilla's apply
// entry, as client-go's csaupgrade does for client-side apply and Argo CD
// does before its first server-side apply: flotilla's entry (or, when
// there is none, the first previous one, renamed) gets the union of the
// field sets, and the previous entries are dropped. Only entries of the
// same API version are merged; others are left as they are. changed is
// false when there is nothing to take over.
func TakeOverManagers(managed []metav1.ManagedFieldsEntry) (out []metav1.ManagedFieldsEntry, changed bool, err error) {
	target := slices.IndexFunc(managed, isOwnApply)
	if target < 0 {
		target = slices.IndexFunc(managed, isPrevious)
	}
	if target < 0 {
		return managed, false, nil
	}
	set, err := fieldSet(managed[target])
	if err != nil {
		return nil, false, err
	}
	merged := !isOwnApply(managed[target])
	at := 0
	for i, e := range managed {
		switch {
		case i == target:
			at = len(out)
			out = append(out, e)
		case isPrevious(e) && e.APIVersion == managed[target].APIVersion:
			s, err := fieldSet(e)
			if err != nil {
				return nil, false, err
			}
			set, merged = set.Union(s), true
		default:
			out = append(out, e)
		}
	}
	if !merged {
		return managed, false, nil
	}
	raw, err := set.ToJSON()
	if err != nil {
		return nil, false, fmt.Errorf("encode managed fields: %w", err)
	}
	out[at].Manager, out[at].Operation = FieldManager, metav1.ManagedFieldsOperationApply
	out[at].FieldsType, out[at].FieldsV1 = "FieldsV1", &metav1.FieldsV1{Raw: raw}
	return out, true, nil
}

// HasPreviousManagers reports whether a previous manager holds fields of
// live.
func HasPreviousManagers(live *unstructured.Unstructured) bool {
	return slices.ContainsFunc(live.GetManagedFields(), isPrevious)
}

// TakeOver hands the fields live's previous managers hold to flotilla
// (TakeOverManagers) with a JSON patch of metadata.managedFields guarded
// by live's resourceVersion. Nothing else of the object changes. It
// returns the patched object, or live when there was nothing to do.
func (c *Client) TakeOver(ctx context.Context, live *unstructured.Unstructured) (*unstructured.Unstructured, error) {
	managed, changed, err := TakeOverManagers(live.GetManagedFields())
	if err != nil || !changed {
		return live, err
	}
	patch, err := json.Marshal([]map[string]any{
		{"op": "test", "path": "/metadata/resourceVersion", "value": live.GetResourceVersion()},
		{"op": "replace", "path": "/metadata/managedFields", "value": managed},
	})
	if err != nil {
		return nil, fmt.Errorf("encode managed fields patch: %w", err)
	}
	ri, err := c.resource(live)
	if err != nil {
		return nil, err
	}
	out, err := ri.Patch(ctx, live.GetName(), types.JSONPatchType, patch, metav1.PatchOptions{FieldManager: FieldManager})
	if err != nil {
		return nil, fmt.Errorf("take over field managers of %s: %w", describe(live), err)
	}
	return out, nil
}

func isOwnApply(e metav1.ManagedFieldsEntry) bool {
	return e.Manager == FieldManager && e.Operation == metav1.ManagedFieldsOperationApply && e.Subresource == ""
}

func isPrevious(e metav1.ManagedFieldsEntry) bool {
	return e.Subresource == "" && slices.Contains(PreviousManagers, e.Manager)
}

func fieldSet(e metav1.ManagedFieldsEntry) (*fieldpath.Set, error) {
	s := &fieldpath.Set{}
	if e.FieldsV1 == nil {
		return s, nil
	}
	if err := s.FromJSON(bytes.NewReader(e.FieldsV1.Raw)); err != nil {
		return nil, fmt.Errorf("decode managed fields of %s: %w", e.Manager, err)
	}
	return s, nil
}
