package sync

import (
	"sort"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"flotilla.dev/flotilla/internal/object"
)

// WaveAnnotation orders objects across waves.
const WaveAnnotation = "argocd.argoproj.io/sync-wave"

// kindOrder is Argo CD's order of kinds within a wave; kinds not listed
// (custom resources) come after all of them.
var kindOrder = func() map[string]int {
	kinds := []string{
		"Namespace", "NetworkPolicy", "ResourceQuota", "LimitRange", "PodSecurityPolicy",
		"PodDisruptionBudget", "ServiceAccount", "Secret", "SecretList", "ConfigMap",
		"StorageClass", "PersistentVolume", "PersistentVolumeClaim", "CustomResourceDefinition",
		"ClusterRole", "ClusterRoleList", "ClusterRoleBinding", "ClusterRoleBindingList",
		"Role", "RoleList", "RoleBinding", "RoleBindingList", "Service", "DaemonSet", "Pod",
		"ReplicationController", "ReplicaSet", "Deployment", "HorizontalPodAutoscaler",
		"StatefulSet", "Job", "CronJob", "IngressClass", "Ingress", "APIService",
	}
	m := make(map[string]int, len(kinds))
	for i, k := range kinds {
		m[k] = i
	}
	return m
}()

// Wave returns the object's sync wave: its sync-wave annotation, else a
// Helm hook's weight, else 0.
func Wave(u *unstructured.Unstructured) int {
	if v, ok := u.GetAnnotations()[WaveAnnotation]; ok {
		if w, err := strconv.Atoi(strings.TrimSpace(v)); err == nil {
			return w
		}
	}
	if w, ok := helmWeight(u); ok {
		return w
	}
	return 0
}

func kindRank(kind string) int {
	if r, ok := kindOrder[kind]; ok {
		return r
	}
	return len(kindOrder)
}

// SortForApply orders objects by wave, kind order, then name.
func SortForApply(objs []*unstructured.Unstructured) {
	sort.SliceStable(objs, func(i, j int) bool { return applyLess(objs[i], objs[j]) })
}

func applyLess(a, b *unstructured.Unstructured) bool {
	if wa, wb := Wave(a), Wave(b); wa != wb {
		return wa < wb
	}
	return kindNameLess(a, b)
}

// kindNameLess orders by Argo CD's kind order, then by key.
func kindNameLess(a, b *unstructured.Unstructured) bool {
	if ra, rb := kindRank(a.GetKind()), kindRank(b.GetKind()); ra != rb {
		return ra < rb
	}
	return object.KeyOf(a).Less(object.KeyOf(b))
}

// SortForPrune orders objects for deletion: the reverse of apply order.
func SortForPrune(objs []*unstructured.Unstructured) {
	sort.SliceStable(objs, func(i, j int) bool { return applyLess(objs[j], objs[i]) })
}
