package apply

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"flotilla.dev/flotilla/internal/object"
)

// FuzzTrackingID checks the tracking-id annotation both ways:
//
//   - any string ParseTrackingID accepts is given back unchanged by
//     TrackingID (parse → format is the identity);
//   - TrackingID of a key ParseTrackingID can represent parses back to that
//     key (format → parse is the identity);
//   - IsTrackedBy and Tracking.Owner agree with the parse, and the instance
//     label Argo CD would write is never longer than a label value may be.
func FuzzTrackingID(f *testing.F) {
	f.Add("guestbook:apps/Deployment:web/ui", "guestbook", "apps", "Deployment", "web", "ui")
	f.Add("root:/Namespace:/web", "root", "", "Namespace", "", "web")
	f.Add("a:b/c:d/e/f:g", "team_app", "argoproj.io", "Application", "argocd", "child")
	f.Add("app:apps/Deployment:ns/", "app", "apps", "Deployment", "ns", "")
	f.Add(":/:/", "", "", "", "", "")
	f.Add("app::/x", "a:b", "g/h", "k:i", "n/s", "n:a/m")
	f.Add(strings.Repeat("x", 70)+":/ConfigMap:ns/cm", strings.Repeat("ab-", 30), "", "ConfigMap", "ns", "cm")

	f.Fuzz(func(t *testing.T, id, app, group, kind, namespace, name string) {
		// parse → format
		gotApp, key, ok := ParseTrackingID(id)
		if ok {
			if gotApp == "" || key.Kind == "" || key.Name == "" {
				t.Fatalf("ParseTrackingID(%q) accepted an empty app, kind or name: %q %+v", id, gotApp, key)
			}
			if back := TrackingID(gotApp, key); back != id {
				t.Fatalf("TrackingID(ParseTrackingID(%q)) = %q", id, back)
			}
		}

		// format → parse, for the keys the format can carry: the separators
		// ':' and '/' are cut at their first occurrence, so only the name
		// (the last field) and the kind (after the group's '/') and the
		// namespace (after the second ':') may contain them.
		representable := app != "" && kind != "" && name != "" &&
			!strings.Contains(app, ":") &&
			!strings.ContainsAny(group, ":/") &&
			!strings.Contains(kind, ":") &&
			!strings.Contains(namespace, "/")
		k := object.Key{Group: group, Kind: kind, Namespace: namespace, Name: name}
		formatted := TrackingID(app, k)
		gotApp, got, ok := ParseTrackingID(formatted)
		same := ok && gotApp == app && got == k
		if representable && !same {
			t.Fatalf("ParseTrackingID(TrackingID(%q, %+v) = %q) = %q %+v %t", app, k, formatted, gotApp, got, ok)
		}
		if !representable && same {
			t.Fatalf("TrackingID(%q, %+v) = %q round-trips although a separator is misplaced", app, k, formatted)
		}

		// The same id on an object.
		u := &unstructured.Unstructured{Object: map[string]any{}}
		u.SetAnnotations(map[string]string{TrackingAnnotation: id})
		owner, _, parsed := ParseTrackingID(id)
		if got := (Tracking{}).Owner(u); got != owner {
			t.Fatalf("Owner = %q, want %q", got, owner)
		}
		if IsTrackedBy(u, app) && (!parsed || owner != app) {
			t.Fatalf("IsTrackedBy(%q) with tracking id %q", app, id)
		}

		// An object of this key tracked by app is recognised as app's.
		if representable {
			obj := &unstructured.Unstructured{Object: map[string]any{}}
			obj.SetAPIVersion("v1")
			if group != "" {
				obj.SetAPIVersion(group + "/v1")
			}
			obj.SetKind(kind)
			obj.SetNamespace(namespace)
			obj.SetName(name)
			if object.KeyOf(obj) == k {
				SetTracking(obj, app)
				if !IsTrackedBy(obj, app) {
					t.Fatalf("SetTracking then IsTrackedBy(%q) = false for %+v", app, k)
				}
			}
		}

		// The instance label of annotation+label tracking.
		tr := Tracking{Method: TrackAnnotationAndLabel}
		label, err := truncateLabel(app)
		if err == nil {
			if len(label) > labelMaxLength {
				t.Fatalf("truncateLabel(%q) = %q, longer than %d", app, label, labelMaxLength)
			}
			if !strings.HasPrefix(app, label) {
				t.Fatalf("truncateLabel(%q) = %q, not a prefix", app, label)
			}
			if len(app) > labelMaxLength && !okEnd.MatchString(label) {
				t.Fatalf("truncateLabel(%q) = %q, ends in a special character", app, label)
			}
			lu := &unstructured.Unstructured{Object: map[string]any{}}
			if err := tr.SetLabel(lu, app); err != nil {
				t.Fatalf("SetLabel(%q): %v", app, err)
			}
			if app != "" && !tr.OwnsByLabel(lu, app) {
				t.Fatalf("OwnsByLabel(%q) = false after SetLabel", app)
			}
		} else if len(app) <= labelMaxLength {
			t.Fatalf("truncateLabel(%q) failed within the limit: %v", app, err)
		}
	})
}
