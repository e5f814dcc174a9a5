package apply

import (
	"fmt"
	"regexp"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"flotilla.dev/flotilla/internal/object"
)

// TrackingAnnotation is Argo CD's annotation tracking method.
const TrackingAnnotation = "argocd.argoproj.io/tracking-id"

// DefaultInstanceLabel is the label of Argo CD's legacy label tracking
// (argocd-cm application.instanceLabelKey when unset).
const DefaultInstanceLabel = "app.kubernetes.io/instance"

// Argo CD's tracking methods (argocd-cm application.resourceTrackingMethod).
const (
	TrackAnnotation         = "annotation"
	TrackLabel              = "label"
	TrackAnnotationAndLabel = "annotation+label"
)

// labelMaxLength is the longest label value Kubernetes accepts.
const labelMaxLength = 63

// TrackingID is `<app>:<group>/<kind>:<namespace>/<name>`, as Argo CD
// writes it. app is the application's instance name. For a cluster-scoped
// object Argo CD writes its app's destination namespace there: use
// TrackingIDIn.
func TrackingID(app string, k object.Key) string {
	return fmt.Sprintf("%s:%s/%s:%s/%s", app, k.Group, k.Kind, k.Namespace, k.Name)
}

// TrackingIDIn is the tracking id Argo CD computes for an object of an app
// whose destination namespace is destNamespace: an object without a
// namespace (cluster-scoped) carries destNamespace in its id
// (argo-cd util/argo/resource_tracking.go, UnstructuredToAppInstanceValue).
func TrackingIDIn(app string, k object.Key, destNamespace string) string {
	if k.Namespace == "" {
		k.Namespace = destNamespace
	}
	return TrackingID(app, k)
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
// this object, as Argo CD decides it (isSelfReferencedObj): group, kind
// and name must match, and the namespace too unless live is
// cluster-scoped (its id carries the app's destination namespace).
func IsTrackedBy(live *unstructured.Unstructured, app string) bool {
	owner, k, ok := ParseTrackingID(live.GetAnnotations()[TrackingAnnotation])
	if !ok || owner != app {
		return false
	}
	lk := object.KeyOf(live)
	return lk.Group == k.Group && lk.Kind == k.Kind && lk.Name == k.Name &&
		(lk.Namespace == "" || lk.Namespace == k.Namespace)
}

// SetTracking writes app's tracking id onto u, with an empty namespace
// for a cluster-scoped object; SetTrackingIn writes Argo CD's form.
func SetTracking(u *unstructured.Unstructured, app string) {
	SetTrackingIn(u, app, "")
}

// SetTrackingIn writes onto u the tracking id Argo CD computes for an app
// whose destination namespace is destNamespace.
func SetTrackingIn(u *unstructured.Unstructured, app, destNamespace string) {
	ann := u.GetAnnotations()
	if ann == nil {
		ann = map[string]string{}
	}
	ann[TrackingAnnotation] = TrackingIDIn(app, object.KeyOf(u), destNamespace)
	u.SetAnnotations(ann)
}

// Tracking is how objects are tied to their Application: Argo CD's
// resourceTrackingMethod and instance label key. Flotilla always writes
// the tracking-id annotation (its watches and prunes need it); the label
// methods add the instance label, and let an object that carries the
// label but no tracking id (applied by Argo CD with label tracking) be
// recognised as its app's. The zero value is Argo CD's default,
// annotation tracking.
type Tracking struct {
	// Method is annotation (or empty), label or annotation+label.
	Method string
	// LabelKey is the instance label (DefaultInstanceLabel when empty).
	LabelKey string
}

// ParseTracking is the tracking argocd-cm's
// application.resourceTrackingMethod and application.instanceLabelKey ask
// for; an unknown method reads as annotation, with ok false.
func ParseTracking(method, labelKey string) (t Tracking, ok bool) {
	t = Tracking{Method: method, LabelKey: labelKey}
	switch method {
	case "", TrackAnnotation, TrackLabel, TrackAnnotationAndLabel:
		return t, true
	}
	t.Method = TrackAnnotation
	return t, false
}

// UsesLabel reports whether t writes and reads the instance label.
func (t Tracking) UsesLabel() bool {
	return t.Method == TrackLabel || t.Method == TrackAnnotationAndLabel
}

// Label returns the instance label key.
func (t Tracking) Label() string {
	if t.LabelKey == "" {
		return DefaultInstanceLabel
	}
	return t.LabelKey
}

// SetLabel writes app's instance label onto u when t uses labels: as Argo
// CD does, the value is the instance name, cut to 63 characters (and to
// an alphanumeric end) with annotation+label, whole with label.
func (t Tracking) SetLabel(u *unstructured.Unstructured, app string) error {
	if !t.UsesLabel() {
		return nil
	}
	val := app
	if t.Method == TrackAnnotationAndLabel {
		var err error
		if val, err = truncateLabel(app); err != nil {
			return err
		}
	}
	labels := u.GetLabels()
	if labels == nil {
		labels = map[string]string{}
	}
	labels[t.Label()] = val
	u.SetLabels(labels)
	return nil
}

// okEnd is how a label value may end.
var okEnd = regexp.MustCompile("[a-zA-Z0-9]$")

// truncateLabel is Argo CD's TruncateLabel: values within the limit are
// kept, longer ones cut to it and stripped of trailing special characters.
func truncateLabel(val string) (string, error) {
	if len(val) <= labelMaxLength {
		return val, nil
	}
	val = val[:labelMaxLength]
	for !okEnd.MatchString(val) {
		if len(val) <= 1 {
			return "", fmt.Errorf("instance label %q cannot be truncated", val)
		}
		val = val[:len(val)-1]
	}
	return val, nil
}

// Owner returns the instance name of the app live is tracked by: the one
// its tracking id names or, with a label method and no tracking id, its
// instance label; empty when none.
func (t Tracking) Owner(live *unstructured.Unstructured) string {
	if id := live.GetAnnotations()[TrackingAnnotation]; id != "" {
		owner, _, _ := ParseTrackingID(id)
		return owner
	}
	if t.UsesLabel() {
		return live.GetLabels()[t.Label()]
	}
	return ""
}

// Owns reports whether live is app's: it carries app's tracking id for
// this object (IsTrackedBy) or, with a label method, no tracking id and
// app's instance label (an object Argo CD applied with label tracking).
func (t Tracking) Owns(live *unstructured.Unstructured, app string) bool {
	return IsTrackedBy(live, app) || t.OwnsByLabel(live, app)
}

// OwnsByLabel reports whether live is app's through the instance label
// alone: t uses labels, live has no tracking id and its label is app's.
func (t Tracking) OwnsByLabel(live *unstructured.Unstructured, app string) bool {
	if !t.UsesLabel() || live.GetAnnotations()[TrackingAnnotation] != "" {
		return false
	}
	v := live.GetLabels()[t.Label()]
	if v == "" {
		return false
	}
	short, err := truncateLabel(app)
	return v == app || (err == nil && v == short)
}
