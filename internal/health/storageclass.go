package health

import (
	"context"
	"fmt"
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// StorageClasses tells the PersistentVolumeClaim check which StorageClasses
// the cluster of a claim has, so that a Pending claim whose class binds
// WaitForFirstConsumer is Healthy rather than Progressing: such a claim
// stays Pending until a Pod uses it, and waiting for it would hold back a
// sync wave that creates that Pod forever.
type StorageClasses interface {
	// StorageClassesFor returns the StorageClasses of the cluster claim is
	// in. ok is false when they are not known (they could not be read, or
	// claim is not in the cluster the implementation reads): the claim is
	// then judged without them, Pending as Progressing.
	StorageClassesFor(claim *corev1.PersistentVolumeClaim) (classes []storagev1.StorageClass, ok bool)
}

// StorageClassesFunc is a function that is a StorageClasses.
type StorageClassesFunc func(claim *corev1.PersistentVolumeClaim) ([]storagev1.StorageClass, bool)

// StorageClassesFor calls f.
func (f StorageClassesFunc) StorageClassesFor(claim *corev1.PersistentVolumeClaim) ([]storagev1.StorageClass, bool) {
	return f(claim)
}

// WithStorageClasses returns a Checker with c's checks whose
// PersistentVolumeClaim check knows the StorageClasses (see
// StorageClasses). c may be nil (no custom checks). Without classes (nil)
// it returns c: Pending claims are Progressing, as in Argo CD.
func (c *Checker) WithStorageClasses(classes StorageClasses) *Checker {
	if classes == nil {
		return c
	}
	out := newEmptyChecker()
	if c != nil {
		*out = *c
	}
	out.classes = classes
	return out
}

// storageClasses returns c's StorageClasses, nil for a nil Checker.
func (c *Checker) storageClasses() StorageClasses {
	if c == nil {
		return nil
	}
	return c.classes
}

// Annotations of the StorageClass and PersistentVolumeClaim APIs that
// decide which class a claim uses and whether it still waits for a Pod.
const (
	annotationDefaultClass     = "storageclass.kubernetes.io/is-default-class"
	annotationBetaDefaultClass = "storageclass.beta.kubernetes.io/is-default-class"
	annotationBetaClaimClass   = "volume.beta.kubernetes.io/storage-class"
	annotationSelectedNode     = "volume.kubernetes.io/selected-node"
)

// pvcCheck is the PersistentVolumeClaim check, gitops-engine's (Lost is
// Degraded, Pending Progressing, Bound Healthy), except that with classes
// a Pending claim that waits for its first consumer is Healthy.
func pvcCheck(classes StorageClasses) checkFunc {
	return func(u *unstructured.Unstructured) (Status, error) {
		var c corev1.PersistentVolumeClaim
		if err := convert(u, &c); err != nil {
			return Status{}, err
		}
		switch c.Status.Phase {
		case corev1.ClaimLost:
			return Status{Code: Degraded}, nil
		case corev1.ClaimPending:
			if class, ok := waitsForFirstConsumer(&c, classes); ok {
				return Status{Code: Healthy, Message: fmt.Sprintf("waiting for first consumer (StorageClass %q binds WaitForFirstConsumer)", class)}, nil
			}
			return Status{Code: Progressing}, nil
		case corev1.ClaimBound:
			return Status{Code: Healthy}, nil
		}
		return Status{Code: Unknown}, nil
	}
}

// waitsForFirstConsumer reports whether the Pending claim c waits for a
// Pod to use it before it binds, and the name of its StorageClass: its
// class (the beta annotation, else spec.storageClassName, else the
// cluster's default class; "" is no class) binds WaitForFirstConsumer,
// it names no volume of its own, and the scheduler has not picked a node
// for it yet (once it has, provisioning is under way: Progressing).
func waitsForFirstConsumer(c *corev1.PersistentVolumeClaim, classes StorageClasses) (string, bool) {
	if classes == nil || c.Spec.VolumeName != "" {
		return "", false
	}
	if _, picked := c.Annotations[annotationSelectedNode]; picked {
		return "", false
	}
	list, ok := classes.StorageClassesFor(c)
	if !ok {
		return "", false
	}
	name, named := c.Annotations[annotationBetaClaimClass]
	if !named && c.Spec.StorageClassName != nil {
		name, named = *c.Spec.StorageClassName, true
	}
	if !named {
		// Admission sets the default class on create, and since
		// Kubernetes 1.28 the volume controller sets it later on claims
		// created while there was none.
		def := defaultClass(list)
		if def == nil {
			return "", false
		}
		name = def.Name
	}
	if name == "" {
		return "", false
	}
	i := slices.IndexFunc(list, func(sc storagev1.StorageClass) bool { return sc.Name == name })
	if i < 0 || !bindsOnConsumer(list[i]) {
		return "", false
	}
	return name, true
}

// bindsOnConsumer reports whether sc binds WaitForFirstConsumer (unset is
// Immediate).
func bindsOnConsumer(sc storagev1.StorageClass) bool {
	return sc.VolumeBindingMode != nil && *sc.VolumeBindingMode == storagev1.VolumeBindingWaitForFirstConsumer
}

// defaultClass is the cluster's default StorageClass as Kubernetes picks
// it: of the classes annotated as default, the newest, then the first by
// name; nil when none is.
func defaultClass(list []storagev1.StorageClass) *storagev1.StorageClass {
	var def *storagev1.StorageClass
	for i := range list {
		sc := &list[i]
		if sc.Annotations[annotationDefaultClass] != "true" && sc.Annotations[annotationBetaDefaultClass] != "true" {
			continue
		}
		if def == nil || sc.CreationTimestamp.After(def.CreationTimestamp.Time) ||
			(sc.CreationTimestamp.Equal(&def.CreationTimestamp) && sc.Name < def.Name) {
			def = sc
		}
	}
	return def
}

// storageClassesTimeout bounds one read of a cluster's StorageClasses
// (and of a claim's metadata) by ClusterStorageClasses.
const storageClassesTimeout = 5 * time.Second

// ClusterStorageClasses reads the StorageClasses of one cluster for the
// PersistentVolumeClaim check. classes lists them: give a cached reader
// (an informer), since it is asked for every Pending claim assessed.
// claims, when not nil, tells this cluster's claims from those of other
// clusters: when a class binds WaitForFirstConsumer, the claim's metadata
// is read through it and a claim that is not there with the same uid gets
// no answer (a controller that manages remote clusters must not judge
// their claims by its own cluster's classes). With a nil claims, every
// claim is taken to be in this cluster.
func ClusterStorageClasses(classes, claims client.Reader) StorageClasses {
	return clusterStorageClasses{classes: classes, claims: claims}
}

type clusterStorageClasses struct {
	classes, claims client.Reader
}

func (s clusterStorageClasses) StorageClassesFor(claim *corev1.PersistentVolumeClaim) ([]storagev1.StorageClass, bool) {
	ctx, cancel := context.WithTimeout(context.Background(), storageClassesTimeout)
	defer cancel()
	var list storagev1.StorageClassList
	if err := s.classes.List(ctx, &list); err != nil {
		return nil, false
	}
	if !slices.ContainsFunc(list.Items, bindsOnConsumer) {
		// No claim waits by these classes: the answer is the one without
		// them, whichever cluster the claim is in.
		return nil, false
	}
	if s.claims != nil && !s.holds(ctx, claim) {
		return nil, false
	}
	return list.Items, true
}

// holds reports whether claim is in this cluster: there, by name, with
// the same uid.
func (s clusterStorageClasses) holds(ctx context.Context, claim *corev1.PersistentVolumeClaim) bool {
	if claim.UID == "" {
		return false
	}
	m := &metav1.PartialObjectMetadata{}
	m.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("PersistentVolumeClaim"))
	err := s.claims.Get(ctx, client.ObjectKey{Namespace: claim.Namespace, Name: claim.Name}, m)
	return err == nil && m.UID == claim.UID
}
