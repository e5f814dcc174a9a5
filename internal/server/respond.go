package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/cache"

	"flotilla.dev/flotilla/internal/appctl"
)

// apiError is the body of every error answer.
type apiError struct {
	Error string `json:"error"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	_ = enc.Encode(v)
}

func writeError(w http.ResponseWriter, status int, format string, args ...any) {
	writeJSON(w, status, apiError{Error: fmt.Sprintf(format, args...)})
}

func writeText(w http.ResponseWriter, status int, text string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	_, _ = fmt.Fprintln(w, text)
}

// statusOf maps an error from the Kubernetes API or appctl to an HTTP
// status.
func statusOf(err error) int {
	var status apierrors.APIStatus
	var notStarted *cache.ErrCacheNotStarted
	switch {
	case errors.Is(err, appctl.ErrOperationInProgress), errors.Is(err, appctl.ErrAutomatedSync):
		return http.StatusConflict
	case errors.As(err, &notStarted):
		return http.StatusServiceUnavailable
	case apierrors.IsNotFound(err):
		return http.StatusNotFound
	case apierrors.IsConflict(err), apierrors.IsAlreadyExists(err):
		return http.StatusConflict
	case apierrors.IsBadRequest(err), apierrors.IsInvalid(err):
		return http.StatusBadRequest
	case apierrors.IsForbidden(err):
		return http.StatusForbidden
	case errors.As(err, &status) && status.Status().Code >= 400:
		return int(status.Status().Code)
	}
	return http.StatusInternalServerError
}
