package appset

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"flotilla.dev/flotilla/api/v1alpha1"
)

// Finalizers and annotations the ApplicationSet controller knows.
const (
	// ResourcesFinalizer makes deleting an Application delete its resources.
	ResourcesFinalizer = "resources-finalizer.argocd.argoproj.io"
	// RefreshAnnotation asks for a pass now; the controller removes it.
	RefreshAnnotation = "argocd.argoproj.io/application-set-refresh"
	// MaxDeletionsAnnotation holds a pass that would delete more
	// Applications than it allows ("N" or "N%" of the set's Applications).
	MaxDeletionsAnnotation = "flotilla.dev/max-deletions"
	// ConfirmDeletionsAnnotation lets one held pass go on: its value must be
	// the token the hold's condition names.
	ConfirmDeletionsAnnotation = "flotilla.dev/confirm-deletions"
)

// preservedAnnotations are kept from the live Application whatever the
// template says, as Argo CD keeps them.
var preservedAnnotations = []string{
	"notified.notifications.argoproj.io",
	"argocd.argoproj.io/refresh",
	"argocd.argoproj.io/hydrate",
}

// preservedFinalizers (prefixes) are kept from the live Application.
var preservedFinalizers = []string{
	"pre-delete-finalizer.argocd.argoproj.io",
	"post-delete-finalizer.argocd.argoproj.io",
}

// Change is one Application to update: as it is and as it should be.
type Change struct {
	Live, Desired *v1alpha1.Application
}

// Plan is what one pass does to a set's Applications.
type Plan struct {
	Create    []*v1alpha1.Application
	Update    []Change
	Delete    []*v1alpha1.Application
	Unchanged []string
	// Invalid are generated Applications that are neither written nor
	// deleted this pass, with why.
	Invalid map[string]string
	// Held are the deletions the max-deletions guard holds, with the
	// message and token that confirm them.
	Held         []string
	HeldMessage  string
	ConfirmToken string
}

// PlanInput is what a plan is made from.
type PlanInput struct {
	Set *v1alpha1.ApplicationSet
	// Generated are Generate's Applications.
	Generated []v1alpha1.Application
	// Existing are the Applications of the set's namespace that the set
	// owns or that have a generated name.
	Existing []v1alpha1.Application
	// Validate says why an Application may not be written (an unknown
	// project or cluster); nil accepts every one.
	Validate func(*v1alpha1.Application) error
}

// MakePlan decides what to create, update and delete. It fails only for
// a set whose own settings are wrong (an ignore rule, the max-deletions
// annotation): then nothing may change.
func MakePlan(in PlanInput) (*Plan, error) {
	set := in.Set
	policy := Policy(set)
	rules, err := ignoreRules(set)
	if err != nil {
		return nil, err
	}
	existing := map[string]*v1alpha1.Application{}
	for i := range in.Existing {
		existing[in.Existing[i].Name] = &in.Existing[i]
	}
	p := &Plan{Invalid: map[string]string{}}
	generated := map[string]bool{}
	for i := range in.Generated {
		g := Desired(set, &in.Generated[i])
		if generated[g.Name] {
			p.Invalid[g.Name] = fmt.Sprintf("ApplicationSet %s contains applications with duplicate name: %s", set.Name, g.Name)
			continue
		}
		generated[g.Name] = true
		if err := validate(in.Validate, g); err != nil {
			p.Invalid[g.Name] = err.Error()
			continue
		}
		live := existing[g.Name]
		if live == nil {
			p.Create = append(p.Create, g)
			continue
		}
		if other := otherOwner(live, set); other != "" {
			p.Invalid[g.Name] = fmt.Sprintf("application %s is owned by ApplicationSet %s", g.Name, other)
			continue
		}
		if !policy.AllowUpdate() && Owns(set, live) {
			p.Unchanged = append(p.Unchanged, g.Name)
			continue
		}
		want, err := merged(set, g, live, rules)
		if err != nil {
			return nil, err
		}
		if same(live, want) {
			p.Unchanged = append(p.Unchanged, g.Name)
			continue
		}
		p.Update = append(p.Update, Change{Live: live, Desired: want})
	}
	if policy.AllowDelete() {
		for i := range in.Existing {
			if app := &in.Existing[i]; Owns(set, app) && !generated[app.Name] {
				p.Delete = append(p.Delete, app)
			}
		}
	}
	sort.Slice(p.Delete, func(i, j int) bool { return p.Delete[i].Name < p.Delete[j].Name })
	return p, guardDeletions(set, p, owned(set, in.Existing))
}

func validate(fn func(*v1alpha1.Application) error, app *v1alpha1.Application) error {
	if fn == nil {
		return nil
	}
	return fn(app)
}

// Policy is the set's applicationsSync policy, "sync" when unset.
func Policy(set *v1alpha1.ApplicationSet) v1alpha1.ApplicationsSyncPolicy {
	if set.Spec.SyncPolicy == nil || set.Spec.SyncPolicy.ApplicationsSync == nil {
		return v1alpha1.ApplicationsSyncPolicySync
	}
	return *set.Spec.SyncPolicy.ApplicationsSync
}

// Desired is a generated Application as the set writes it: in the set's
// namespace, owned by the set, with the resources finalizer unless the
// template names finalizers or the set preserves resources on deletion.
func Desired(set *v1alpha1.ApplicationSet, g *v1alpha1.Application) *v1alpha1.Application {
	app := g.DeepCopy()
	app.APIVersion, app.Kind = v1alpha1.SchemeGroupVersion.String(), "Application"
	app.Namespace = set.Namespace
	addResourcesFinalizer(set, app)
	if app.Spec.Project == "" {
		app.Spec.Project = "default"
	}
	app.OwnerReferences = []metav1.OwnerReference{ownerRef(set)}
	return app
}

// addResourcesFinalizer gives app the resources finalizer when it has no
// finalizers and the set does not preserve resources on deletion.
func addResourcesFinalizer(set *v1alpha1.ApplicationSet, app *v1alpha1.Application) {
	preserve := set.Spec.SyncPolicy != nil && set.Spec.SyncPolicy.PreserveResourcesOnDeletion
	if !preserve && len(app.Finalizers) == 0 {
		app.Finalizers = []string{ResourcesFinalizer}
	}
}

func ownerRef(set *v1alpha1.ApplicationSet) metav1.OwnerReference {
	return metav1.OwnerReference{
		APIVersion: v1alpha1.SchemeGroupVersion.String(), Kind: "ApplicationSet",
		Name: set.Name, UID: set.UID, Controller: new(true), BlockOwnerDeletion: new(true),
	}
}

// Owns reports whether app's controlling owner is set.
func Owns(set *v1alpha1.ApplicationSet, app *v1alpha1.Application) bool {
	ref := metav1.GetControllerOfNoCopy(app)
	if ref == nil || ref.Kind != "ApplicationSet" || ref.Name != set.Name {
		return false
	}
	return set.UID == "" || ref.UID == set.UID
}

// otherOwner names the ApplicationSet or other controller that owns app,
// "" when none or set does.
func otherOwner(app *v1alpha1.Application, set *v1alpha1.ApplicationSet) string {
	ref := metav1.GetControllerOfNoCopy(app)
	if ref == nil || Owns(set, app) {
		return ""
	}
	if ref.Kind == "ApplicationSet" {
		return ref.Name
	}
	return ref.Kind + " " + ref.Name
}

func owned(set *v1alpha1.ApplicationSet, apps []v1alpha1.Application) int {
	n := 0
	for i := range apps {
		if Owns(set, &apps[i]) {
			n++
		}
	}
	return n
}

// merged is the live Application changed to what the set generates: the
// template's spec, labels, annotations and finalizers, the preserved ones
// of live kept, ignored differences left as live has them, and the set
// as controlling owner (adopting an unowned Application).
func merged(set *v1alpha1.ApplicationSet, g, live *v1alpha1.Application, rules []ignoreRule) (*v1alpha1.Application, error) {
	want := live.DeepCopy()
	want.Spec = g.Spec
	if g.Operation != nil {
		want.Operation = g.Operation
	}
	want.Annotations = keep(g.Annotations, live.Annotations, preservedKeys(set, true))
	want.Labels = keep(g.Labels, live.Labels, preservedKeys(set, false))
	want.Finalizers = slices.Clone(g.Finalizers)
	for _, f := range live.Finalizers {
		for _, p := range preservedFinalizers {
			if strings.HasPrefix(f, p) && !slices.Contains(want.Finalizers, f) {
				want.Finalizers = append(want.Finalizers, f)
			}
		}
	}
	want.OwnerReferences = withController(live.OwnerReferences, ownerRef(set))
	return respectIgnored(want, live, rules)
}

func preservedKeys(set *v1alpha1.ApplicationSet, annotations bool) []string {
	var keys []string
	if pf := set.Spec.PreservedFields; pf != nil {
		if annotations {
			keys = append(keys, pf.Annotations...)
		} else {
			keys = append(keys, pf.Labels...)
		}
	}
	if annotations {
		keys = append(keys, preservedAnnotations...)
	}
	return keys
}

// keep returns generated with the preserved keys of live.
func keep(generated, live map[string]string, preserved []string) map[string]string {
	out := map[string]string{}
	for k, v := range generated {
		out[k] = v
	}
	for _, k := range preserved {
		if v, ok := live[k]; ok {
			out[k] = v
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

func withController(refs []metav1.OwnerReference, ref metav1.OwnerReference) []metav1.OwnerReference {
	out := []metav1.OwnerReference{ref}
	for _, r := range refs {
		if r.UID != ref.UID && (r.Controller == nil || !*r.Controller) {
			out = append(out, r)
		}
	}
	return out
}

// same reports whether writing want over live would change nothing the
// set manages.
func same(live, want *v1alpha1.Application) bool {
	return equality.Semantic.DeepEqual(live.Spec, want.Spec) &&
		equality.Semantic.DeepEqual(live.Labels, want.Labels) &&
		equality.Semantic.DeepEqual(live.Annotations, want.Annotations) &&
		equality.Semantic.DeepEqual(live.Finalizers, want.Finalizers) &&
		equality.Semantic.DeepEqual(live.OwnerReferences, want.OwnerReferences) &&
		equality.Semantic.DeepEqual(live.Operation, want.Operation)
}
