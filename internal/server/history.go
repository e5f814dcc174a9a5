package server

import (
	"net/http"
	"slices"

	"flotilla.dev/flotilla/api/v1alpha1"
)

// historyResponse is GET …/history: the deployed revisions, newest
// first, and the current or last operation.
type historyResponse struct {
	History   []v1alpha1.RevisionHistory `json:"history"`
	Operation *v1alpha1.OperationState   `json:"operation,omitempty"`
	// Requested is an operation written but not started yet.
	Requested *v1alpha1.Operation `json:"requested,omitempty"`
}

func (s *Server) history(w http.ResponseWriter, r *http.Request) {
	app, ok := s.lookup(w, r)
	if !ok {
		return
	}
	out := historyResponse{
		History:   slices.Clone(app.Status.History),
		Operation: app.Status.OperationState,
		Requested: app.Operation,
	}
	if out.History == nil {
		out.History = []v1alpha1.RevisionHistory{}
	}
	slices.Reverse(out.History)
	writeJSON(w, http.StatusOK, out)
}
