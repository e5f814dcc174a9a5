package server

import (
	"net/http"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"flotilla.dev/flotilla/api/v1alpha1"
)

// appList is GET /api/v1/applications.
type appList struct {
	Items []AppSummary `json:"items"`
}

// listFilter is the query of GET /api/v1/applications.
type listFilter struct {
	namespace string
	selector  labels.Selector
	search    string
	sync      string
	health    string
	project   string
}

func parseListFilter(r *http.Request) (listFilter, error) {
	q := r.URL.Query()
	f := listFilter{
		namespace: q.Get("namespace"),
		search:    strings.ToLower(strings.TrimSpace(q.Get("search"))),
		sync:      q.Get("sync"),
		health:    q.Get("health"),
		project:   q.Get("project"),
		selector:  labels.Everything(),
	}
	if sel := q.Get("selector"); sel != "" {
		s, err := labels.Parse(sel)
		if err != nil {
			return f, err
		}
		f.selector = s
	}
	return f, nil
}

// matches applies the fields that a label-selected list does not.
func (f listFilter) matches(s AppSummary) bool {
	switch {
	case f.sync != "" && s.Sync != f.sync,
		f.health != "" && s.Health != f.health,
		f.project != "" && s.Project != f.project:
		return false
	case f.search == "":
		return true
	}
	for _, field := range []string{s.Name, s.Namespace, s.Project, s.Repo, s.Path, s.Chart, s.Destination.Namespace} {
		if strings.Contains(strings.ToLower(field), f.search) {
			return true
		}
	}
	return false
}

func (s *Server) listApps(w http.ResponseWriter, r *http.Request) {
	f, err := parseListFilter(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, "selector: %v", err)
		return
	}
	opts := []client.ListOption{client.MatchingLabelsSelector{Selector: f.selector}}
	if f.namespace != "" {
		if !s.namespaces.allows(f.namespace) {
			writeJSON(w, http.StatusOK, appList{Items: []AppSummary{}})
			return
		}
		opts = append(opts, client.InNamespace(f.namespace))
	}
	var apps v1alpha1.ApplicationList
	if err := s.reader.List(r.Context(), &apps, opts...); err != nil {
		s.fail(w, err, "list applications")
		return
	}
	out := appList{Items: []AppSummary{}}
	for i := range apps.Items {
		app := &apps.Items[i]
		if !s.namespaces.allows(app.Namespace) {
			continue
		}
		if sum := summarize(app); f.matches(sum) {
			out.Items = append(out.Items, sum)
		}
	}
	slices.SortFunc(out.Items, func(a, b AppSummary) int {
		return strings.Compare(a.Namespace+"/"+a.Name, b.Namespace+"/"+b.Name)
	})
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) getApp(w http.ResponseWriter, r *http.Request) {
	app, ok := s.lookup(w, r)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, sanitize(app))
}

// lookup reads the Application named by the path, answering 404 for one
// outside the served namespaces.
func (s *Server) lookup(w http.ResponseWriter, r *http.Request) (*v1alpha1.Application, bool) {
	ns, name := r.PathValue("namespace"), r.PathValue("name")
	if !s.namespaces.allows(ns) {
		writeError(w, http.StatusNotFound, "application %s/%s not found", ns, name)
		return nil, false
	}
	var app v1alpha1.Application
	if err := s.reader.Get(r.Context(), client.ObjectKey{Namespace: ns, Name: name}, &app); err != nil {
		s.fail(w, err, "application "+ns+"/"+name)
		return nil, false
	}
	return &app, true
}

// fail answers with err's status; what is not the client's fault is
// logged too.
func (s *Server) fail(w http.ResponseWriter, err error, what string) {
	status := statusOf(err)
	if status >= 500 {
		s.opts.Log.Error(err, what)
	}
	writeError(w, status, "%s: %v", what, err)
}
