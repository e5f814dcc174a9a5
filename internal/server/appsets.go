package server

import (
	"net/http"
	"slices"
	"strings"

	"sigs.k8s.io/controller-runtime/pkg/client"

	"flotilla.dev/flotilla/api/v1alpha1"
)

// appSetList is GET /api/v1/applicationsets.
type appSetList struct {
	Items []AppSetSummary `json:"items"`
}

// AppSetDetail is GET /api/v1/applicationsets/{namespace}/{name}: the
// set's summary, its spec's generators (as given), template name,
// strategy and sync policy, its conditions and rollout status, and its
// generated Applications with their live status.
type AppSetDetail struct {
	AppSetSummary
	Spec              AppSetSpec                                 `json:"spec"`
	Conditions        []v1alpha1.ApplicationSetCondition         `json:"conditions"`
	ApplicationStatus []v1alpha1.ApplicationSetApplicationStatus `json:"applicationStatus"`
	Applications      []GeneratedApp                             `json:"applications"`
}

// AppSetSpec is the part of an ApplicationSet's spec the API shows.
type AppSetSpec struct {
	Generators   []v1alpha1.ApplicationSetGenerator `json:"generators"`
	TemplateName string                             `json:"templateName"`
	GoTemplate   bool                               `json:"goTemplate,omitempty"`
	Strategy     *v1alpha1.ApplicationSetStrategy   `json:"strategy,omitempty"`
	SyncPolicy   *v1alpha1.ApplicationSetSyncPolicy `json:"syncPolicy,omitempty"`
}

func (s *Server) listAppSets(w http.ResponseWriter, r *http.Request) {
	if !s.appSetsServed(w) {
		return
	}
	out := appSetList{Items: []AppSetSummary{}}
	var opts []client.ListOption
	if ns := r.URL.Query().Get("namespace"); ns != "" {
		if !s.namespaces.allows(ns) {
			writeJSON(w, http.StatusOK, out)
			return
		}
		opts = append(opts, client.InNamespace(ns))
	}
	var sets v1alpha1.ApplicationSetList
	if err := s.reader.List(r.Context(), &sets, opts...); err != nil {
		s.fail(w, err, "list applicationsets")
		return
	}
	ix, err := s.indexApps(r.Context())
	if err != nil {
		s.fail(w, err, "list applicationsets")
		return
	}
	for i := range sets.Items {
		set := &sets.Items[i]
		if s.namespaces.allows(set.Namespace) {
			out.Items = append(out.Items, summarizeAppSet(set, ix.generated(set)))
		}
	}
	slices.SortFunc(out.Items, func(a, b AppSetSummary) int {
		return strings.Compare(a.Namespace+"/"+a.Name, b.Namespace+"/"+b.Name)
	})
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) getAppSet(w http.ResponseWriter, r *http.Request) {
	if !s.appSetsServed(w) {
		return
	}
	ns, name := r.PathValue("namespace"), r.PathValue("name")
	var set v1alpha1.ApplicationSet
	if err := s.reader.Get(r.Context(), client.ObjectKey{Namespace: ns, Name: name}, &set); err != nil {
		s.fail(w, err, "applicationset "+ns+"/"+name)
		return
	}
	ix, err := s.indexApps(r.Context(), appSetNamespaces(&set)...)
	if err != nil {
		s.fail(w, err, "applicationset "+ns+"/"+name)
		return
	}
	apps := ix.generated(&set)
	out := AppSetDetail{
		AppSetSummary: summarizeAppSet(&set, apps),
		Spec: AppSetSpec{
			Generators:   set.Spec.Generators,
			TemplateName: set.Spec.Template.Name,
			GoTemplate:   set.Spec.GoTemplate,
			Strategy:     set.Spec.Strategy,
			SyncPolicy:   set.Spec.SyncPolicy,
		},
		Conditions:        set.Status.Conditions,
		ApplicationStatus: set.Status.ApplicationStatus,
		Applications:      apps,
	}
	if out.Spec.Generators == nil {
		out.Spec.Generators = []v1alpha1.ApplicationSetGenerator{}
	}
	if out.Conditions == nil {
		out.Conditions = []v1alpha1.ApplicationSetCondition{}
	}
	if out.ApplicationStatus == nil {
		out.ApplicationStatus = []v1alpha1.ApplicationSetApplicationStatus{}
	}
	writeJSON(w, http.StatusOK, out)
}
