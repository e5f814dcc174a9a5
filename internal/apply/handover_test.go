package apply

import (
	"fmt"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"flotilla.dev/flotilla/internal/object"
)

// TestTrackingIDIsArgoCDs checks ids against Argo CD's format
// (util/argo/resource_tracking.go, v3.5.1: BuildAppInstanceValue over
// UnstructuredToAppInstanceValue, whose namespace defaults to the app's
// destination namespace; app.InstanceName is `<ns>_<name>` outside the
// controller's namespace).
func TestTrackingIDIsArgoCDs(t *testing.T) {
	tests := []struct {
		name, app, dest string
		key             object.Key
		want            string
	}{
		{"namespaced", "guestbook", "web", object.Key{Group: "apps", Kind: "Deployment", Namespace: "web", Name: "ui"}, "guestbook:apps/Deployment:web/ui"},
		{"core group", "guestbook", "web", object.Key{Kind: "ConfigMap", Namespace: "other", Name: "cm"}, "guestbook:/ConfigMap:other/cm"},
		{"cluster-scoped", "guestbook", "web", object.Key{Group: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: "reader"}, "guestbook:rbac.authorization.k8s.io/ClusterRole:web/reader"},
		{"cluster-scoped, no destination namespace", "root", "", object.Key{Kind: "Namespace", Name: "web"}, "root:/Namespace:/web"},
		{"app in another namespace", "team-a_api", "api", object.Key{Kind: "Service", Namespace: "api", Name: "api"}, "team-a_api:/Service:api/api"},
		{"app in another namespace, cluster-scoped", "team-a_api", "api", object.Key{Kind: "Namespace", Name: "api"}, "team-a_api:/Namespace:api/api"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := TrackingIDIn(tt.app, tt.key, tt.dest); got != tt.want {
				t.Errorf("TrackingIDIn = %q, want %q", got, tt.want)
			}
			u := &unstructured.Unstructured{}
			u.SetAPIVersion(strings.TrimPrefix(tt.key.Group+"/v1", "/"))
			u.SetKind(tt.key.Kind)
			u.SetNamespace(tt.key.Namespace)
			u.SetName(tt.key.Name)
			SetTrackingIn(u, tt.app, tt.dest)
			if !IsTrackedBy(u, tt.app) {
				t.Errorf("%s not recognised as %s's", u.GetAnnotations()[TrackingAnnotation], tt.app)
			}
		})
	}
}

func configMapLabelled(labels map[string]string, annotations map[string]string) *unstructured.Unstructured {
	u := &unstructured.Unstructured{}
	u.SetAPIVersion("v1")
	u.SetKind("ConfigMap")
	u.SetNamespace("ns")
	u.SetName("cm")
	u.SetLabels(labels)
	u.SetAnnotations(annotations)
	return u
}

func TestTrackingOwnsByMethod(t *testing.T) {
	byLabel := configMapLabelled(map[string]string{DefaultInstanceLabel: "app"}, nil)
	byID := configMapLabelled(map[string]string{DefaultInstanceLabel: "app"}, map[string]string{TrackingAnnotation: "other:/ConfigMap:ns/cm"})
	custom := configMapLabelled(map[string]string{"team/app": "app"}, nil)
	tests := []struct {
		name     string
		tracking Tracking
		live     *unstructured.Unstructured
		owns     bool
		owner    string
	}{
		{"annotation ignores the label", Tracking{}, byLabel, false, ""},
		{"label", Tracking{Method: TrackLabel}, byLabel, true, "app"},
		{"annotation+label", Tracking{Method: TrackAnnotationAndLabel}, byLabel, true, "app"},
		{"tracking id wins over the label", Tracking{Method: TrackLabel}, byID, false, "other"},
		{"custom label key", Tracking{Method: TrackLabel, LabelKey: "team/app"}, custom, true, "app"},
	}
	for _, tt := range tests {
		if got := tt.tracking.Owns(tt.live, "app"); got != tt.owns {
			t.Errorf("%s: Owns = %t, want %t", tt.name, got, tt.owns)
		}
		if got := tt.tracking.Owner(tt.live); got != tt.owner {
			t.Errorf("%s: Owner = %q, want %q", tt.name, got, tt.owner)
		}
	}
}

func TestTrackingSetLabel(t *testing.T) {
	long := strings.Repeat("a", 62) + "-b"
	tests := []struct {
		method, app, want string
	}{
		{TrackAnnotation, "app", ""},
		{TrackLabel, "app", "app"},
		{TrackAnnotationAndLabel, "team_app", "team_app"},
		{TrackAnnotationAndLabel, long, strings.Repeat("a", 62)}, // cut to 63, then the trailing '-'
		{TrackLabel, long, long},
	}
	for _, tt := range tests {
		u := configMapLabelled(nil, nil)
		if err := (Tracking{Method: tt.method}).SetLabel(u, tt.app); err != nil {
			t.Fatal(err)
		}
		if got := u.GetLabels()[DefaultInstanceLabel]; got != tt.want {
			t.Errorf("%s %q: label %q, want %q", tt.method, tt.app, got, tt.want)
		}
	}
}

func entry(manager string, op metav1.ManagedFieldsOperationType, version, fields string) metav1.ManagedFieldsEntry {
	return metav1.ManagedFieldsEntry{Manager: manager, Operation: op, APIVersion: version, FieldsType: "FieldsV1", FieldsV1: &metav1.FieldsV1{Raw: []byte(fields)}}
}

func TestTakeOverManagers(t *testing.T) {
	csa := entry("kubectl-client-side-apply", metav1.ManagedFieldsOperationUpdate, "v1", `{"f:data":{"f:a":{}}}`)
	argo := entry("argocd-controller", metav1.ManagedFieldsOperationApply, "v1", `{"f:data":{"f:b":{}}}`)
	own := entry(FieldManager, metav1.ManagedFieldsOperationApply, "v1", `{"f:data":{"f:c":{}}}`)
	other := entry("kube-controller-manager", metav1.ManagedFieldsOperationUpdate, "v1", `{"f:data":{"f:d":{}}}`)
	status := entry("argocd-controller", metav1.ManagedFieldsOperationUpdate, "v1", `{"f:status":{}}`)
	status.Subresource = "status"
	oldVersion := entry("argocd-controller", metav1.ManagedFieldsOperationUpdate, "v1beta1", `{"f:data":{"f:e":{}}}`)

	tests := []struct {
		name     string
		in       []metav1.ManagedFieldsEntry
		managers []string
		fields   string
		changed  bool
	}{
		{"nothing to take over", []metav1.ManagedFieldsEntry{own, other}, []string{FieldManager, "kube-controller-manager"}, `{"f:data":{"f:c":{}}}`, false},
		{"client-side apply", []metav1.ManagedFieldsEntry{csa, other}, []string{FieldManager, "kube-controller-manager"}, `{"f:data":{"f:a":{}}}`, true},
		{"both into flotilla's entry", []metav1.ManagedFieldsEntry{csa, argo, own, other}, []string{FieldManager, "kube-controller-manager"}, `{"f:data":{"f:a":{},"f:b":{},"f:c":{}}}`, true},
		{"subresources and other versions stay", []metav1.ManagedFieldsEntry{argo, status, oldVersion}, []string{FieldManager, "argocd-controller", "argocd-controller"}, `{"f:data":{"f:b":{}}}`, true},
	}
	for _, tt := range tests {
		out, changed, err := TakeOverManagers(tt.in)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		var managers []string
		for _, e := range out {
			managers = append(managers, e.Manager)
		}
		if strings.Join(managers, ",") != strings.Join(tt.managers, ",") || changed != tt.changed {
			t.Errorf("%s: managers %v changed %t, want %v %t", tt.name, managers, changed, tt.managers, tt.changed)
		}
		if got := string(out[0].FieldsV1.Raw); got != tt.fields || out[0].Operation != metav1.ManagedFieldsOperationApply {
			t.Errorf("%s: flotilla's entry %s %s, want Apply %s", tt.name, out[0].Operation, got, tt.fields)
		}
	}
}

func TestHandBackManagers(t *testing.T) {
	own := entry(FieldManager, metav1.ManagedFieldsOperationApply, "v1", `{"f:data":{"f:c":{}}}`)
	ownUpdate := entry(FieldManager, metav1.ManagedFieldsOperationUpdate, "v1", `{"f:data":{"f:u":{}}}`)
	argo := entry(ArgoCDApplyManager, metav1.ManagedFieldsOperationApply, "v1", `{"f:data":{"f:b":{}}}`)
	other := entry("kube-controller-manager", metav1.ManagedFieldsOperationUpdate, "v1", `{"f:data":{"f:d":{}}}`)
	ownStatus := entry(FieldManager, metav1.ManagedFieldsOperationUpdate, "v1", `{"f:status":{}}`)
	ownStatus.Subresource = "status"

	tests := []struct {
		name    string
		in      []metav1.ManagedFieldsEntry
		want    []string // manager/operation=fields
		changed bool
	}{
		{"nothing of flotilla's", []metav1.ManagedFieldsEntry{argo, other},
			[]string{`argocd-controller/Apply={"f:data":{"f:b":{}}}`, `kube-controller-manager/Update={"f:data":{"f:d":{}}}`}, false},
		{"apply to argocd-controller, update to client-side apply", []metav1.ManagedFieldsEntry{own, ownUpdate, other},
			[]string{`argocd-controller/Apply={"f:data":{"f:c":{}}}`, `kubectl-client-side-apply/Update={"f:data":{"f:u":{}}}`, `kube-controller-manager/Update={"f:data":{"f:d":{}}}`}, true},
		{"merged into an existing argocd-controller entry", []metav1.ManagedFieldsEntry{argo, own},
			[]string{`argocd-controller/Apply={"f:data":{"f:b":{},"f:c":{}}}`}, true},
		{"subresource entries stay flotilla's", []metav1.ManagedFieldsEntry{own, ownStatus},
			[]string{`argocd-controller/Apply={"f:data":{"f:c":{}}}`, `flotilla/Update={"f:status":{}}`}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, changed, err := HandBackManagers(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, e := range out {
				got = append(got, fmt.Sprintf("%s/%s=%s", e.Manager, e.Operation, e.FieldsV1.Raw))
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") || changed != tt.changed {
				t.Errorf("got %v changed %t\nwant %v %t", got, changed, tt.want, tt.changed)
			}
			// A round trip through TakeOverManagers gives flotilla every
			// field back.
			if back, _, err := TakeOverManagers(out); err != nil || (tt.changed && !isOwnApply(back[0])) {
				t.Errorf("take over after hand back: %v %+v", err, back)
			}
		})
	}
}
