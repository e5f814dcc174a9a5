package appctl

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/apply"
)

// argoCDConfigMap holds Argo CD's tracking settings in the controller's
// namespace (internal/controller.ArgoCDConfigMap).
const argoCDConfigMap = "argocd-cm"

// tracking is the tracking a diff of app compares with: read from
// argocd-cm in the controller's namespace when opts.Settings is set (as
// the controller reads it; a missing or unreadable ConfigMap is Argo CD's
// default), else opts.Tracking.
func tracking(ctx context.Context, app *v1alpha1.Application, opts DiffOptions) (apply.Tracking, error) {
	if opts.Settings == nil {
		return opts.Tracking, nil
	}
	var cm corev1.ConfigMap
	key := client.ObjectKey{Namespace: controllerNamespace(app, opts), Name: argoCDConfigMap}
	err := opts.Settings.Get(ctx, key, &cm)
	switch {
	case apierrors.IsNotFound(err), apierrors.IsForbidden(err):
		return opts.Tracking, nil
	case err != nil:
		return apply.Tracking{}, fmt.Errorf("read tracking settings %s/%s: %w", key.Namespace, key.Name, err)
	}
	t, _ := apply.ParseTracking(cm.Data["application.resourceTrackingMethod"], cm.Data["application.instanceLabelKey"])
	return t, nil
}
