package v1alpha1

import (
	"sort"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ApplicationStatus contains status information for the application
type ApplicationStatus struct {
	// Resources is a list of Kubernetes resources managed by this application
	Resources []ResourceStatus `json:"resources,omitempty"`
	// Sync contains information about the application's current sync status
	Sync SyncStatus `json:"sync,omitempty,omitzero"`
	// Health contains information about the application's current health status
	Health AppHealthStatus `json:"health,omitempty,omitzero"`
	// History contains information about the application's sync history
	History RevisionHistories `json:"history,omitempty"`
	// Conditions is a list of currently observed application conditions
	Conditions []ApplicationCondition `json:"conditions,omitempty"`
	// ReconciledAt indicates when the application state was reconciled using the latest git version
	ReconciledAt *metav1.Time `json:"reconciledAt,omitempty"`
	// OperationState contains information about any ongoing operations, such as a sync
	OperationState *OperationState `json:"operationState,omitempty"`
	// ObservedAt indicates when the application state was updated without querying latest git state
	//
	// Deprecated: controller no longer updates ObservedAt field
	ObservedAt *metav1.Time `json:"observedAt,omitempty"`
	// SourceType specifies the type of this application
	SourceType ApplicationSourceType `json:"sourceType,omitempty"`
	// Summary contains a list of URLs and container images used by this application
	Summary ApplicationSummary `json:"summary,omitempty,omitzero"`
	// ResourceHealthSource indicates where the resource health status is stored: inline if not set or appTree
	ResourceHealthSource ResourceHealthLocation `json:"resourceHealthSource,omitempty"`
	// SourceTypes specifies the type of the sources included in the application
	SourceTypes []ApplicationSourceType `json:"sourceTypes,omitempty"`
	// ControllerNamespace indicates the namespace in which the application controller is located
	ControllerNamespace string `json:"controllerNamespace,omitempty"`
	// SourceHydrator stores information about the current state of source hydration
	SourceHydrator SourceHydratorStatus `json:"sourceHydrator,omitempty,omitzero"`
}

// ResourceHealthLocation indicates where the resource health status is stored
type ResourceHealthLocation string

// Where resource health is stored.
const (
	ResourceHealthLocationInline  ResourceHealthLocation = ""
	ResourceHealthLocationAppTree ResourceHealthLocation = "appTree"
)

// ResourceStatus holds the current synchronization and health status of a Kubernetes resource.
type ResourceStatus struct {
	// Group represents the API group of the resource (e.g., "apps" for Deployments).
	Group string `json:"group,omitempty"`
	// Version indicates the API version of the resource (e.g., "v1", "v1beta1").
	Version string `json:"version,omitempty"`
	// Kind specifies the type of the resource (e.g., "Deployment", "Service").
	Kind string `json:"kind,omitempty"`
	// Namespace defines the Kubernetes namespace where the resource is located.
	Namespace string `json:"namespace,omitempty"`
	// Name is the unique name of the resource within the namespace.
	Name string `json:"name,omitempty"`
	// Status represents the synchronization state of the resource (e.g., Synced, OutOfSync).
	Status SyncStatusCode `json:"status,omitempty"`
	// Health indicates the health status of the resource (e.g., Healthy, Degraded, Progressing).
	Health *HealthStatus `json:"health,omitempty"`
	// Hook is true if the resource is used as a lifecycle hook in an Argo CD application.
	Hook bool `json:"hook,omitempty"`
	// RequiresPruning is true if the resource needs to be pruned (deleted) as part of synchronization.
	RequiresPruning bool `json:"requiresPruning,omitempty"`
	// SyncWave determines the order in which resources are applied during a sync operation.
	SyncWave int64 `json:"syncWave,omitempty"`
	// RequiresDeletionConfirmation is true if the resource requires explicit user confirmation before deletion.
	RequiresDeletionConfirmation bool `json:"requiresDeletionConfirmation,omitempty"`
}

// SyncStatus contains information about the currently observed live and desired states of an application
type SyncStatus struct {
	// Status is the sync state of the comparison
	Status SyncStatusCode `json:"status"`
	// ComparedTo contains information about what has been compared
	ComparedTo ComparedTo `json:"comparedTo,omitempty,omitzero"`
	// Revision contains information about the revision the comparison has been performed to
	Revision string `json:"revision,omitempty"`
	// Revisions contains information about the revisions of multiple sources the comparison has been performed to
	Revisions []string `json:"revisions,omitempty"`
}

// ComparedTo contains application source and target which was used for resources comparison
type ComparedTo struct {
	// Source is a reference to the application's source used for comparison
	Source ApplicationSource `json:"source,omitempty,omitzero"`
	// Destination is a reference to the application's destination used for comparison
	Destination ApplicationDestination `json:"destination"`
	// Sources is a reference to the application's multiple sources used for comparison
	Sources ApplicationSources `json:"sources,omitempty"`
	// IgnoreDifferences is a reference to the application's ignored differences used for comparison
	IgnoreDifferences IgnoreDifferences `json:"ignoreDifferences,omitempty"`
}

// AppHealthStatus contains information about the currently observed health state of an application
type AppHealthStatus struct {
	// Status holds the status code of the application
	Status HealthStatusCode `json:"status,omitempty"`
	// Message is a human-readable informational message describing the health status
	//
	// Deprecated: Argo CD 3 no longer sets it at the application level.
	Message string `json:"message,omitempty"`
	// LastTransitionTime is the time the HealthStatus was set or updated
	LastTransitionTime *metav1.Time `json:"lastTransitionTime,omitempty"`
}

// HealthStatus contains information about the currently observed health state of a resource
type HealthStatus struct {
	// Status holds the status code of the resource
	Status HealthStatusCode `json:"status,omitempty"`
	// Message is a human-readable informational message describing the health status
	Message string `json:"message,omitempty"`
	// LastTransitionTime is the time the HealthStatus was set or updated
	LastTransitionTime *metav1.Time `json:"lastTransitionTime,omitempty"`
}

// RevisionHistories is a array of history, oldest first and newest last
type RevisionHistories []RevisionHistory

// LastRevisionHistory returns the newest history entry; ok is false when the history is empty.
func (in RevisionHistories) LastRevisionHistory() (last RevisionHistory, ok bool) {
	if len(in) == 0 {
		return RevisionHistory{}, false
	}
	return in[len(in)-1], true
}

// RevisionHistory contains history information about a previous sync
type RevisionHistory struct {
	// Revision holds the revision the sync was performed against
	Revision string `json:"revision,omitempty"`
	// DeployedAt holds the time the sync operation completed
	DeployedAt metav1.Time `json:"deployedAt"`
	// ID is an auto incrementing identifier of the RevisionHistory
	ID int64 `json:"id"`
	// Source is a reference to the application source used for the sync operation
	Source ApplicationSource `json:"source,omitempty,omitzero"`
	// DeployStartedAt holds the time the sync operation started
	DeployStartedAt *metav1.Time `json:"deployStartedAt,omitempty"`
	// Sources is a reference to the application sources used for the sync operation
	Sources ApplicationSources `json:"sources,omitempty"`
	// Revisions holds the revision of each source in sources field the sync was performed against
	Revisions []string `json:"revisions,omitempty"`
	// InitiatedBy contains information about who initiated the operations
	InitiatedBy OperationInitiator `json:"initiatedBy,omitempty,omitzero"`
}

// ApplicationCondition contains details about an application condition, which is usually an error or warning
type ApplicationCondition struct {
	// Type is an application condition type
	Type ApplicationConditionType `json:"type"`
	// Message contains human-readable message indicating details about condition
	Message string `json:"message"`
	// LastTransitionTime is the time the condition was last observed
	LastTransitionTime *metav1.Time `json:"lastTransitionTime,omitempty"`
}

// IsError reports whether the condition is an error (its type ends in "Error").
func (c ApplicationCondition) IsError() bool {
	return strings.HasSuffix(string(c.Type), "Error")
}

// ApplicationSummary contains information about URLs and container images used by an application
type ApplicationSummary struct {
	// ExternalURLs holds all external URLs of application child resources.
	ExternalURLs []string `json:"externalURLs,omitempty"`
	// Images holds all images of application child resources.
	Images []string `json:"images,omitempty"`
}

// SourceHydratorStatus contains information about the current state of source hydration
type SourceHydratorStatus struct {
	// LastSuccessfulOperation holds info about the most recent successful hydration
	LastSuccessfulOperation *SuccessfulHydrateOperation `json:"lastSuccessfulOperation,omitempty"`
	// CurrentOperation holds the status of the hydrate operation
	CurrentOperation *HydrateOperation `json:"currentOperation,omitempty"`
}

// HydrateOperation contains information about the most recent hydrate operation
type HydrateOperation struct {
	// StartedAt indicates when the hydrate operation started
	StartedAt metav1.Time `json:"startedAt,omitempty,omitzero"`
	// FinishedAt indicates when the hydrate operation finished
	FinishedAt *metav1.Time `json:"finishedAt,omitempty"`
	// Phase indicates the status of the hydrate operation
	Phase HydrateOperationPhase `json:"phase"`
	// Message contains a message describing the current status of the hydrate operation
	Message string `json:"message"`
	// DrySHA holds the resolved revision (sha) of the dry source as of the most recent reconciliation
	DrySHA string `json:"drySHA,omitempty"`
	// HydratedSHA holds the resolved revision (sha) of the hydrated source as of the most recent reconciliation
	HydratedSHA string `json:"hydratedSHA,omitempty"`
	// SourceHydrator holds the hydrator config used for the hydrate operation
	SourceHydrator SourceHydrator `json:"sourceHydrator,omitempty,omitzero"`
}

// SuccessfulHydrateOperation contains information about the most recent successful hydrate operation
type SuccessfulHydrateOperation struct {
	// DrySHA holds the resolved revision (sha) of the dry source as of the most recent reconciliation
	DrySHA string `json:"drySHA,omitempty"`
	// HydratedSHA holds the resolved revision (sha) of the hydrated source as of the most recent reconciliation
	HydratedSHA string `json:"hydratedSHA,omitempty"`
	// SourceHydrator holds the hydrator config used for the hydrate operation
	SourceHydrator SourceHydrator `json:"sourceHydrator,omitempty,omitzero"`
}

// HydrateOperationPhase indicates the status of a hydrate operation
// +kubebuilder:validation:Enum=Hydrating;Failed;Hydrated
type HydrateOperationPhase string

// Hydrate operation phases.
const (
	HydrateOperationPhaseHydrating HydrateOperationPhase = "Hydrating"
	HydrateOperationPhaseFailed    HydrateOperationPhase = "Failed"
	HydrateOperationPhaseHydrated  HydrateOperationPhase = "Hydrated"
)

// SyncStatusCode is a type which represents possible comparison results
type SyncStatusCode string

// Possible comparison results
const (
	// SyncStatusCodeUnknown indicates that the status of a sync could not be reliably determined
	SyncStatusCodeUnknown SyncStatusCode = "Unknown"
	// SyncStatusCodeSynced indicates that desired and live states match
	SyncStatusCodeSynced SyncStatusCode = "Synced"
	// SyncStatusCodeOutOfSync indicates that there is a drift between desired and live states
	SyncStatusCodeOutOfSync SyncStatusCode = "OutOfSync"
)

// HealthStatusCode is the health of a resource or an application.
type HealthStatusCode string

// Health status codes, as in Argo CD (gitops-engine).
const (
	// HealthStatusUnknown: health assessment failed.
	HealthStatusUnknown HealthStatusCode = "Unknown"
	// HealthStatusProgressing: the resource is not healthy yet but still making progress.
	HealthStatusProgressing HealthStatusCode = "Progressing"
	// HealthStatusHealthy: the resource is healthy.
	HealthStatusHealthy HealthStatusCode = "Healthy"
	// HealthStatusSuspended: the resource is suspended or paused (a paused Deployment, a suspended CronJob).
	HealthStatusSuspended HealthStatusCode = "Suspended"
	// HealthStatusDegraded: the resource failed or could not reach a healthy state.
	HealthStatusDegraded HealthStatusCode = "Degraded"
	// HealthStatusMissing: the resource is missing in the cluster.
	HealthStatusMissing HealthStatusCode = "Missing"
)

// ApplicationConditionType represents type of application condition. Type name has following convention:
// suffix "Error" means error condition, suffix "Warning" means warning condition.
type ApplicationConditionType string

// Application condition types, as in Argo CD.
const (
	// ApplicationConditionDeletionError indicates that controller failed to delete application
	ApplicationConditionDeletionError ApplicationConditionType = "DeletionError"
	// ApplicationConditionInvalidSpecError indicates that application source is invalid
	ApplicationConditionInvalidSpecError ApplicationConditionType = "InvalidSpecError"
	// ApplicationConditionComparisonError indicates controller failed to compare application state
	ApplicationConditionComparisonError ApplicationConditionType = "ComparisonError"
	// ApplicationConditionSyncError indicates controller failed to automatically sync the application
	ApplicationConditionSyncError ApplicationConditionType = "SyncError"
	// ApplicationConditionUnknownError indicates an unknown controller error
	ApplicationConditionUnknownError ApplicationConditionType = "UnknownError"
	// ApplicationConditionSharedResourceWarning indicates that controller detected resources which belongs to more than one application
	ApplicationConditionSharedResourceWarning ApplicationConditionType = "SharedResourceWarning"
	// ApplicationConditionRepeatedResourceWarning indicates that application source has resource with same Group, Kind, Name, Namespace multiple times
	ApplicationConditionRepeatedResourceWarning ApplicationConditionType = "RepeatedResourceWarning"
	// ApplicationConditionExcludedResourceWarning indicates that application has resource which is configured to be excluded
	ApplicationConditionExcludedResourceWarning ApplicationConditionType = "ExcludedResourceWarning"
	// ApplicationConditionOrphanedResourceWarning indicates that application has orphaned resources
	ApplicationConditionOrphanedResourceWarning ApplicationConditionType = "OrphanedResourceWarning"
)

// SetConditions replaces the conditions whose types are in evaluatedTypes by
// the given conditions, keeps all others, and sorts the result by type and
// message. A condition that is unchanged (same type and message) keeps its
// LastTransitionTime; a new one without a time gets now.
func (status *ApplicationStatus) SetConditions(conditions []ApplicationCondition, evaluatedTypes map[ApplicationConditionType]bool, now metav1.Time) {
	var result []ApplicationCondition
	for _, existing := range status.Conditions {
		if !evaluatedTypes[existing.Type] {
			result = append(result, existing)
		}
	}
	for _, condition := range conditions {
		if previous := status.findCondition(condition.Type, condition.Message); previous != nil {
			result = append(result, *previous)
			continue
		}
		if condition.LastTransitionTime == nil {
			t := now
			condition.LastTransitionTime = &t
		}
		result = append(result, condition)
	}
	sort.SliceStable(result, func(i, j int) bool {
		if result[i].Type != result[j].Type {
			return result[i].Type < result[j].Type
		}
		return result[i].Message < result[j].Message
	})
	status.Conditions = result
}

func (status *ApplicationStatus) findCondition(conditionType ApplicationConditionType, message string) *ApplicationCondition {
	for i := range status.Conditions {
		if status.Conditions[i].Type == conditionType && status.Conditions[i].Message == message {
			return &status.Conditions[i]
		}
	}
	return nil
}

// GetRevisions returns the synced revisions: status.sync.revisions when set,
// otherwise status.sync.revision as a one-element list.
func (status *ApplicationStatus) GetRevisions() []string {
	if len(status.Sync.Revisions) > 0 {
		return status.Sync.Revisions
	}
	if status.Sync.Revision != "" {
		return []string{status.Sync.Revision}
	}
	return nil
}
