// Package health assesses the health of one live Kubernetes object the way
// Argo CD 3.x does.
//
// Assess is a pure function of the object. It runs the built-in checks of
// Argo CD's gitops-engine, branch for branch and message for message:
// Deployment, StatefulSet, DaemonSet, ReplicaSet, Pod, Job,
// PersistentVolumeClaim, Service (LoadBalancer), Ingress,
// HorizontalPodAutoscaler (autoscaling/v1 annotation and v2 conditions),
// APIService and Argo Workflow. A Checker given the cluster's
// StorageClasses (WithStorageClasses) also judges a Pending
// PersistentVolumeClaim whose class binds WaitForFirstConsumer Healthy, as
// it waits for the Pod that will use it. On top of those it checks
// CustomResourceDefinitions and child Argo CD Applications (healthy only
// once synced, so app-of-apps waves wait), which Argo CD leaves to Lua
// scripts, and applies kstatus' condition conventions to every other kind,
// where Argo CD reports no health at all. Fields the API server always
// defaults (replicas, update strategies, restartPolicy) are defaulted
// before checking, so a manifest is judged as its live object would be.
//
// The custom resources Argo CD checks with the Lua scripts of its
// resource_customizations folder (cert-manager, External Secrets, Argo
// Rollouts with AnalysisRun and Experiment, Flux, KEDA, CloudNativePG,
// Strimzi, Crossplane including the older community AWS kinds,
// IstioOperator) have built-in checks written in CEL, ported script for
// script, message for message. They live as data in builtin/*.yaml, in the very format of
// the flotilla-health ConfigMap, are compiled once on first use, and are
// picked as Argo CD picks its scripts: an exact kind first, then the most
// specific pattern ("*.crossplane.io/*"); then come the Go checks.
//
// A Checker adds custom checks written in CEL instead of Lua, keyed by
// group and kind like Argo CD's resource.customizations.health.<group>_<Kind>
// ConfigMap keys (ParseConfigMap reads those); a custom check, exact or
// pattern, wins over every built-in one, as a resource customization in
// argocd-cm wins over Argo CD's own scripts. Each evaluation is bounded by
// CostLimit and EvalTimeout.
//
// Worst aggregates statuses with Argo CD's ordering.
package health
