package apply

import (
	"context"
	"encoding/json"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/jsonmergepatch"
	"k8s.io/apimachinery/pkg/util/strategicpatch"
	"k8s.io/client-go/kubernetes/scheme"
)

// clientSide writes u as `kubectl apply` does without --server-side
// (ServerSideApply=false): the object carries its last applied
// configuration in kubectl's annotation, and an existing object gets a
// three-way patch of that annotation (what was applied), u (what is
// applied now) and the live object, so fields removed from u are removed
// and fields other writers set are kept. Built-in kinds get a strategic
// merge patch, other kinds a JSON merge patch, as kubectl chooses.
func (c *Client) clientSide(ctx context.Context, u *unstructured.Unstructured, dryRun bool, m Mode) (*unstructured.Unstructured, error) {
	ri, err := c.resource(u)
	if err != nil {
		return nil, err
	}
	modified, err := withLastApplied(u)
	if err != nil {
		return nil, err
	}
	live, created, err := c.getOrCreate(ctx, ri, modified, m.fieldValidation(), dryRun)
	if err != nil || created != nil {
		return created, err
	}
	patch, patchType, err := threeWayPatch(u.GroupVersionKind(), live, modified)
	if err != nil {
		return nil, fmt.Errorf("client-side apply %s: %w", describe(u), err)
	}
	if string(patch) == "{}" {
		return live, nil
	}
	out, err := ri.Patch(ctx, u.GetName(), patchType, patch, metav1.PatchOptions{FieldManager: FieldManager, FieldValidation: m.fieldValidation(), DryRun: dryRunOption(dryRun)})
	if err != nil {
		return nil, fmt.Errorf("client-side apply %s: %w", describe(u), err)
	}
	return out, nil
}

// withLastApplied is a copy of u whose last-applied annotation holds u
// itself without that annotation, as kubectl writes it.
func withLastApplied(u *unstructured.Unstructured) (*unstructured.Unstructured, error) {
	out := u.DeepCopy()
	ann := out.GetAnnotations()
	delete(ann, corev1.LastAppliedConfigAnnotation)
	out.SetAnnotations(ann)
	data, err := out.MarshalJSON()
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", describe(u), err)
	}
	if ann == nil {
		ann = map[string]string{}
	}
	ann[corev1.LastAppliedConfigAnnotation] = string(data)
	out.SetAnnotations(ann)
	return out, nil
}

// threeWayPatch is kubectl apply's patch from live (its last-applied
// annotation is the original) to modified.
func threeWayPatch(gvk schema.GroupVersionKind, live, modified *unstructured.Unstructured) ([]byte, types.PatchType, error) {
	original := []byte(live.GetAnnotations()[corev1.LastAppliedConfigAnnotation])
	if len(original) > 0 && !json.Valid(original) {
		original = nil // a hand-edited annotation: two-way, as if absent
	}
	current, err := live.MarshalJSON()
	if err != nil {
		return nil, "", err
	}
	desired, err := modified.MarshalJSON()
	if err != nil {
		return nil, "", err
	}
	if typed, err := scheme.Scheme.New(gvk); err == nil {
		meta, err := strategicpatch.NewPatchMetaFromStruct(typed)
		if err != nil {
			return nil, "", err
		}
		patch, err := strategicpatch.CreateThreeWayMergePatch(original, desired, current, meta, true)
		return patch, types.StrategicMergePatchType, err
	}
	patch, err := jsonmergepatch.CreateThreeWayJSONMergePatch(original, desired, current)
	return patch, types.MergePatchType, err
}
