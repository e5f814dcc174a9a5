package server

import (
	"net/http"

	"flotilla.dev/flotilla/internal/appctl"
)

// ResourceDiff is one resource's live and desired YAML, Secret values
// masked (by internal/syncmodel).
type ResourceDiff struct {
	Group     string `json:"group"`
	Kind      string `json:"kind"`
	Namespace string `json:"namespace,omitempty"`
	Name      string `json:"name"`
	Live      string `json:"live"`
	Desired   string `json:"desired"`
	Unified   string `json:"unified"`
	Modified  bool   `json:"modified"`
	// Error is the API server's refusal of the dry-run; Desired is then
	// the rendered object.
	Error string `json:"error,omitempty"`
}

// diffResponse is GET …/diff.
type diffResponse struct {
	Revision  string         `json:"revision,omitempty"`
	Resources []ResourceDiff `json:"resources"`
}

// diff renders the app's desired state and compares it with the live
// objects: the modified (OutOfSync) resources, or all with ?all=true;
// ?revision= renders another revision, ?refresh=true resolves the
// revision again.
func (s *Server) diff(w http.ResponseWriter, r *http.Request) {
	if s.opts.Diff.Generator == nil || s.opts.Diff.Cluster == nil {
		writeError(w, http.StatusNotImplemented, "diffs are not configured on this server")
		return
	}
	app, ok := s.lookup(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	opts := s.opts.Diff
	opts.Revision, opts.LocalDir = q.Get("revision"), ""
	opts.Refresh = q.Get("refresh") == "true"
	all := q.Get("all") == "true"
	cluster, err := s.clusterOf(r.Context())
	if err != nil {
		s.fail(w, err, "diff of "+app.Namespace+"/"+app.Name)
		return
	}
	opts.Cluster = cluster
	diffs, err := appctl.Diff(r.Context(), app, opts)
	if err != nil {
		s.fail(w, err, "diff of "+app.Namespace+"/"+app.Name)
		return
	}
	out := diffResponse{Revision: opts.Revision, Resources: []ResourceDiff{}}
	for _, d := range diffs {
		if d.Modified || all {
			out.Resources = append(out.Resources, resourceDiff(d))
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// resourceDiff is d in the API's shape. Secret values are already
// masked: internal/syncmodel masks them once, for every caller.
func resourceDiff(d appctl.ResourceDiff) ResourceDiff {
	return ResourceDiff{Group: d.Group, Kind: d.Kind, Namespace: d.Namespace, Name: d.Name,
		Live: d.Live, Desired: d.Desired, Unified: d.Unified, Modified: d.Modified, Error: d.Error}
}
