package health

import (
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

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
	for _, c := range d.Status.Conditions {
		if c.Type == appsv1.DeploymentProgressing && c.Reason == "ProgressDeadlineExceeded" {
			return Status{Code: Degraded, Message: fmt.Sprintf("Deployment %q exceeded its progress deadline", d.Name)}, nil
		}
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
	if st.Spec.UpdateStrategy.Type == appsv1.RollingUpdateStatefulSetStrategyType && st.Spec.UpdateStrategy.RollingUpdate != nil {
		if p := st.Spec.UpdateStrategy.RollingUpdate.Partition; p != nil && *p > 0 {
			if s.UpdatedReplicas < want-*p {
				return progressing(fmt.Sprintf("Waiting for partitioned roll out to finish: %d out of %d new pods have been updated...", s.UpdatedReplicas, want-*p)), nil
			}
			return Status{Code: Healthy, Message: fmt.Sprintf("partitioned roll out complete: %d new pods have been updated...", s.UpdatedReplicas)}, nil
		}
	}
	if st.Spec.UpdateStrategy.Type == appsv1.OnDeleteStatefulSetStrategyType {
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
		if c.Type == appsv1.ReplicaSetReplicaFailure && c.Status == corev1.ConditionTrue {
			return Status{Code: Degraded, Message: c.Message}, nil
		}
	}
	want := replicasOrOne(rs.Spec.Replicas)
	if rs.Status.AvailableReplicas < want {
		return progressing(fmt.Sprintf("Waiting for rollout to finish: %d out of %d new replicas are available...", rs.Status.AvailableReplicas, want)), nil
	}
	return Status{Code: Healthy}, nil
}

func progressing(msg string) Status { return Status{Code: Progressing, Message: msg} }

func replicasOrOne(r *int32) int32 {
	if r == nil {
		return 1
	}
	return *r
}
