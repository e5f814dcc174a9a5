package apply

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
)

// Argo CD's field managers, to which HandBack gives flotilla's fields.
const (
	ArgoCDApplyManager      = "argocd-controller"
	ClientSideApplyManager  = "kubectl-client-side-apply"
	handBackPatchFieldOwner = ClientSideApplyManager
)

// HandBackManagers rewrites managed for Argo CD, the reverse of
// TakeOverManagers: flotilla's server-side apply entries become
// argocd-controller's (Argo CD's server-side apply manager) and its update
// entries (client-side apply, replace) kubectl-client-side-apply's, which
// Argo CD's client-side-apply migration takes over. Entries that then name
// the same manager, operation, API version and subresource are merged.
// changed is false when flotilla holds no fields.
func HandBackManagers(managed []metav1.ManagedFieldsEntry) (out []metav1.ManagedFieldsEntry, changed bool, err error) {
	renamed := make([]metav1.ManagedFieldsEntry, 0, len(managed))
	for _, e := range managed {
		if e.Manager == FieldManager && e.Subresource == "" {
			changed = true
			e.Manager = ClientSideApplyManager
			if e.Operation == metav1.ManagedFieldsOperationApply {
				e.Manager = ArgoCDApplyManager
			}
		}
		renamed = append(renamed, e)
	}
	if !changed {
		return managed, false, nil
	}
	out, err = mergeSameManagers(renamed)
	return out, true, err
}

// mergeSameManagers unions the field sets of entries with the same
// manager, operation, API version and subresource into the first of them.
func mergeSameManagers(managed []metav1.ManagedFieldsEntry) ([]metav1.ManagedFieldsEntry, error) {
	type key struct{ manager, op, version, sub string }
	at := map[key]int{}
	var out []metav1.ManagedFieldsEntry
	for _, e := range managed {
		k := key{e.Manager, string(e.Operation), e.APIVersion, e.Subresource}
		i, seen := at[k]
		if !seen {
			at[k] = len(out)
			out = append(out, e)
			continue
		}
		a, err := fieldSet(out[i])
		if err != nil {
			return nil, err
		}
		b, err := fieldSet(e)
		if err != nil {
			return nil, err
		}
		raw, err := a.Union(b).ToJSON()
		if err != nil {
			return nil, fmt.Errorf("encode managed fields: %w", err)
		}
		out[i].FieldsType, out[i].FieldsV1 = "FieldsV1", &metav1.FieldsV1{Raw: raw}
		if e.Time != nil && (out[i].Time == nil || out[i].Time.Before(e.Time)) {
			out[i].Time = e.Time
		}
	}
	return out, nil
}

// HandBack readies live, an object flotilla applied from desired, for
// Argo CD: its fields go to Argo CD's managers (HandBackManagers), so
// Argo CD's server-side apply removes a field that later leaves git, and
// kubectl's last-applied annotation is set to desired (as kubectl apply
// writes it), so Argo CD's client-side apply does too. One JSON patch
// guarded by live's resourceVersion, sent as kubectl-client-side-apply,
// which so owns the annotation as after a kubectl apply. It reports
// whether anything changed.
func (c *Client) HandBack(ctx context.Context, live, desired *unstructured.Unstructured) (bool, error) {
	managed, changed, err := HandBackManagers(live.GetManagedFields())
	if err != nil {
		return false, err
	}
	applied, err := withLastApplied(desired)
	if err != nil {
		return false, err
	}
	last := applied.GetAnnotations()[corev1.LastAppliedConfigAnnotation]
	if !changed && live.GetAnnotations()[corev1.LastAppliedConfigAnnotation] == last {
		return false, nil
	}
	ops := []map[string]any{
		{"op": "test", "path": "/metadata/resourceVersion", "value": live.GetResourceVersion()},
		{"op": "replace", "path": "/metadata/managedFields", "value": managed},
	}
	if live.GetAnnotations() == nil {
		ops = append(ops, map[string]any{"op": "add", "path": "/metadata/annotations", "value": map[string]string{corev1.LastAppliedConfigAnnotation: last}})
	} else {
		ops = append(ops, map[string]any{"op": "add", "path": "/metadata/annotations/" + jsonPointerEscape(corev1.LastAppliedConfigAnnotation), "value": last})
	}
	patch, err := json.Marshal(ops)
	if err != nil {
		return false, fmt.Errorf("encode hand-back patch: %w", err)
	}
	ri, err := c.resource(live)
	if err != nil {
		return false, err
	}
	if _, err := ri.Patch(ctx, live.GetName(), types.JSONPatchType, patch, metav1.PatchOptions{FieldManager: handBackPatchFieldOwner}); err != nil {
		return false, fmt.Errorf("hand back %s: %w", describe(live), err)
	}
	return true, nil
}

// jsonPointerEscape escapes one JSON pointer token (RFC 6901).
func jsonPointerEscape(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}
