// Package v1alpha1 holds the argoproj.io/v1alpha1 API types that flotilla
// reconciles: Application, AppProject and ApplicationSet.
//
// The JSON shape of every type follows Argo CD 3.x field for field, so that
// manifests written for Argo CD decode here unchanged and objects written by
// flotilla read back in Argo CD's own tools. Go names follow Argo CD's too,
// with a few simplifications (Argo CD types that live in gitops-engine, such
// as OperationPhase or HealthStatusCode, are declared here).
//
// One deliberate difference in the JSON: optional struct-valued fields carry
// omitzero, so an unset status, source or template is left out instead of
// being written as a tree of empty values. Readers treat both the same.
//
// +kubebuilder:object:generate=true
// +groupName=argoproj.io
package v1alpha1
