package apply

import (
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"flotilla.dev/flotilla/internal/object"
)

// TrackingAnnotation is Argo CD's annotation tracking method.
const TrackingAnnotation = "argocd.argoproj.io/tracking-id"

// TrackingID is `<app>:<group>/<kind>:<namespace>/<name>`, as Argo CD
// writes it. app is the application's instance name.
func TrackingID(app string, k object.Key) string {
	return fmt.Sprintf("%s:%s/%s:%s/%s", app, k.Group, k.Kind, k.Namespace, k.Name)
}

// ParseTrackingID splits a tracking id into the app name and the key.
func ParseTrackingID(id string) (string, object.Key, bool) {
	app, rest, ok := strings.Cut(id, ":")
	if !ok {
		return "", object.Key{}, false
	}
	gk, nn, ok := strings.Cut(rest, ":")
	if !ok {
		return "", object.Key{}, false
	}
	group, kind, ok1 := strings.Cut(gk, "/")
	ns, name, ok2 := strings.Cut(nn, "/")
	if !ok1 || !ok2 || app == "" || kind == "" || name == "" {
		return "", object.Key{}, false
	}
	return app, object.Key{Group: group, Kind: kind, Namespace: ns, Name: name}, true
}

// IsTrackedBy reports whether live carries app's tracking id for exactly
// this object.
func IsTrackedBy(live *unstructured.Unstructured, app string) bool {
	id := live.GetAnnotations()[TrackingAnnotation]
	return id != "" && id == TrackingID(app, object.KeyOf(live))
}

// SetTracking writes app's tracking id onto u.
func SetTracking(u *unstructured.Unstructured, app string) {
	ann := u.GetAnnotations()
	if ann == nil {
		ann = map[string]string{}
	}
	ann[TrackingAnnotation] = TrackingID(app, object.KeyOf(u))
	u.SetAnnotations(ann)
}
