package health

import (
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// The workload checks follow gitops-engine's health_deployment.go,
// health_statefulset.go, health_daemonset.go and health_replicaset.go
// branch for branch, messages included. Fields the API server always
// defaults (spec.replicas, the update strategy) are defaulted the same way
// first, so an object that never went through the API server is judged as
// its live counterpart would be.

func deployment(u *unstructured.Unstructured) (Status, error) {
	var d appsv1.Deployment
	if err := convert(u, &d); err != nil {
		return Status{}, err
	}
	if d.Spec.Paused {
		return Status{Code: Suspended, Message: "Deployment is paused"}, nil
	}
	if d.Generation > d.Status.ObservedGeneration {
		return progressing("Waiting for rollout to finish: observed deployment generation less than desired generation"), nil
	}
	if c := deploymentCondition(d.Status, appsv1.DeploymentProgressing); c != nil && c.Reason == "ProgressDeadlineExceeded" {
		return Status{Code: Degraded, Message: fmt.Sprintf("Deployment %q exceeded its progress deadline", d.Name)}, nil
	}
	want := replicasOrOne(d.Spec.Replicas)
	s := d.Status
	switch {
	case s.UpdatedReplicas < want:
		return progressing(fmt.Sprintf("Waiting for rollout to finish: %d out of %d new replicas have been updated...", s.UpdatedReplicas, want)), nil
	case s.Replicas > s.UpdatedReplicas:
		return progressing(fmt.Sprintf("Waiting for rollout to finish: %d old replicas are pending termination...", s.Replicas-s.UpdatedReplicas)), nil
	case s.AvailableReplicas < s.UpdatedReplicas:
		return progressing(fmt.Sprintf("Waiting for rollout to finish: %d of %d updated replicas are available...", s.AvailableReplicas, s.UpdatedReplicas)), nil
	}
	return Status{Code: Healthy}, nil
}

// deploymentCondition returns the first condition of type t, as
// gitops-engine looks only at that one.
func deploymentCondition(s appsv1.DeploymentStatus, t appsv1.DeploymentConditionType) *appsv1.DeploymentCondition {
	for i := range s.Conditions {
		if s.Conditions[i].Type == t {
			return &s.Conditions[i]
		}
	}
	return nil
}

func statefulSet(u *unstructured.Unstructured) (Status, error) {
	var st appsv1.StatefulSet
	if err := convert(u, &st); err != nil {
		return Status{}, err
	}
	s := st.Status
	if s.ObservedGeneration == 0 || st.Generation > s.ObservedGeneration {
		return progressing("Waiting for statefulset spec update to be observed..."), nil
	}
	want := replicasOrOne(st.Spec.Replicas)
	if s.ReadyReplicas < want {
		return progressing(fmt.Sprintf("Waiting for %d pods to be ready...", want-s.ReadyReplicas)), nil
	}
	strategy := st.Spec.UpdateStrategy
	if strategy.Type == "" {
		strategy.Type = appsv1.RollingUpdateStatefulSetStrategyType
	}
	if strategy.Type == appsv1.RollingUpdateStatefulSetStrategyType {
		// The API server defaults rollingUpdate.partition to 0, so a live
		// RollingUpdate StatefulSet always takes this branch in Argo CD and
		// its revisions are never compared.
		var partition int32
		if strategy.RollingUpdate != nil && strategy.RollingUpdate.Partition != nil {
			partition = *strategy.RollingUpdate.Partition
		}
		if s.UpdatedReplicas < want-partition {
			return progressing(fmt.Sprintf("Waiting for partitioned roll out to finish: %d out of %d new pods have been updated...", s.UpdatedReplicas, want-partition)), nil
		}
		return Status{Code: Healthy, Message: fmt.Sprintf("partitioned roll out complete: %d new pods have been updated...", s.UpdatedReplicas)}, nil
	}
	if strategy.Type == appsv1.OnDeleteStatefulSetStrategyType {
		return Status{Code: Healthy, Message: fmt.Sprintf("statefulset has %d ready pods", s.ReadyReplicas)}, nil
	}
	if s.UpdateRevision != s.CurrentRevision {
		return progressing(fmt.Sprintf("waiting for statefulset rolling update to complete %d pods at revision %s...", s.UpdatedReplicas, s.UpdateRevision)), nil
	}
	return Status{Code: Healthy, Message: fmt.Sprintf("statefulset rolling update complete %d pods at revision %s...", s.CurrentReplicas, s.CurrentRevision)}, nil
}

func daemonSet(u *unstructured.Unstructured) (Status, error) {
	var ds appsv1.DaemonSet
	if err := convert(u, &ds); err != nil {
		return Status{}, err
	}
	s := ds.Status
	if ds.Generation > s.ObservedGeneration {
		return progressing("Waiting for rollout to finish: observed daemon set generation less than desired generation"), nil
	}
	if ds.Spec.UpdateStrategy.Type == appsv1.OnDeleteDaemonSetStrategyType {
		return Status{Code: Healthy, Message: fmt.Sprintf("daemon set %d out of %d new pods have been updated", s.UpdatedNumberScheduled, s.DesiredNumberScheduled)}, nil
	}
	if s.UpdatedNumberScheduled < s.DesiredNumberScheduled {
		return progressing(fmt.Sprintf("Waiting for daemon set %q rollout to finish: %d out of %d new pods have been updated...", ds.Name, s.UpdatedNumberScheduled, s.DesiredNumberScheduled)), nil
	}
	if s.NumberAvailable < s.DesiredNumberScheduled {
		return progressing(fmt.Sprintf("Waiting for daemon set %q rollout to finish: %d of %d updated pods are available...", ds.Name, s.NumberAvailable, s.DesiredNumberScheduled)), nil
	}
	return Status{Code: Healthy}, nil
}

func replicaSet(u *unstructured.Unstructured) (Status, error) {
	var rs appsv1.ReplicaSet
	if err := convert(u, &rs); err != nil {
		return Status{}, err
	}
	if rs.Generation > rs.Status.ObservedGeneration {
		return progressing("Waiting for rollout to finish: observed replica set generation less than desired generation"), nil
	}
	for _, c := range rs.Status.Conditions {
		if c.Type == appsv1.ReplicaSetReplicaFailure {
			if c.Status == corev1.ConditionTrue {
				return Status{Code: Degraded, Message: c.Message}, nil
			}
			break
		}
	}
	want := replicasOrOne(rs.Spec.Replicas)
	if rs.Status.AvailableReplicas < want {
		return progressing(fmt.Sprintf("Waiting for rollout to finish: %d out of %d new replicas are available...", rs.Status.AvailableReplicas, want)), nil
	}
	return Status{Code: Healthy}, nil
}

func progressing(msg string) Status { return Status{Code: Progressing, Message: msg} }

// replicasOrOne applies the API server's default of one replica.
func replicasOrOne(r *int32) int32 {
	if r == nil {
		return 1
	}
	return *r
}
