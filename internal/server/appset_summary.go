package server

import (
	"slices"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"flotilla.dev/flotilla/api/v1alpha1"
)

// Strategy types of an ApplicationSet; a set without one updates all its
// Applications at once.
const (
	strategyAllAtOnce = "AllAtOnce"
)

// AppSetSummary is one ApplicationSet in GET /api/v1/applicationsets.
type AppSetSummary struct {
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	// Generators are the kinds of the set's generators, with the kinds
	// nested in a matrix or merge generator as children.
	Generators []GeneratorKind `json:"generators"`
	// Strategy is the strategy type: AllAtOnce (also when none is set)
	// or RollingSync.
	Strategy       string `json:"strategy"`
	ResourcesCount int64  `json:"resourcesCount"`
	// Health is the set's own health as its controller reports it, or
	// Unknown.
	Health string `json:"health"`
	// ErrorOccurred is the ErrorOccurred condition being True; Error is
	// its message.
	ErrorOccurred bool   `json:"errorOccurred"`
	Error         string `json:"error,omitempty"`
	// UpToDate is the status of the ResourcesUpToDate condition: True,
	// False, or Unknown (also when the condition is absent).
	UpToDate       string `json:"upToDate"`
	UpToDateReason string `json:"upToDateReason,omitempty"`
	// Apps counts the generated Applications as the cache has them.
	Apps AppSetCounts `json:"apps"`
	// Parent is the Application that applied the set (its tracking id).
	Parent   *AppRef `json:"parent,omitempty"`
	Deleting bool    `json:"deleting,omitempty"`
}

// GeneratorKind is the kind of a generator ("list", "clusters", "git",
// "matrix"…) and, for matrix and merge, the kinds it combines.
type GeneratorKind struct {
	Kind     string          `json:"kind"`
	Children []GeneratorKind `json:"children,omitempty"`
}

// AppSetCounts counts an ApplicationSet's generated Applications.
type AppSetCounts struct {
	// Total counts those the set owns or lists; Missing those of them
	// that do not exist.
	Total     int `json:"total"`
	Missing   int `json:"missing"`
	Synced    int `json:"synced"`
	OutOfSync int `json:"outOfSync"`
	Healthy   int `json:"healthy"`
}

// GeneratedApp is an Application of an ApplicationSet: one that names the
// set as its owner, or that the set's status lists.
type GeneratedApp struct {
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	// App is the live Application's list item; nil when it does not
	// exist (or is outside the served namespaces).
	App *AppSummary `json:"app"`
	// Owned: the Application's ownerReferences name the set.
	Owned bool `json:"owned"`
	// Listed: the set's status.resources lists the Application.
	Listed bool `json:"listed"`
	// Rollout is the set's status.applicationStatus entry for it.
	Rollout *v1alpha1.ApplicationSetApplicationStatus `json:"rollout,omitempty"`
}

// summarizeAppSet makes the list item of set, counting apps, its
// generated Applications.
func summarizeAppSet(set *v1alpha1.ApplicationSet, apps []GeneratedApp) AppSetSummary {
	st := set.Status
	s := AppSetSummary{
		Namespace:      set.Namespace,
		Name:           set.Name,
		Generators:     generatorKinds(set.Spec.Generators),
		Strategy:       strategyAllAtOnce,
		ResourcesCount: max(st.ResourcesCount, int64(len(st.Resources))),
		Health:         orUnknown(string(st.Health.Status)),
		UpToDate:       string(v1alpha1.ApplicationSetConditionStatusUnknown),
		Parent:         trackedBy(set.Annotations, set.Namespace),
		Deleting:       set.DeletionTimestamp != nil,
	}
	if set.Spec.Strategy != nil && set.Spec.Strategy.Type != "" {
		s.Strategy = set.Spec.Strategy.Type
	}
	for _, c := range st.Conditions {
		switch c.Type {
		case v1alpha1.ApplicationSetConditionErrorOccurred:
			if c.Status == v1alpha1.ApplicationSetConditionStatusTrue {
				s.ErrorOccurred, s.Error = true, c.Message
			}
		case v1alpha1.ApplicationSetConditionResourcesUpToDate:
			s.UpToDate, s.UpToDateReason = orUnknown(string(c.Status)), c.Reason
		}
	}
	for _, g := range apps {
		s.Apps.Total++
		switch {
		case g.App == nil:
			s.Apps.Missing++
			continue
		case g.App.Sync == string(v1alpha1.SyncStatusCodeSynced):
			s.Apps.Synced++
		case g.App.Sync == string(v1alpha1.SyncStatusCodeOutOfSync):
			s.Apps.OutOfSync++
		}
		if g.App.Health == string(v1alpha1.HealthStatusHealthy) {
			s.Apps.Healthy++
		}
	}
	return s
}

// generated joins the set's Applications: those it owns (by the UID in
// their ownerReferences), those its status.resources lists, and those of
// its status.applicationStatus (rollout) entries, sorted by name.
func (ix *appIndex) generated(set *v1alpha1.ApplicationSet) []GeneratedApp {
	byKey := map[string]*GeneratedApp{}
	add := func(ns, name string) *GeneratedApp {
		k := ns + "/" + name
		if g, ok := byKey[k]; ok {
			return g
		}
		g := &GeneratedApp{Namespace: ns, Name: name}
		if app := ix.byKey[k]; app != nil {
			sum := summarize(app)
			g.App = &sum
		}
		byKey[k] = g
		return g
	}
	for _, app := range ix.byOwner[string(set.UID)] {
		if app.Namespace == set.Namespace {
			add(app.Namespace, app.Name).Owned = true
		}
	}
	for _, r := range set.Status.Resources {
		if r.Kind == v1alpha1.ApplicationKind && (r.Group == v1alpha1.Group || r.Group == "") {
			add(orDefault(r.Namespace, set.Namespace), r.Name).Listed = true
		}
	}
	for i := range set.Status.ApplicationStatus {
		st := set.Status.ApplicationStatus[i]
		g := byKey[set.Namespace+"/"+st.Application]
		if g == nil {
			g = add(set.Namespace, st.Application)
		}
		g.Rollout = &st
	}
	out := make([]GeneratedApp, 0, len(byKey))
	for _, g := range byKey {
		out = append(out, *g)
	}
	slices.SortFunc(out, func(a, b GeneratedApp) int {
		return strings.Compare(a.Name+"\x00"+a.Namespace, b.Name+"\x00"+b.Namespace)
	})
	return out
}

// appSetNamespaces are the namespaces the set's Applications may be in:
// its own and those its status.resources name.
func appSetNamespaces(set *v1alpha1.ApplicationSet) []string {
	out := []string{set.Namespace}
	for _, r := range set.Status.Resources {
		if r.Namespace != "" && !slices.Contains(out, r.Namespace) {
			out = append(out, r.Namespace)
		}
	}
	return out
}

// isAppSetRef reports whether an ownerReference names an ApplicationSet.
func isAppSetRef(ref metav1.OwnerReference) bool {
	gv, err := schema.ParseGroupVersion(ref.APIVersion)
	return err == nil && gv.Group == v1alpha1.Group && ref.Kind == v1alpha1.ApplicationSetKind
}

// appSetOwner is the ApplicationSet that generated app, from its
// ownerReferences (the controller reference first), or nil.
func appSetOwner(app *v1alpha1.Application) *AppRef {
	var found *AppRef
	for _, ref := range app.OwnerReferences {
		if !isAppSetRef(ref) {
			continue
		}
		if ref.Controller != nil && *ref.Controller {
			return &AppRef{Namespace: app.Namespace, Name: ref.Name}
		}
		if found == nil {
			found = &AppRef{Namespace: app.Namespace, Name: ref.Name}
		}
	}
	return found
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
