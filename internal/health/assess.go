package health

import (
	"fmt"

	"github.com/fluxcd/cli-utils/pkg/kstatus/status"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
)

type checkFunc func(u *unstructured.Unstructured) (Status, error)

// checks holds the built-in checks by "group/kind": gitops-engine's set
// (Argo CD 3.x) plus CustomResourceDefinition and Application, which
// Argo CD leaves to Lua scripts.
var checks = map[string]checkFunc{
	"apps/Deployment":                     deployment,
	"apps/StatefulSet":                    statefulSet,
	"apps/DaemonSet":                      daemonSet,
	"apps/ReplicaSet":                     replicaSet,
	"/Pod":                                pod,
	"batch/Job":                           job,
	"/PersistentVolumeClaim":              pvcCheck(nil),
	"/Service":                            service,
	"networking.k8s.io/Ingress":           ingress,
	"extensions/Ingress":                  ingress,
	"autoscaling/HorizontalPodAutoscaler": hpa,
	"apiregistration.k8s.io/APIService":   apiService,
	"argoproj.io/Workflow":                workflow,
	"argoproj.io/Application":             application,
	"apiextensions.k8s.io/CustomResourceDefinition": crd,
}

// Assess returns the health of a live object. A nil object is Missing. An
// object being deleted is Progressing.
func Assess(u *unstructured.Unstructured) Status {
	if u == nil {
		return Status{Code: Missing}
	}
	if u.GetDeletionTimestamp() != nil {
		return pendingDeletion
	}
	return builtin(u, nil)
}

// pendingDeletion is the health of any object being deleted.
var pendingDeletion = Status{Code: Progressing, Message: "Pending deletion"}

// builtin runs the built-in check for u's kind: a built-in CEL check
// (exact key, then the most specific pattern, as Argo CD picks its own Lua
// scripts), else a Go check, else kstatus' conventions. classes, when not
// nil, are the StorageClasses the PersistentVolumeClaim check consults.
func builtin(u *unstructured.Unstructured, classes StorageClasses) Status {
	gvk := u.GroupVersionKind()
	if bc, _ := builtinCEL(); bc != nil {
		if chk := bc.lookup(gvk.Group, gvk.Kind); chk != nil {
			return chk.assess(u, bc.timeout)
		}
	}
	check, ok := checks[gvk.Group+"/"+gvk.Kind]
	switch {
	case !ok:
		check = generic
	case classes != nil && gvk.Group == "" && gvk.Kind == "PersistentVolumeClaim":
		check = pvcCheck(classes)
	}
	st, err := check(u)
	if err != nil {
		return Status{Code: Unknown, Message: err.Error()}
	}
	return st
}

// generic applies kstatus' conventions (Ready/Reconciling/Stalled
// conditions, observedGeneration) to any kind without a built-in check.
func generic(u *unstructured.Unstructured) (Status, error) {
	res, err := status.Compute(u)
	if err != nil {
		return Status{}, fmt.Errorf("compute status: %w", err)
	}
	switch res.Status {
	case status.CurrentStatus:
		return Status{Code: Healthy, Message: res.Message}, nil
	case status.InProgressStatus, status.TerminatingStatus:
		return Status{Code: Progressing, Message: res.Message}, nil
	case status.FailedStatus:
		return Status{Code: Degraded, Message: res.Message}, nil
	case status.NotFoundStatus:
		return Status{Code: Missing, Message: res.Message}, nil
	default:
		return Status{Code: Unknown, Message: res.Message}, nil
	}
}

// convert turns u into a typed object for the built-in checks.
func convert(u *unstructured.Unstructured, into any) error {
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, into); err != nil {
		return fmt.Errorf("decode %s: %w", u.GetKind(), err)
	}
	return nil
}
