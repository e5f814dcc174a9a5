package health

import (
	"fmt"
	"strings"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// annotationIgnoreRestartPolicy makes a Pod with restartPolicy Never or
// OnFailure be judged like a long-running one (Argo CD's alpha annotation,
// for Pods owned by operators rather than run as hooks).
const annotationIgnoreRestartPolicy = "argocd.argoproj.io/ignore-restart-policy"

// pod follows gitops-engine's health_pod.go. A Pod without restartPolicy
// gets the API server's default, Always.
func pod(u *unstructured.Unstructured) (Status, error) {
	var p corev1.Pod
	if err := convert(u, &p); err != nil {
		return Status{}, err
	}
	_, ignorePolicy := p.Annotations[annotationIgnoreRestartPolicy]
	restartAlways := p.Spec.RestartPolicy == "" || p.Spec.RestartPolicy == corev1.RestartPolicyAlways || ignorePolicy
	// Hooks (Never/OnFailure) stay Progressing through image pull errors:
	// failing them early would let a fixed image run after the sync ended.
	if restartAlways {
		if msgs := waitingErrors(p.Status.ContainerStatuses); len(msgs) > 0 {
			return Status{Code: Degraded, Message: strings.Join(msgs, ", ")}, nil
		}
	}
	switch p.Status.Phase {
	case corev1.PodPending:
		return progressing(p.Status.Message), nil
	case corev1.PodSucceeded:
		return Status{Code: Healthy, Message: p.Status.Message}, nil
	case corev1.PodFailed:
		if p.Status.Message != "" {
			return Status{Code: Degraded, Message: p.Status.Message}, nil
		}
		return Status{Code: Degraded, Message: failedContainerMessage(p.Status)}, nil
	case corev1.PodRunning:
		if !restartAlways {
			return progressing(p.Status.Message), nil
		}
		if podReady(p.Status) {
			return Status{Code: Healthy, Message: p.Status.Message}, nil
		}
		for _, cs := range p.Status.ContainerStatuses {
			if cs.LastTerminationState.Terminated != nil {
				return Status{Code: Degraded, Message: p.Status.Message}, nil
			}
		}
		return progressing(p.Status.Message), nil
	}
	return Status{Code: Unknown, Message: p.Status.Message}, nil
}

// waitingErrors returns the messages of containers waiting for a reason
// that means trouble: Err*, *Error, *BackOff (CrashLoopBackOff,
// ImagePullBackOff, ErrImagePull, CreateContainerConfigError, ...).
func waitingErrors(statuses []corev1.ContainerStatus) []string {
	var msgs []string
	for _, cs := range statuses {
		w := cs.State.Waiting
		if w != nil && (strings.HasPrefix(w.Reason, "Err") || strings.HasSuffix(w.Reason, "Error") || strings.HasSuffix(w.Reason, "BackOff")) {
			msgs = append(msgs, w.Message)
		}
	}
	return msgs
}

// failedContainerMessage explains a failed Pod by its first init or app
// container that terminated with a message, OOMKilled or a non-zero code.
func failedContainerMessage(s corev1.PodStatus) string {
	for _, cs := range append(append([]corev1.ContainerStatus{}, s.InitContainerStatuses...), s.ContainerStatuses...) {
		t := cs.State.Terminated
		switch {
		case t == nil:
		case t.Message != "":
			return t.Message
		case t.Reason == "OOMKilled":
			return t.Reason
		case t.ExitCode != 0:
			return fmt.Sprintf("container %q failed with exit code %d", cs.Name, t.ExitCode)
		}
	}
	return ""
}

func podReady(s corev1.PodStatus) bool {
	for _, c := range s.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// job follows gitops-engine's health_job.go, quirks included: a Failed
// condition wins whatever its status, and a Suspended condition that is
// False (the Job was resumed) counts as finished, so a resumed Job is
// Healthy while it runs.
func job(u *unstructured.Unstructured) (Status, error) {
	var j batchv1.Job
	if err := convert(u, &j); err != nil {
		return Status{}, err
	}
	var failed, complete, suspended bool
	var failMsg, msg string
	for _, c := range j.Status.Conditions {
		switch c.Type {
		case batchv1.JobFailed:
			failed, complete, failMsg = true, true, c.Message
		case batchv1.JobComplete:
			complete, msg = true, c.Message
		case batchv1.JobSuspended:
			complete, msg = true, c.Message
			suspended = suspended || c.Status == corev1.ConditionTrue
		}
	}
	switch {
	case !complete:
		return progressing(msg), nil
	case failed:
		return Status{Code: Degraded, Message: failMsg}, nil
	case suspended:
		return Status{Code: Suspended, Message: msg}, nil
	}
	return Status{Code: Healthy, Message: msg}, nil
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
