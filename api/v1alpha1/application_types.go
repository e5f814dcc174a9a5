package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Application is a definition of Application resource.
//
// Argo CD's Application CRD has no status subresource: the controller writes
// the whole object, and operation is a top-level field next to spec and status.
//
// +kubebuilder:object:root=true
// +kubebuilder:resource:path=applications,shortName=app;apps,categories=argocd
// +kubebuilder:printcolumn:name="Sync Status",type=string,JSONPath=`.status.sync.status`
// +kubebuilder:printcolumn:name="Health Status",type=string,JSONPath=`.status.health.status`
// +kubebuilder:printcolumn:name="Revision",type=string,JSONPath=`.status.sync.revision`,priority=10
// +kubebuilder:printcolumn:name="Project",type=string,JSONPath=`.spec.project`,priority=10
type Application struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              ApplicationSpec   `json:"spec"`
	Status            ApplicationStatus `json:"status,omitempty,omitzero"`
	// Operation is a requested operation (a sync). Setting it starts the
	// operation; the controller clears it when the operation completes.
	Operation *Operation `json:"operation,omitempty"`
}

// ApplicationList is list of Application resources.
//
// +kubebuilder:object:root=true
type ApplicationList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata"`
	Items           []Application `json:"items"`
}

// ApplicationSpec represents desired application state. Contains link to
// repository with application definition and additional parameters link
// definition revision.
type ApplicationSpec struct {
	// Source is a reference to the location of the application's manifests or chart
	Source *ApplicationSource `json:"source,omitempty"`
	// Destination is a reference to the target Kubernetes server and namespace
	Destination ApplicationDestination `json:"destination"`
	// Project is a reference to the project this application belongs to.
	// The empty string means that application belongs to the 'default' project.
	Project string `json:"project"`
	// SyncPolicy controls when and how a sync will be performed
	SyncPolicy *SyncPolicy `json:"syncPolicy,omitempty"`
	// IgnoreDifferences is a list of resources and their fields which should be ignored during comparison
	IgnoreDifferences IgnoreDifferences `json:"ignoreDifferences,omitempty"`
	// Info contains a list of information (URLs, email addresses, and plain text) that relates to the application
	Info []Info `json:"info,omitempty"`
	// RevisionHistoryLimit limits the number of items kept in the application's revision history.
	// Default is 10; zero keeps no history.
	RevisionHistoryLimit *int64 `json:"revisionHistoryLimit,omitempty"`
	// Sources is a reference to the location of the application's manifests or chart
	Sources ApplicationSources `json:"sources,omitempty"`
	// SourceHydrator provides a way to push hydrated manifests back to git before syncing them to the cluster.
	SourceHydrator *SourceHydrator `json:"sourceHydrator,omitempty"`
}

// GetSources returns the sources of the application: spec.sources when set,
// otherwise spec.source as a one-element list, otherwise an empty list. With a
// source hydrator it returns the source to sync from.
func (spec *ApplicationSpec) GetSources() ApplicationSources {
	if spec.SourceHydrator != nil {
		return ApplicationSources{spec.SourceHydrator.GetSyncSource()}
	}
	if spec.HasMultipleSources() {
		return spec.Sources
	}
	if spec.Source != nil {
		return ApplicationSources{*spec.Source}
	}
	return ApplicationSources{}
}

// GetSource returns the single source of the application, or the first of
// spec.sources for a multi-source application.
func (spec *ApplicationSpec) GetSource() ApplicationSource {
	if spec.SourceHydrator != nil {
		return spec.SourceHydrator.GetSyncSource()
	}
	if spec.HasMultipleSources() {
		return spec.Sources[0]
	}
	if spec.Source != nil {
		return *spec.Source
	}
	return ApplicationSource{}
}

// HasMultipleSources reports whether the application uses spec.sources.
// As in Argo CD, spec.sources wins over spec.source when both are set.
func (spec *ApplicationSpec) HasMultipleSources() bool {
	return spec.SourceHydrator == nil && len(spec.Sources) > 0
}

// GetProject returns the project, "default" when empty.
func (spec *ApplicationSpec) GetProject() string {
	if spec.Project == "" {
		return DefaultAppProjectName
	}
	return spec.Project
}

// DefaultAppProjectName is the project of an application whose spec.project is empty.
const DefaultAppProjectName = "default"

// ApplicationDestination holds information about the application's destination
type ApplicationDestination struct {
	// Server specifies the URL of the target cluster's Kubernetes control plane API. This must be set if Name is not set.
	Server string `json:"server,omitempty"`
	// Namespace specifies the target namespace for the application's resources.
	// The namespace will only be set for namespace-scoped resources that have not set a value for .metadata.namespace
	Namespace string `json:"namespace,omitempty"`
	// Name is an alternate way of specifying the target cluster by its symbolic name. This must be set if Server is not set.
	Name string `json:"name,omitempty"`
}

// SyncPolicy controls when a sync will be performed in response to updates in git
type SyncPolicy struct {
	// Automated will keep an application synced to the target revision
	Automated *SyncPolicyAutomated `json:"automated,omitempty"`
	// Options allow you to specify whole app sync-options
	SyncOptions SyncOptions `json:"syncOptions,omitempty"`
	// Retry controls failed sync retry behavior
	Retry *RetryStrategy `json:"retry,omitempty"`
	// ManagedNamespaceMetadata controls metadata in the given namespace (if CreateNamespace=true)
	ManagedNamespaceMetadata *ManagedNamespaceMetadata `json:"managedNamespaceMetadata,omitempty"`
}

// IsAutomatedSyncEnabled reports whether automated sync is on: automated is
// set and its enabled flag is not explicitly false.
func (p *SyncPolicy) IsAutomatedSyncEnabled() bool {
	if p == nil || p.Automated == nil {
		return false
	}
	return p.Automated.Enabled == nil || *p.Automated.Enabled
}

// SyncPolicyAutomated controls the behavior of an automated sync
type SyncPolicyAutomated struct {
	// Prune specifies whether to delete resources from the cluster that are not found in the sources anymore as part of automated sync (default: false)
	Prune bool `json:"prune,omitempty"`
	// SelfHeal specifies whether to revert resources back to their desired state upon modification in the cluster (default: false)
	SelfHeal bool `json:"selfHeal,omitempty"`
	// AllowEmpty allows apps have zero live resources (default: false)
	AllowEmpty bool `json:"allowEmpty,omitempty"`
	// Enabled allows apps to explicitly control automated sync; unset means enabled
	Enabled *bool `json:"enabled,omitempty"`
}

// SyncOptions is a list of sync options such as CreateNamespace=true.
type SyncOptions []string

// HasOption reports whether the list contains the given option.
func (o SyncOptions) HasOption(option string) bool {
	for _, existing := range o {
		if existing == option {
			return true
		}
	}
	return false
}

// RetryStrategy contains information about the strategy to apply when a sync failed
type RetryStrategy struct {
	// Limit is the maximum number of attempts for retrying a failed sync. If set to 0, no retries will be performed.
	Limit int64 `json:"limit,omitempty"`
	// Backoff controls how to backoff on subsequent retries of failed syncs
	Backoff *Backoff `json:"backoff,omitempty"`
	// Refresh indicates if the latest revision should be used on retry instead of the initial one (default: false)
	Refresh bool `json:"refresh,omitempty"`
}

// Backoff is the backoff strategy to use on subsequent retries for failing syncs
type Backoff struct {
	// Duration is the amount to back off. Default unit is seconds, but could also be a duration (e.g. "2m", "1h")
	Duration string `json:"duration,omitempty"`
	// Factor is a factor to multiply the base duration after each failed retry
	Factor *int64 `json:"factor,omitempty"`
	// MaxDuration is the maximum amount of time allowed for the backoff strategy
	MaxDuration string `json:"maxDuration,omitempty"`
}

// ManagedNamespaceMetadata is the metadata given to a namespace created by CreateNamespace=true.
type ManagedNamespaceMetadata struct {
	Labels      map[string]string `json:"labels,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
}

// IgnoreDifferences is a list of resource filters that should be ignored during comparison
type IgnoreDifferences []ResourceIgnoreDifferences

// ResourceIgnoreDifferences contains resource filter and list of json paths which should be ignored during comparison with live state.
type ResourceIgnoreDifferences struct {
	Group             string   `json:"group,omitempty"`
	Kind              string   `json:"kind"`
	Name              string   `json:"name,omitempty"`
	Namespace         string   `json:"namespace,omitempty"`
	JSONPointers      []string `json:"jsonPointers,omitempty"`
	JQPathExpressions []string `json:"jqPathExpressions,omitempty"`
	// ManagedFieldsManagers is a list of trusted managers. Fields mutated by those managers will take precedence over the
	// desired state defined in the SCM and won't be displayed in diffs
	ManagedFieldsManagers []string `json:"managedFieldsManagers,omitempty"`
}

// Info is a name/value pair of information about an application or operation.
type Info struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// SourceHydrator specifies a dry "don't repeat yourself" source for manifests, a sync source from which to sync
// hydrated manifests, and an optional hydrateTo location to act as a "staging" area for hydrated manifests.
type SourceHydrator struct {
	// DrySource specifies where the dry "don't repeat yourself" manifest source lives.
	DrySource DrySource `json:"drySource"`
	// SyncSource specifies where to sync hydrated manifests from.
	SyncSource SyncSource `json:"syncSource"`
	// HydrateTo specifies an optional "staging" location to push hydrated manifests to.
	HydrateTo *HydrateTo `json:"hydrateTo,omitempty"`
}

// GetSyncSource returns the source from which hydrated manifests are synced.
func (s SourceHydrator) GetSyncSource() ApplicationSource {
	return ApplicationSource{
		RepoURL:        s.DrySource.RepoURL,
		Path:           s.SyncSource.Path,
		TargetRevision: s.SyncSource.TargetBranch,
	}
}

// DrySource specifies a location for dry "don't repeat yourself" manifest source information.
type DrySource struct {
	// RepoURL is the URL to the git repository that contains the application manifests
	RepoURL string `json:"repoURL"`
	// TargetRevision defines the revision of the source to hydrate
	TargetRevision string `json:"targetRevision"`
	// Path is a directory path within the Git repository where the manifests are located
	Path string `json:"path"`
	// Helm specifies helm specific options
	Helm *ApplicationSourceHelm `json:"helm,omitempty"`
	// Kustomize specifies kustomize specific options
	Kustomize *ApplicationSourceKustomize `json:"kustomize,omitempty"`
	// Directory specifies path/directory specific options
	Directory *ApplicationSourceDirectory `json:"directory,omitempty"`
	// Plugin specifies config management plugin specific options
	Plugin *ApplicationSourcePlugin `json:"plugin,omitempty"`
}

// SyncSource specifies a location from which hydrated manifests may be synced.
type SyncSource struct {
	// TargetBranch is the branch from which hydrated manifests will be synced.
	TargetBranch string `json:"targetBranch"`
	// Path is a directory path within the git repository where hydrated manifests should be committed to and synced from.
	Path string `json:"path"`
}

// HydrateTo specifies a location to which hydrated manifests should be pushed as a "staging area".
type HydrateTo struct {
	// TargetBranch is the branch to which hydrated manifests should be committed
	TargetBranch string `json:"targetBranch"`
}
