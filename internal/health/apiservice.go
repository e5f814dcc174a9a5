package health

import (
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
)

// apiService follows gitops-engine's health_apiservice.go: the first
// Available condition decides, Healthy when True and Progressing
// otherwise (an aggregated API that is down may come back, so Argo CD
// never calls it Degraded), with "reason: message" as the message.
func apiService(u *unstructured.Unstructured) (Status, error) {
	var obj struct {
		Status struct {
			Conditions []struct {
				Type    string `json:"type"`
				Status  string `json:"status"`
				Reason  string `json:"reason"`
				Message string `json:"message"`
			} `json:"conditions"`
		} `json:"status"`
	}
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, &obj); err != nil {
		return Status{}, fmt.Errorf("decode APIService: %w", err)
	}
	for _, c := range obj.Status.Conditions {
		if c.Type != "Available" {
			continue
		}
		msg := fmt.Sprintf("%s: %s", c.Reason, c.Message)
		if c.Status == "True" {
			return Status{Code: Healthy, Message: msg}, nil
		}
		return progressing(msg), nil
	}
	return progressing("Waiting to be processed"), nil
}
