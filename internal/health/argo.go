package health

import (
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

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

// workflow follows gitops-engine's health_argo.go for Argo Workflows:
// only status.phase and status.message count.
func workflow(u *unstructured.Unstructured) (Status, error) {
	phase, _, err := unstructured.NestedString(u.Object, "status", "phase")
	if err != nil {
		return Status{}, fmt.Errorf("workflow status: %w", err)
	}
	msg, _, err := unstructured.NestedString(u.Object, "status", "message")
	if err != nil {
		return Status{}, fmt.Errorf("workflow status: %w", err)
	}
	switch phase {
	case "", "Pending", "Running":
		return progressing(msg), nil
	case "Succeeded":
		return Status{Code: Healthy, Message: msg}, nil
	case "Failed", "Error":
		return Status{Code: Degraded, Message: msg}, nil
	}
	return Status{Code: Unknown, Message: msg}, nil
}
