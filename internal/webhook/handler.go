package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/go-logr/logr"
)

// Handler serves Argo CD's /api/webhook: it parses and verifies a push or
// pull-request event with Parse and hands it to the refresh callback, which
// refreshes what the event affects (for a push the Applications for which
// Matches is true, for a pull request the ApplicationSets whose
// pull-request generators list the repository's pull requests) and returns
// how many it refreshed.
//
// Responses: 405 for a method other than POST; 401 when verification fails;
// 413 when the body exceeds MaxBodyBytes; 400 for a malformed payload or a
// request of no known provider; 500 when refresh fails; otherwise 200 with
// {"refreshed": n}, or {"ignored": "<reason>"} for an event that is neither
// a push nor a pull-request event of an action that matters. Bodies are
// JSON; errors are {"error": "<message>"}.
type Handler struct {
	// MaxBodyBytes bounds the request body; DefaultMaxBodyBytes when zero
	// or negative.
	MaxBodyBytes int64

	secrets func() Secrets
	refresh func(ctx context.Context, p Push) (int, error)
	log     logr.Logger
}

// NewHandler returns a Handler. secrets is called for every request, so that
// a rotated argocd-secret takes effect at once; nil means no secrets.
// refresh is called with the request's context for every verified push or
// pull-request event.
func NewHandler(secrets func() Secrets, refresh func(ctx context.Context, p Push) (int, error), log logr.Logger) *Handler {
	return &Handler{secrets: secrets, refresh: refresh, log: log}
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeJSON(w, http.StatusMethodNotAllowed, map[string]string{"error": "method not allowed: use POST"})
		return
	}
	limit := h.MaxBodyBytes
	if limit <= 0 {
		limit = DefaultMaxBodyBytes
	}
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	var secrets Secrets
	if h.secrets != nil {
		secrets = h.secrets()
	}

	p, err := parse(r, secrets, limit)
	if err != nil {
		h.fail(w, r, err)
		return
	}

	n := 0
	if h.refresh != nil {
		n, err = h.refresh(r.Context(), p)
		if err != nil {
			h.log.Error(err, "Webhook refresh failed", describe(p)...)
			writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "refresh failed"})
			return
		}
	}
	msg := "Webhook push"
	if p.PullRequest != nil {
		msg = "Webhook pull request"
	}
	h.log.Info(msg, append(describe(p), "refreshed", n)...)
	writeJSON(w, http.StatusOK, map[string]int{"refreshed": n})
}

// describe returns the key-value pairs that log a push or pull-request
// event.
func describe(p Push) []any {
	pr := p.PullRequest
	if pr == nil {
		return []any{"provider", p.Provider, "repoURLs", p.RepoURLs, "revision", p.Revision,
			"tag", p.Tag, "commits", len(p.Commits)}
	}
	return []any{"provider", p.Provider, "action", pr.Action, "number", pr.Number,
		"repository", pr.Owner + "/" + pr.Repo, "host", pr.Host, "branch", pr.Branch, "repoURLs", p.RepoURLs}
}

func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	var ign *ignoredError
	switch {
	case errors.As(err, &ign):
		h.log.V(1).Info("Webhook event ignored", "reason", ign.reason)
		writeJSON(w, http.StatusOK, map[string]string{"ignored": ign.reason})
	case errors.Is(err, ErrIgnored):
		h.log.V(1).Info("Webhook event ignored", "reason", err.Error())
		writeJSON(w, http.StatusOK, map[string]string{"ignored": err.Error()})
	case errors.Is(err, ErrUnauthorized):
		// The reason is logged, not returned: it would help a forger.
		h.log.Info("Webhook verification failed", "error", err.Error(), "remoteAddr", r.RemoteAddr)
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "unauthorized"})
	case errors.Is(err, ErrTooLarge):
		h.log.Info("Webhook payload too large", "error", err.Error(), "remoteAddr", r.RemoteAddr)
		writeJSON(w, http.StatusRequestEntityTooLarge, map[string]string{"error": err.Error()})
	default:
		h.log.Info("Webhook request rejected", "error", err.Error(), "remoteAddr", r.RemoteAddr)
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
