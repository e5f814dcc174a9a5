package server

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"

	"flotilla.dev/flotilla/internal/appctl"
)

// SyncRequest is the body of POST …/sync; every field is optional.
type SyncRequest struct {
	Prune     bool           `json:"prune"`
	DryRun    bool           `json:"dryRun"`
	Revision  string         `json:"revision"`
	Resources []SyncResource `json:"resources"`
}

// SyncResource names a resource to sync when not all should be.
type SyncResource struct {
	Group     string `json:"group"`
	Kind      string `json:"kind"`
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
}

// maxBody bounds request bodies.
const maxBody = 1 << 20

// SyncResponse answers a sync request: the Application with the
// operation it now carries.
type SyncResponse struct {
	Application AppSummary `json:"application"`
	Message     string     `json:"message"`
}

func (s *Server) sync(w http.ResponseWriter, r *http.Request) {
	ns, name := r.PathValue("namespace"), r.PathValue("name")
	if !s.namespaces.allows(ns) {
		writeError(w, http.StatusNotFound, "application %s/%s not found", ns, name)
		return
	}
	var req SyncRequest
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil && !errors.Is(err, io.EOF) {
		writeError(w, http.StatusBadRequest, "sync request: %v", err)
		return
	}
	var resources []appctl.Resource
	for _, res := range req.Resources {
		if res.Kind == "" || res.Name == "" {
			writeError(w, http.StatusBadRequest, "sync request: a resource needs kind and name")
			return
		}
		resources = append(resources, appctl.Resource(res))
	}
	revision, err := s.resolveRevision(r, ns, name, req.Revision)
	if err != nil {
		s.fail(w, err, "sync "+ns+"/"+name)
		return
	}
	c, err := s.clientOf(r.Context())
	if err != nil {
		s.fail(w, err, "sync "+ns+"/"+name)
		return
	}
	app, err := appctl.Sync(r.Context(), c, ns, name, appctl.SyncOptions{
		Prune: req.Prune, DryRun: req.DryRun, Revision: revision,
		Resources: resources, Username: s.usernameOf(r.Context()),
	})
	if err != nil {
		s.fail(w, err, "sync "+ns+"/"+name)
		return
	}
	msg := "sync requested"
	if req.DryRun {
		msg = "dry-run sync requested"
	}
	writeJSON(w, http.StatusAccepted, SyncResponse{Application: summarize(app), Message: msg})
}

// resolveRevision turns a branch, tag or short SHA into the commit the
// controller will pin (it takes any other revision for the one it
// compares now).
func (s *Server) resolveRevision(r *http.Request, ns, name, revision string) (string, error) {
	if revision == "" || appctl.IsFullSHA(revision) || s.opts.Diff.Generator == nil {
		return revision, nil
	}
	app, err := appctl.Get(r.Context(), s.reader, ns, name)
	if err != nil {
		return "", err
	}
	return appctl.ResolveRevision(r.Context(), s.opts.Diff.Generator, app, revision)
}

// RefreshResponse answers a refresh request.
type RefreshResponse struct {
	Refresh string `json:"refresh"`
}

func (s *Server) refresh(w http.ResponseWriter, r *http.Request) {
	ns, name := r.PathValue("namespace"), r.PathValue("name")
	if !s.namespaces.allows(ns) {
		writeError(w, http.StatusNotFound, "application %s/%s not found", ns, name)
		return
	}
	hard := false
	if v := r.URL.Query().Get("hard"); v != "" {
		var err error
		if hard, err = strconv.ParseBool(v); err != nil {
			writeError(w, http.StatusBadRequest, "hard=%q: want true or false", v)
			return
		}
	}
	c, err := s.clientOf(r.Context())
	if err == nil {
		err = appctl.Refresh(r.Context(), c, ns, name, hard)
	}
	if err != nil {
		s.fail(w, err, "refresh "+ns+"/"+name)
		return
	}
	kind := "normal"
	if hard {
		kind = "hard"
	}
	writeJSON(w, http.StatusAccepted, RefreshResponse{Refresh: kind})
}
