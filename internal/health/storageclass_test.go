package health

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"
)

// storageClass is a StorageClass as the API returns it; mode "" leaves
// volumeBindingMode unset.
func storageClass(name string, mode storagev1.VolumeBindingMode, created time.Time, annotations map[string]string) storagev1.StorageClass {
	sc := storagev1.StorageClass{
		ObjectMeta:  metav1.ObjectMeta{Name: name, Annotations: annotations, CreationTimestamp: metav1.NewTime(created)},
		Provisioner: "example.com/csi",
	}
	if mode != "" {
		sc.VolumeBindingMode = &mode
	}
	return sc
}

var (
	defaultAnnotation     = map[string]string{"storageclass.kubernetes.io/is-default-class": "true"}
	betaDefaultAnnotation = map[string]string{"storageclass.beta.kubernetes.io/is-default-class": "true"}
	t0                    = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
)

// fixedClasses answers every claim with list.
func fixedClasses(list ...storagev1.StorageClass) StorageClasses {
	return StorageClassesFunc(func(*corev1.PersistentVolumeClaim) ([]storagev1.StorageClass, bool) { return list, true })
}

func TestPVCWaitForFirstConsumer(t *testing.T) {
	const wait = storagev1.VolumeBindingWaitForFirstConsumer
	const now = storagev1.VolumeBindingImmediate
	// A cluster like kind's or a cloud's: a WaitForFirstConsumer default,
	// an Immediate class, and one that leaves the mode unset (Immediate).
	cluster := fixedClasses(
		storageClass("standard", wait, t0, defaultAnnotation),
		storageClass("fast", now, t0, nil),
		storageClass("legacy", "", t0, nil),
	)
	immediateDefault := fixedClasses(
		storageClass("standard", now, t0, defaultAnnotation),
		storageClass("local-path", wait, t0, nil),
	)
	tests := []struct {
		name    string
		classes StorageClasses
		claim   string
		want    Code
		wantMsg string
	}{
		{"named class waits for first consumer", cluster, `
spec: {storageClassName: standard, accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
status: {phase: Pending}`, Healthy, `waiting for first consumer (StorageClass "standard" binds WaitForFirstConsumer)`},
		{"named Immediate class", cluster, `
spec: {storageClassName: fast}
status: {phase: Pending}`, Progressing, ""},
		{"named class without a binding mode is Immediate", cluster, `
spec: {storageClassName: legacy}
status: {phase: Pending}`, Progressing, ""},
		{"no class named: the default class", cluster, `
spec: {accessModes: [ReadWriteOnce]}
status: {phase: Pending}`, Healthy, `waiting for first consumer (StorageClass "standard" binds WaitForFirstConsumer)`},
		{"no class named: an Immediate default", immediateDefault, `
spec: {}
status: {phase: Pending}`, Progressing, ""},
		{"empty class is no class, not the default", cluster, `
spec: {storageClassName: ""}
status: {phase: Pending}`, Progressing, ""},
		{"no class named and no default", fixedClasses(storageClass("local-path", wait, t0, nil)), `
spec: {}
status: {phase: Pending}`, Progressing, ""},
		{"unknown class", cluster, `
spec: {storageClassName: missing}
status: {phase: Pending}`, Progressing, ""},
		{"beta annotation names the class", immediateDefault, `
metadata:
  name: data
  annotations: {volume.beta.kubernetes.io/storage-class: local-path}
spec: {storageClassName: standard}
status: {phase: Pending}`, Healthy, `waiting for first consumer (StorageClass "local-path" binds WaitForFirstConsumer)`},
		{"node selected: provisioning", cluster, `
metadata:
  name: data
  annotations: {volume.kubernetes.io/selected-node: worker-1}
spec: {storageClassName: standard}
status: {phase: Pending}`, Progressing, ""},
		{"pre-bound to a volume", cluster, `
spec: {storageClassName: standard, volumeName: pv-1}
status: {phase: Pending}`, Progressing, ""},
		{"of two defaults the newest", fixedClasses(
			storageClass("old", now, t0, defaultAnnotation),
			storageClass("new", wait, t0.Add(time.Hour), defaultAnnotation),
		), `
spec: {}
status: {phase: Pending}`, Healthy, `waiting for first consumer (StorageClass "new" binds WaitForFirstConsumer)`},
		{"of two defaults as old the first by name", fixedClasses(
			storageClass("b", now, t0, defaultAnnotation),
			storageClass("a", wait, t0, defaultAnnotation),
		), `
spec: {}
status: {phase: Pending}`, Healthy, `waiting for first consumer (StorageClass "a" binds WaitForFirstConsumer)`},
		{"beta default annotation", fixedClasses(storageClass("standard", wait, t0, betaDefaultAnnotation)), `
spec: {}
status: {phase: Pending}`, Healthy, `waiting for first consumer (StorageClass "standard" binds WaitForFirstConsumer)`},
		{"classes not known", StorageClassesFunc(func(*corev1.PersistentVolumeClaim) ([]storagev1.StorageClass, bool) { return nil, false }), `
spec: {storageClassName: standard}
status: {phase: Pending}`, Progressing, ""},
		{"bound", cluster, `
spec: {storageClassName: standard, volumeName: pvc-1}
status: {phase: Bound}`, Healthy, ""},
		{"lost", cluster, `
spec: {storageClassName: standard, volumeName: pvc-1}
status: {phase: Lost}`, Degraded, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := "apiVersion: v1\nkind: PersistentVolumeClaim" + tt.claim
			if !strings.Contains(tt.claim, "metadata:") {
				doc = "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: data}" + tt.claim
			}
			u := decode(t, doc)
			got := (*Checker)(nil).WithStorageClasses(tt.classes).Assess(u)
			if got.Code != tt.want || got.Message != tt.wantMsg {
				t.Fatalf("Assess = %s %q, want %s %q", got.Code, got.Message, tt.want, tt.wantMsg)
			}
			// Without the classes, as before and as in Argo CD.
			if plain := Assess(u); u.Object["status"].(map[string]any)["phase"] == "Pending" && plain.Code != Progressing {
				t.Fatalf("Assess without classes = %+v, want Progressing", plain)
			}
		})
	}
}

// TestWithStorageClassesKeepsChecks: the classes come on top of the
// custom checks, which still win, and nil classes change nothing.
func TestWithStorageClassesKeepsChecks(t *testing.T) {
	c, err := NewChecker(map[string]string{"example.com/Thing": `{"status": "Degraded", "message": "custom"}`})
	if err != nil {
		t.Fatal(err)
	}
	if c.WithStorageClasses(nil) != c {
		t.Fatal("WithStorageClasses(nil) made a new Checker")
	}
	if (*Checker)(nil).WithStorageClasses(nil) != nil {
		t.Fatal("WithStorageClasses(nil) on nil made a Checker")
	}
	wc := c.WithStorageClasses(fixedClasses(storageClass("standard", storagev1.VolumeBindingWaitForFirstConsumer, t0, defaultAnnotation)))
	thing := decode(t, "apiVersion: example.com/v1\nkind: Thing\nmetadata: {name: t}")
	if got := wc.Assess(thing); got.Message != "custom" {
		t.Fatalf("custom check lost: %+v", got)
	}
	claim := decode(t, "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: data}\nspec: {}\nstatus: {phase: Pending}")
	if got := wc.Assess(claim); got.Code != Healthy {
		t.Fatalf("claim = %+v, want Healthy", got)
	}
	if got := c.Assess(claim); got.Code != Progressing {
		t.Fatalf("the original Checker changed: claim = %+v, want Progressing", got)
	}
	own, err := NewChecker(map[string]string{"PersistentVolumeClaim": `{"status": "Suspended", "message": "mine"}`})
	if err != nil {
		t.Fatal(err)
	}
	if got := own.WithStorageClasses(wc.classes).Assess(claim); got.Message != "mine" {
		t.Fatalf("a custom PersistentVolumeClaim check must win: %+v", got)
	}
}

func TestClusterStorageClasses(t *testing.T) {
	wait := storagev1.VolumeBindingWaitForFirstConsumer
	standard := &storagev1.StorageClass{
		ObjectMeta:        metav1.ObjectMeta{Name: "standard", Annotations: defaultAnnotation},
		Provisioner:       "rancher.io/local-path",
		VolumeBindingMode: &wait,
	}
	immediate := &storagev1.StorageClass{ObjectMeta: metav1.ObjectMeta{Name: "fast"}, Provisioner: "example.com/csi"}
	local := &corev1.PersistentVolumeClaim{
		ObjectMeta: metav1.ObjectMeta{Name: "data", Namespace: "app", UID: types.UID("uid-local")},
		Status:     corev1.PersistentVolumeClaimStatus{Phase: corev1.ClaimPending},
	}
	claimOf := func(name string, uid types.UID) *corev1.PersistentVolumeClaim {
		return &corev1.PersistentVolumeClaim{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "app", UID: uid}}
	}
	newClient := func(objs ...client.Object) client.Client {
		return fake.NewClientBuilder().WithScheme(clientgoscheme.Scheme).WithObjects(objs...).Build()
	}
	failing := fake.NewClientBuilder().WithScheme(clientgoscheme.Scheme).WithInterceptorFuncs(interceptor.Funcs{
		List: func(context.Context, client.WithWatch, client.ObjectList, ...client.ListOption) error {
			return errors.New("forbidden")
		},
	}).Build()
	withClasses := newClient(standard, immediate, local.DeepCopy())
	tests := []struct {
		name           string
		classes, claim client.Reader
		ask            *corev1.PersistentVolumeClaim
		want           bool
	}{
		{"claim of this cluster", withClasses, withClasses, local, true},
		{"claim of another cluster, same name", withClasses, withClasses, claimOf("data", "uid-remote"), false},
		{"claim not in this cluster", withClasses, withClasses, claimOf("other", "uid-other"), false},
		{"claim without uid", withClasses, withClasses, claimOf("data", ""), false},
		{"every claim is this cluster's", withClasses, nil, claimOf("other", "uid-other"), true},
		{"no class waits: no need to ask", newClient(immediate), nil, local, false},
		{"classes cannot be read", failing, nil, local, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			list, ok := ClusterStorageClasses(tt.classes, tt.claim).StorageClassesFor(tt.ask)
			if ok != tt.want {
				t.Fatalf("StorageClassesFor ok = %v, want %v", ok, tt.want)
			}
			if ok && len(list) != 2 {
				t.Fatalf("StorageClassesFor = %d classes, want 2", len(list))
			}
		})
	}
}
