package health

import (
	"fmt"
	"strings"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// crashReasons are container waiting reasons that mean the Pod will not
// become ready by waiting.
var crashReasons = map[string]bool{
	"CrashLoopBackOff": true, "ErrImagePull": true, "ImagePullBackOff": true,
	"CreateContainerConfigError": true, "InvalidImageName": true, "CreateContainerError": true,
}

func pod(u *unstructured.Unstructured) (Status, error) {
	var p corev1.Pod
	if err := convert(u, &p); err != nil {
		return Status{}, err
	}
	for _, cs := range append(append([]corev1.ContainerStatus{}, p.Status.InitContainerStatuses...), p.Status.ContainerStatuses...) {
		if w := cs.State.Waiting; w != nil && crashReasons[w.Reason] {
			return Status{Code: Degraded, Message: w.Message}, nil
		}
	}
	switch p.Status.Phase {
	case corev1.PodPending:
		return progressing(p.Status.Message), nil
	case corev1.PodSucceeded:
		return Status{Code: Healthy, Message: p.Status.Message}, nil
	case corev1.PodFailed:
		msg := p.Status.Message
		if msg == "" {
			msg = failedContainerMessage(p.Status.ContainerStatuses)
		}
		return Status{Code: Degraded, Message: msg}, nil
	case corev1.PodRunning:
		if p.Spec.RestartPolicy != "" && p.Spec.RestartPolicy != corev1.RestartPolicyAlways {
			return progressing(p.Status.Message), nil
		}
		for _, c := range p.Status.Conditions {
			if c.Type == corev1.PodReady && c.Status == corev1.ConditionTrue {
				return Status{Code: Healthy, Message: p.Status.Message}, nil
			}
		}
		return progressing(p.Status.Message), nil
	}
	return Status{Code: Unknown, Message: p.Status.Message}, nil
}

func failedContainerMessage(statuses []corev1.ContainerStatus) string {
	var msgs []string
	for _, cs := range statuses {
		if t := cs.State.Terminated; t != nil && t.ExitCode != 0 {
			msgs = append(msgs, fmt.Sprintf("container %q exited with %d: %s", cs.Name, t.ExitCode, t.Reason))
		}
	}
	return strings.Join(msgs, "; ")
}

func job(u *unstructured.Unstructured) (Status, error) {
	var j batchv1.Job
	if err := convert(u, &j); err != nil {
		return Status{}, err
	}
	for _, c := range j.Status.Conditions {
		if c.Status != corev1.ConditionTrue {
			continue
		}
		switch c.Type {
		case batchv1.JobFailed:
			return Status{Code: Degraded, Message: c.Message}, nil
		case batchv1.JobComplete:
			return Status{Code: Healthy, Message: c.Message}, nil
		case batchv1.JobSuspended:
			return Status{Code: Suspended, Message: c.Message}, nil
		}
	}
	return progressing("job is running"), nil
}

func pvc(u *unstructured.Unstructured) (Status, error) {
	var c corev1.PersistentVolumeClaim
	if err := convert(u, &c); err != nil {
		return Status{}, err
	}
	switch c.Status.Phase {
	case corev1.ClaimLost:
		return Status{Code: Degraded}, nil
	case corev1.ClaimPending:
		return Status{Code: Progressing}, nil
	case corev1.ClaimBound:
		return Status{Code: Healthy}, nil
	}
	return Status{Code: Unknown}, nil
}

func service(u *unstructured.Unstructured) (Status, error) {
	var s corev1.Service
	if err := convert(u, &s); err != nil {
		return Status{}, err
	}
	if s.Spec.Type == corev1.ServiceTypeLoadBalancer && len(s.Status.LoadBalancer.Ingress) == 0 {
		return Status{Code: Progressing}, nil
	}
	return Status{Code: Healthy}, nil
}

func ingress(u *unstructured.Unstructured) (Status, error) {
	lb, _, err := unstructured.NestedSlice(u.Object, "status", "loadBalancer", "ingress")
	if err != nil {
		return Status{}, fmt.Errorf("ingress status: %w", err)
	}
	if len(lb) == 0 {
		return Status{Code: Progressing}, nil
	}
	return Status{Code: Healthy}, nil
}

func crd(u *unstructured.Unstructured) (Status, error) {
	conds, _, err := unstructured.NestedSlice(u.Object, "status", "conditions")
	if err != nil {
		return Status{}, fmt.Errorf("crd status: %w", err)
	}
	for _, c := range conds {
		m, _ := c.(map[string]any)
		if m["type"] == "Established" && m["status"] == "True" {
			return Status{Code: Healthy}, nil
		}
		if m["type"] == "NamesAccepted" && m["status"] == "False" {
			return Status{Code: Degraded, Message: fmt.Sprint(m["message"])}, nil
		}
	}
	return progressing("Waiting for the CRD to be established"), nil
}

// application is the health of a child Application as its parent sees it:
// its own health, and not Healthy until it is also Synced, so a parent's
// wave really waits for its children.
func application(u *unstructured.Unstructured) (Status, error) {
	code, _, _ := unstructured.NestedString(u.Object, "status", "health", "status")
	msg, _, _ := unstructured.NestedString(u.Object, "status", "health", "message")
	syncStatus, _, _ := unstructured.NestedString(u.Object, "status", "sync", "status")
	switch {
	case code == "":
		return progressing("Waiting for the application to be reconciled"), nil
	case Code(code) == Healthy && syncStatus != "Synced":
		return progressing("Waiting for the application to be synced"), nil
	}
	return Status{Code: Code(code), Message: msg}, nil
}
