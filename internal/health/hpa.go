package health

import (
	"encoding/json"
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
)

// hpaConditionsAnnotation is where autoscaling/v1 keeps the conditions
// that autoscaling/v2 has in status.conditions.
const hpaConditionsAnnotation = "autoscaling.alpha.kubernetes.io/conditions"

// hpaWaiting is Argo CD's answer while no condition decides.
var hpaWaiting = Status{Code: Progressing, Message: "Waiting to Autoscale"}

type hpaCondition struct {
	Type    string `json:"type"`
	Status  string `json:"status"`
	Reason  string `json:"reason"`
	Message string `json:"message"`
}

// hpaFailures are the (type, reason) pairs that make an HPA Degraded,
// whatever the condition's status: the scale subresource cannot be read
// or written, or a metric cannot be fetched.
var hpaFailures = map[[2]string]bool{
	{"AbleToScale", "FailedGetScale"}:                     true,
	{"AbleToScale", "FailedUpdateScale"}:                  true,
	{"ScalingActive", "FailedGetResourceMetric"}:          true,
	{"ScalingActive", "FailedGetContainerResourceMetric"}: true,
	{"ScalingActive", "FailedGetPodsMetric"}:              true,
	{"ScalingActive", "FailedGetObjectMetric"}:            true,
	{"ScalingActive", "FailedGetExternalMetric"}:          true,
	{"ScalingActive", "InvalidSelector"}:                  true,
}

// hpa follows gitops-engine's health_hpa.go: autoscaling/v1 reads its
// conditions from the annotation (none: Progressing), the v2 versions from
// status.conditions. Any failure condition makes it Degraded; otherwise the
// first AbleToScale or ScalingLimited condition that is True makes it
// Healthy with that condition's message; otherwise it is waiting.
func hpa(u *unstructured.Unstructured) (Status, error) {
	var conds []hpaCondition
	switch v := u.GroupVersionKind().Version; v {
	case "v1":
		raw, ok := u.GetAnnotations()[hpaConditionsAnnotation]
		if !ok {
			return hpaWaiting, nil
		}
		if err := json.Unmarshal([]byte(raw), &conds); err != nil {
			return Status{}, fmt.Errorf("decode %s annotation: %w", hpaConditionsAnnotation, err)
		}
	case "v2", "v2beta2", "v2beta1":
		var obj struct {
			Status struct {
				Conditions []hpaCondition `json:"conditions"`
			} `json:"status"`
		}
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, &obj); err != nil {
			return Status{}, fmt.Errorf("decode HorizontalPodAutoscaler: %w", err)
		}
		conds = obj.Status.Conditions
	default:
		return Status{}, fmt.Errorf("unsupported HorizontalPodAutoscaler version %q", v)
	}
	for _, c := range conds {
		if hpaFailures[[2]string{c.Type, c.Reason}] {
			return Status{Code: Degraded, Message: c.Message}, nil
		}
	}
	for _, c := range conds {
		if (c.Type == "AbleToScale" || c.Type == "ScalingLimited") && c.Status == "True" {
			return Status{Code: Healthy, Message: c.Message}, nil
		}
	}
	return hpaWaiting, nil
}
