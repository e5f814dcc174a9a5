package install

import (
	"context"
	"fmt"
	"io/fs"
	"sort"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/wait"

	"flotilla.dev/flotilla/config"
	"flotilla.dev/flotilla/internal/apply"
	"flotilla.dev/flotilla/internal/health"
	"flotilla.dev/flotilla/internal/object"
)

// CRDs returns the CustomResourceDefinitions of Application, AppProject and
// ApplicationSet.
func CRDs() ([]*unstructured.Unstructured, error) {
	names, err := fs.Glob(config.CRDs, "crd/*.yaml")
	if err != nil {
		return nil, fmt.Errorf("list crds: %w", err)
	}
	sort.Strings(names)
	var out []*unstructured.Unstructured
	for _, n := range names {
		data, err := fs.ReadFile(config.CRDs, n)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", n, err)
		}
		objs, err := object.Decode(data)
		if err != nil {
			return nil, fmt.Errorf("decode %s: %w", n, err)
		}
		out = append(out, objs...)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no crds embedded")
	}
	return out, nil
}

// ApplyCRDs server-side applies the CRDs and waits until each is
// established.
func ApplyCRDs(ctx context.Context, c *apply.Client) error {
	crds, err := CRDs()
	if err != nil {
		return err
	}
	return applyCRDs(ctx, c, crds)
}

func applyCRDs(ctx context.Context, c *apply.Client, crds []*unstructured.Unstructured) error {
	for _, crd := range crds {
		if _, err := c.Apply(ctx, crd); err != nil {
			return fmt.Errorf("install crds: %w", err)
		}
	}
	for _, crd := range crds {
		err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
			live, err := c.Get(ctx, crd)
			if err != nil || live == nil {
				return false, err
			}
			return health.Assess(live).Code == health.Healthy, nil
		})
		if err != nil {
			return fmt.Errorf("crd %s not established: %w", crd.GetName(), err)
		}
	}
	return nil
}
