package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Group is the API group of every type in this package.
const Group = "argoproj.io"

// Version is the API version of every type in this package.
const Version = "v1alpha1"

// Kinds and resource names, as Argo CD registers them.
const (
	ApplicationKind    = "Application"
	AppProjectKind     = "AppProject"
	ApplicationSetKind = "ApplicationSet"

	ApplicationPlural    = "applications"
	AppProjectPlural     = "appprojects"
	ApplicationSetPlural = "applicationsets"
)

var (
	// SchemeGroupVersion is the group and version of this package.
	SchemeGroupVersion = schema.GroupVersion{Group: Group, Version: Version}

	// ApplicationGroupVersionKind is the GVK of Application.
	ApplicationGroupVersionKind = SchemeGroupVersion.WithKind(ApplicationKind)
	// AppProjectGroupVersionKind is the GVK of AppProject.
	AppProjectGroupVersionKind = SchemeGroupVersion.WithKind(AppProjectKind)
	// ApplicationSetGroupVersionKind is the GVK of ApplicationSet.
	ApplicationSetGroupVersionKind = SchemeGroupVersion.WithKind(ApplicationSetKind)

	// SchemeBuilder registers the types of this package with a scheme.
	SchemeBuilder = runtime.NewSchemeBuilder(addKnownTypes)
	// AddToScheme adds the types of this package to a scheme.
	AddToScheme = SchemeBuilder.AddToScheme
)

// Resource returns the GroupResource of a resource name in this group.
func Resource(resource string) schema.GroupResource {
	return SchemeGroupVersion.WithResource(resource).GroupResource()
}

func addKnownTypes(scheme *runtime.Scheme) error {
	scheme.AddKnownTypes(SchemeGroupVersion,
		&Application{},
		&ApplicationList{},
		&AppProject{},
		&AppProjectList{},
		&ApplicationSet{},
		&ApplicationSetList{},
	)
	metav1.AddToGroupVersion(scheme, SchemeGroupVersion)
	return nil
}
