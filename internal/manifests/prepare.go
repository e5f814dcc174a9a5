package manifests

import (
	"errors"
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/apply"
)

// Scope tells whether a kind is namespaced; it returns an error wrapping
// apply.ErrUnknownKind for a kind it does not know.
type Scope interface {
	Namespaced(gk schema.GroupKind, version string) (bool, error)
}

// Prepare makes rendered objects ready to apply, exactly as Argo CD does:
// namespaced objects without a namespace get the destination namespace,
// cluster-scoped objects lose any namespace, and every object gets the
// app's tracking id in Argo CD's form (apply.TrackingIDIn: its instance name, see InstanceName, with the
// controller's namespace controllerNS). A kind the scope does not know is
// an error, unless a CRD in the same set defines it.
func Prepare(app *v1alpha1.Application, objs []*unstructured.Unstructured, scope Scope, controllerNS string) error {
	crdScopes := definedKinds(objs)
	skipAll := app.Spec.SyncPolicy != nil && app.Spec.SyncPolicy.SyncOptions.HasOption("SkipDryRunOnMissingResource=true")
	var errs []string
	for _, u := range objs {
		namespaced, err := isNamespaced(scope, u, crdScopes)
		if err != nil && errors.Is(err, apply.ErrUnknownKind) && (skipAll || skipsDryRun(u)) {
			namespaced, err = true, nil // its CRD is expected from elsewhere
		}
		if err != nil {
			errs = append(errs, err.Error())
			continue
		}
		switch {
		case !namespaced:
			u.SetNamespace("")
		case u.GetNamespace() == "":
			u.SetNamespace(app.Spec.Destination.Namespace)
		}
		if namespaced && u.GetNamespace() == "" {
			errs = append(errs, fmt.Sprintf("%s %s is namespaced but neither it nor the destination names a namespace", u.GetKind(), u.GetName()))
			continue
		}
		apply.SetTrackingIn(u, InstanceName(app, controllerNS), app.Spec.Destination.Namespace)
	}
	if len(errs) > 0 {
		return errors.New(strings.Join(errs, "; "))
	}
	return nil
}

// InstanceName is the name Argo CD puts in tracking ids: the app's name
// for apps in the controller's namespace controllerNS (or with no
// namespace), `<namespace>_<name>` for apps in any other namespace.
func InstanceName(app *v1alpha1.Application, controllerNS string) string {
	if app.Namespace == "" || app.Namespace == controllerNS {
		return app.Name
	}
	return app.Namespace + "_" + app.Name
}

func isNamespaced(scope Scope, u *unstructured.Unstructured, crdScopes map[schema.GroupKind]bool) (bool, error) {
	gvk := u.GroupVersionKind()
	namespaced, err := scope.Namespaced(gvk.GroupKind(), gvk.Version)
	if errors.Is(err, apply.ErrUnknownKind) {
		if ns, ok := crdScopes[gvk.GroupKind()]; ok {
			return ns, nil
		}
		return false, fmt.Errorf("%s %s: %w: the cluster does not know kind %s in %s", u.GetKind(), u.GetName(), apply.ErrUnknownKind, gvk.Kind, gvk.GroupVersion())
	}
	return namespaced, err
}

// definedKinds returns the kinds defined by CRDs among objs, with whether
// each is namespaced.
func definedKinds(objs []*unstructured.Unstructured) map[schema.GroupKind]bool {
	out := map[schema.GroupKind]bool{}
	for _, u := range objs {
		if u.GetKind() != "CustomResourceDefinition" || u.GroupVersionKind().Group != "apiextensions.k8s.io" {
			continue
		}
		group, _, _ := unstructured.NestedString(u.Object, "spec", "group")
		kind, _, _ := unstructured.NestedString(u.Object, "spec", "names", "kind")
		scope, _, _ := unstructured.NestedString(u.Object, "spec", "scope")
		out[schema.GroupKind{Group: group, Kind: kind}] = scope == "Namespaced"
	}
	return out
}

// OfflineScope knows the scope of the built-in kinds without a cluster:
// the cluster-scoped ones are listed, every other kind is taken as
// namespaced. `flotilla render` uses it.
type OfflineScope struct{}

var clusterScoped = map[schema.GroupKind]bool{
	{Kind: "Namespace"}: true, {Kind: "Node"}: true, {Kind: "PersistentVolume"}: true,
	{Kind: "ComponentStatus"}:                                                         true,
	{Group: "rbac.authorization.k8s.io", Kind: "ClusterRole"}:                         true,
	{Group: "rbac.authorization.k8s.io", Kind: "ClusterRoleBinding"}:                  true,
	{Group: "apiextensions.k8s.io", Kind: "CustomResourceDefinition"}:                 true,
	{Group: "apiregistration.k8s.io", Kind: "APIService"}:                             true,
	{Group: "storage.k8s.io", Kind: "StorageClass"}:                                   true,
	{Group: "storage.k8s.io", Kind: "CSIDriver"}:                                      true,
	{Group: "storage.k8s.io", Kind: "CSINode"}:                                        true,
	{Group: "storage.k8s.io", Kind: "VolumeAttachment"}:                               true,
	{Group: "scheduling.k8s.io", Kind: "PriorityClass"}:                               true,
	{Group: "networking.k8s.io", Kind: "IngressClass"}:                                true,
	{Group: "node.k8s.io", Kind: "RuntimeClass"}:                                      true,
	{Group: "admissionregistration.k8s.io", Kind: "ValidatingWebhookConfiguration"}:   true,
	{Group: "admissionregistration.k8s.io", Kind: "MutatingWebhookConfiguration"}:     true,
	{Group: "admissionregistration.k8s.io", Kind: "ValidatingAdmissionPolicy"}:        true,
	{Group: "admissionregistration.k8s.io", Kind: "ValidatingAdmissionPolicyBinding"}: true,
	{Group: "certificates.k8s.io", Kind: "CertificateSigningRequest"}:                 true,
	{Group: "flowcontrol.apiserver.k8s.io", Kind: "FlowSchema"}:                       true,
	{Group: "flowcontrol.apiserver.k8s.io", Kind: "PriorityLevelConfiguration"}:       true,
	{Group: "argoproj.io", Kind: "ClusterWorkflowTemplate"}:                           true,
}

// Namespaced implements Scope.
func (OfflineScope) Namespaced(gk schema.GroupKind, _ string) (bool, error) {
	return !clusterScoped[gk], nil
}

func skipsDryRun(u *unstructured.Unstructured) bool {
	return strings.Contains(u.GetAnnotations()["argocd.argoproj.io/sync-options"], "SkipDryRunOnMissingResource=true")
}
