package install

import (
	"context"
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"flotilla.dev/flotilla/internal/apply"
)

// Apply server-side applies objs in order, waiting for the CRDs among them
// to be established before what follows. Applying again changes nothing.
func Apply(ctx context.Context, c *apply.Client, objs []*unstructured.Unstructured) error {
	var crds []*unstructured.Unstructured
	for _, o := range objs {
		if o.GetKind() == "CustomResourceDefinition" {
			crds = append(crds, o)
		}
	}
	if err := applyCRDs(ctx, c, crds); err != nil {
		return err
	}
	for _, o := range objs {
		if o.GetKind() == "CustomResourceDefinition" {
			continue
		}
		if _, err := c.Apply(ctx, o); err != nil {
			return fmt.Errorf("install: %w", err)
		}
	}
	return nil
}
