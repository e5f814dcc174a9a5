package v1alpha1

import (
	"encoding/json"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// ApplicationSource contains all required information about the source of an application
type ApplicationSource struct {
	// RepoURL is the URL to the repository (Git or Helm) that contains the application manifests
	RepoURL string `json:"repoURL"`
	// Path is a directory path within the Git repository, and is only valid for applications sourced from Git.
	Path string `json:"path,omitempty"`
	// TargetRevision defines the revision of the source to sync the application to.
	// In case of Git, this can be commit, tag, or branch. If omitted, will equal to HEAD.
	// In case of Helm, this is a semver tag for the Chart's version.
	TargetRevision string `json:"targetRevision,omitempty"`
	// Helm holds helm specific options
	Helm *ApplicationSourceHelm `json:"helm,omitempty"`
	// Kustomize holds kustomize specific options
	Kustomize *ApplicationSourceKustomize `json:"kustomize,omitempty"`
	// Directory holds path/directory specific options
	Directory *ApplicationSourceDirectory `json:"directory,omitempty"`
	// Plugin holds config management plugin specific options
	Plugin *ApplicationSourcePlugin `json:"plugin,omitempty"`
	// Chart is a Helm chart name, and must be specified for applications sourced from a Helm repo.
	Chart string `json:"chart,omitempty"`
	// Ref is reference to another source within sources field. This field will not be used if used with a `source` tag.
	Ref string `json:"ref,omitempty"`
	// Name is used to refer to a source and is displayed in the UI. It is used in multi-source Applications.
	Name string `json:"name,omitempty"`
}

// IsHelm reports whether the source is a chart from a Helm repository.
func (source *ApplicationSource) IsHelm() bool {
	return source.Chart != ""
}

// IsRef reports whether the source only provides files to other sources ($ref).
func (source *ApplicationSource) IsRef() bool {
	return source.Ref != ""
}

// ApplicationSources contains list of required information about the sources of an application
type ApplicationSources []ApplicationSource

// ApplicationSourceType specifies the type of the application's source
type ApplicationSourceType string

// Source types, as reported in status.sourceType(s).
const (
	ApplicationSourceTypeHelm      ApplicationSourceType = "Helm"
	ApplicationSourceTypeKustomize ApplicationSourceType = "Kustomize"
	ApplicationSourceTypeDirectory ApplicationSourceType = "Directory"
	ApplicationSourceTypePlugin    ApplicationSourceType = "Plugin"
)

// ApplicationSourceHelm holds helm specific options
type ApplicationSourceHelm struct {
	// ValuesFiles is a list of Helm value files to use when generating a template
	ValueFiles []string `json:"valueFiles,omitempty"`
	// Parameters is a list of Helm parameters which are passed to the helm template command upon manifest generation
	Parameters []HelmParameter `json:"parameters,omitempty"`
	// ReleaseName is the Helm release name to use. If omitted it will use the application name
	ReleaseName string `json:"releaseName,omitempty"`
	// Values specifies Helm values to be passed to helm template, typically defined as a block. ValuesObject takes precedence over Values, so use one or the other.
	Values string `json:"values,omitempty"`
	// FileParameters are file parameters to the helm template
	FileParameters []HelmFileParameter `json:"fileParameters,omitempty"`
	// Version is the Helm version to use for templating ("3")
	Version string `json:"version,omitempty"`
	// PassCredentials pass credentials to all domains (Helm's --pass-credentials)
	PassCredentials bool `json:"passCredentials,omitempty"`
	// IgnoreMissingValueFiles prevents helm template from failing when valueFiles do not exist locally by not appending them to helm template --values
	IgnoreMissingValueFiles bool `json:"ignoreMissingValueFiles,omitempty"`
	// SkipCrds skips custom resource definition installation step (Helm's --skip-crds)
	SkipCrds bool `json:"skipCrds,omitempty"`
	// ValuesObject specifies Helm values to be passed to helm template, defined as a map. This takes precedence over Values.
	// +kubebuilder:pruning:PreserveUnknownFields
	ValuesObject *runtime.RawExtension `json:"valuesObject,omitempty"`
	// Namespace is an optional namespace to template with. If left empty, defaults to the app's destination namespace.
	Namespace string `json:"namespace,omitempty"`
	// KubeVersion specifies the Kubernetes API version to pass to Helm when templating manifests.
	KubeVersion string `json:"kubeVersion,omitempty"`
	// APIVersions specifies the Kubernetes resource API versions to pass to Helm when templating manifests.
	// The format is [group/]version/kind.
	APIVersions []string `json:"apiVersions,omitempty"`
	// SkipTests skips test manifest installation step (Helm's --skip-tests).
	SkipTests bool `json:"skipTests,omitempty"`
	// SkipSchemaValidation skips JSON schema validation (Helm's --skip-schema-validation)
	SkipSchemaValidation bool `json:"skipSchemaValidation,omitempty"`
}

// HelmParameter is a parameter that's passed to helm template during manifest generation
type HelmParameter struct {
	// Name is the name of the Helm parameter
	Name string `json:"name,omitempty"`
	// Value is the value for the Helm parameter
	Value string `json:"value,omitempty"`
	// ForceString determines whether to tell Helm to interpret booleans and numbers as strings
	ForceString bool `json:"forceString,omitempty"`
}

// HelmFileParameter is a file parameter that's passed to helm template during manifest generation
type HelmFileParameter struct {
	// Name is the name of the Helm parameter
	Name string `json:"name,omitempty"`
	// Path is the path to the file containing the values for the Helm parameter
	Path string `json:"path,omitempty"`
}

// KustomizeImage represents a Kustomize image definition in the format [old_image_name=]<image_name>:<image_tag>
type KustomizeImage string

// KustomizeImages is a list of Kustomize images
type KustomizeImages []KustomizeImage

// ApplicationSourceKustomize holds options specific to an Application source specific to Kustomize
type ApplicationSourceKustomize struct {
	// NamePrefix is a prefix appended to resources for Kustomize apps
	NamePrefix string `json:"namePrefix,omitempty"`
	// NameSuffix is a suffix appended to resources for Kustomize apps
	NameSuffix string `json:"nameSuffix,omitempty"`
	// Images is a list of Kustomize image override specifications
	Images KustomizeImages `json:"images,omitempty"`
	// CommonLabels is a list of additional labels to add to rendered manifests
	CommonLabels map[string]string `json:"commonLabels,omitempty"`
	// Version controls which version of Kustomize to use for rendering manifests
	Version string `json:"version,omitempty"`
	// CommonAnnotations is a list of additional annotations to add to rendered manifests
	CommonAnnotations map[string]string `json:"commonAnnotations,omitempty"`
	// ForceCommonLabels specifies whether to force applying common labels to resources for Kustomize apps
	ForceCommonLabels bool `json:"forceCommonLabels,omitempty"`
	// ForceCommonAnnotations specifies whether to force applying common annotations to resources for Kustomize apps
	ForceCommonAnnotations bool `json:"forceCommonAnnotations,omitempty"`
	// Namespace sets the namespace that Kustomize adds to all resources
	Namespace string `json:"namespace,omitempty"`
	// CommonAnnotationsEnvsubst specifies whether to apply env variables substitution for annotation values
	CommonAnnotationsEnvsubst bool `json:"commonAnnotationsEnvsubst,omitempty"`
	// Replicas is a list of Kustomize Replicas override specifications
	Replicas KustomizeReplicas `json:"replicas,omitempty"`
	// Patches is a list of Kustomize patches
	Patches KustomizePatches `json:"patches,omitempty"`
	// Components specifies a list of kustomize components to add to the kustomization before building
	Components []string `json:"components,omitempty"`
	// IgnoreMissingComponents prevents kustomize from failing when components do not exist locally
	IgnoreMissingComponents bool `json:"ignoreMissingComponents,omitempty"`
	// LabelWithoutSelector specifies whether to apply common labels to resource selectors or not
	LabelWithoutSelector bool `json:"labelWithoutSelector,omitempty"`
	// KubeVersion specifies the Kubernetes API version to pass to Helm when templating manifests.
	KubeVersion string `json:"kubeVersion,omitempty"`
	// APIVersions specifies the Kubernetes resource API versions to pass to Helm when templating manifests.
	APIVersions []string `json:"apiVersions,omitempty"`
	// LabelIncludeTemplates specifies whether to apply common labels to resource templates or not
	LabelIncludeTemplates bool `json:"labelIncludeTemplates,omitempty"`
}

// KustomizeReplica overrides the replica count of a Deployment or StatefulSet.
type KustomizeReplica struct {
	// Name of Deployment or StatefulSet
	Name string `json:"name"`
	// Number of replicas
	Count intstr.IntOrString `json:"count"`
}

// KustomizeReplicas is a list of KustomizeReplica overrides
type KustomizeReplicas []KustomizeReplica

// KustomizePatches is a list of Kustomize patches
type KustomizePatches []KustomizePatch

// KustomizePatch represents a Kustomize patch
type KustomizePatch struct {
	Path    string             `json:"path,omitempty"`
	Patch   string             `json:"patch,omitempty"`
	Target  *KustomizeSelector `json:"target,omitempty"`
	Options map[string]bool    `json:"options,omitempty"`
}

// KustomizeSelector selects the resources a Kustomize patch applies to.
type KustomizeSelector struct {
	KustomizeResID     `json:",inline"`
	AnnotationSelector string `json:"annotationSelector,omitempty"`
	LabelSelector      string `json:"labelSelector,omitempty"`
}

// KustomizeResID is a resource identifier for Kustomize
type KustomizeResID struct {
	KustomizeGvk `json:",inline"`
	Name         string `json:"name,omitempty"`
	Namespace    string `json:"namespace,omitempty"`
}

// KustomizeGvk is a group/version/kind for Kustomize
type KustomizeGvk struct {
	Group   string `json:"group,omitempty"`
	Version string `json:"version,omitempty"`
	Kind    string `json:"kind,omitempty"`
}

// ApplicationSourceDirectory holds options for applications of type plain YAML or Jsonnet
type ApplicationSourceDirectory struct {
	// Recurse specifies whether to scan a directory recursively for manifests
	Recurse bool `json:"recurse,omitempty"`
	// Jsonnet holds options specific to Jsonnet
	Jsonnet ApplicationSourceJsonnet `json:"jsonnet,omitempty,omitzero"`
	// Exclude contains a glob pattern to match paths against that should be explicitly excluded from being used during manifest generation
	Exclude string `json:"exclude,omitempty"`
	// Include contains a glob pattern to match paths against that should be explicitly included during manifest generation
	Include string `json:"include,omitempty"`
}

// ApplicationSourceJsonnet holds options specific to applications of type Jsonnet
type ApplicationSourceJsonnet struct {
	// ExtVars is a list of Jsonnet External Variables
	ExtVars []JsonnetVar `json:"extVars,omitempty"`
	// TLAS is a list of Jsonnet Top-level Arguments
	TLAs []JsonnetVar `json:"tlas,omitempty"`
	// Additional library search dirs
	Libs []string `json:"libs,omitempty"`
}

// JsonnetVar represents a variable to be passed to jsonnet during manifest generation
type JsonnetVar struct {
	Name  string `json:"name"`
	Value string `json:"value"`
	Code  bool   `json:"code,omitempty"`
}

// ApplicationSourcePlugin holds options specific to config management plugins
type ApplicationSourcePlugin struct {
	Name       string `json:"name,omitempty"`
	Env        `json:"env,omitempty"`
	Parameters ApplicationSourcePluginParameters `json:"parameters,omitempty"`
}

// EnvEntry represents an entry in the application's environment
type EnvEntry struct {
	// Name is the name of the variable, usually expressed in uppercase
	Name string `json:"name"`
	// Value is the value of the variable
	Value string `json:"value"`
}

// Env is a list of environment variable entries
type Env []*EnvEntry

// ApplicationSourcePluginParameters is a list of plugin parameters
type ApplicationSourcePluginParameters []ApplicationSourcePluginParameter

// ApplicationSourcePluginParameter is a parameter for a config management
// plugin: a string, a map or an array, under a name.
type ApplicationSourcePluginParameter struct {
	// Name is the name identifying a parameter.
	Name string `json:"name,omitempty"`
	// String_ is the value of a string type parameter.
	String_ *string `json:"string,omitempty"` //nolint:revive // Argo CD's name
	// Map is the value of a map type parameter.
	*OptionalMap `json:",omitempty"`
	// Array is the value of an array type parameter.
	*OptionalArray `json:",omitempty"`
}

// OptionalMap is a map parameter that can be present and empty.
type OptionalMap struct {
	// Map is the value of a map type parameter.
	// +optional
	Map map[string]string `json:"map"`
}

// OptionalArray is an array parameter that can be present and empty.
type OptionalArray struct {
	// Array is the value of an array type parameter.
	// +optional
	Array []string `json:"array"`
}

// MarshalJSON writes a present but empty map or array as {} or [] rather
// than null, as Argo CD does, so that "present and empty" survives a round
// trip.
func (p ApplicationSourcePluginParameter) MarshalJSON() ([]byte, error) {
	out := map[string]any{"name": p.Name}
	if p.String_ != nil {
		out["string"] = *p.String_
	}
	if p.OptionalMap != nil {
		if p.OptionalMap.Map == nil {
			out["map"] = map[string]string{}
		} else {
			out["map"] = p.OptionalMap.Map
		}
	}
	if p.OptionalArray != nil {
		if p.OptionalArray.Array == nil {
			out["array"] = []string{}
		} else {
			out["array"] = p.OptionalArray.Array
		}
	}
	return json.Marshal(out)
}
