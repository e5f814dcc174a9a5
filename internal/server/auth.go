package server

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"net/http"
	"strings"
)

// SessionCookie is the HttpOnly cookie POST /api/v1/session sets: it
// authorises reads, including the events stream, which an EventSource
// cannot send an Authorization header to. It never authorises writes.
const SessionCookie = "flotilla_session"

// noTokenMessage says how to configure a token; it answers every request
// that needs one when none is configured.
const noTokenMessage = `no API token is configured: start "flotilla serve" with --token TOKEN or --token-secret NAMESPACE/NAME (a Secret with key "token")`

// decision is the outcome of checking a request's credentials.
type decision struct {
	status int // 0 when allowed
	msg    string
}

// notSignedIn answers a request without credentials when people can sign
// in through OIDC.
const notSignedIn = "not signed in: sign in at " + LoginPath + ", or send the header Authorization: Bearer <token>"

// authorize checks the bearer token of r and, when cookieOK, the session
// cookie instead.
func (s *Server) authorize(r *http.Request, cookieOK bool) decision {
	token, err := s.opts.Token.Token(r.Context())
	if err != nil {
		s.opts.Log.Error(err, "read the API token")
		return decision{http.StatusServiceUnavailable, "the API token cannot be read; see the server's log"}
	}
	header := r.Header.Get("Authorization")
	if token == "" {
		if s.login != nil && header == "" {
			return decision{http.StatusUnauthorized, notSignedIn}
		}
		return decision{http.StatusForbidden, noTokenMessage}
	}
	if header != "" {
		given, ok := strings.CutPrefix(header, "Bearer ")
		if !ok || !equalSecret(strings.TrimSpace(given), token) {
			return decision{http.StatusUnauthorized, "invalid token"}
		}
		return decision{}
	}
	if cookieOK {
		if c, err := r.Cookie(SessionCookie); err == nil {
			if !equalSecret(c.Value, sessionValue(token)) {
				return decision{http.StatusUnauthorized, "invalid session: sign in again"}
			}
			return decision{}
		}
	}
	if s.login != nil {
		return decision{http.StatusUnauthorized, notSignedIn}
	}
	return decision{http.StatusUnauthorized, "missing token: send the header Authorization: Bearer <token>"}
}

// caller is who a request acts as: a user signed in through OIDC (the
// user cookie, when the request has no Authorization header), or nil for
// the server's own identity (the token; for reads also the token's
// session cookie, or nobody with anonymous reads).
func (s *Server) caller(r *http.Request, read bool) (*User, decision) {
	if s.login != nil && r.Header.Get("Authorization") == "" {
		if c, err := r.Cookie(UserCookie); err == nil {
			u, err := s.seal.user(c.Value)
			if err != nil {
				return nil, decision{http.StatusUnauthorized, "session: " + err.Error() + ": sign in again at " + LoginPath}
			}
			return u, decision{}
		}
	}
	if read && s.opts.AnonymousRead {
		return nil, decision{}
	}
	return nil, s.authorize(r, read)
}

// read lets a request through as its caller: a signed-in user, or the
// server's identity with a valid token or session, or with none when
// anonymous reads are on.
func (s *Server) read(h http.HandlerFunc) http.HandlerFunc {
	return s.as(true, h)
}

// write lets a request through with the token in the Authorization
// header (a token session cookie alone would let other sites' forms post
// here), or as a signed-in user, whose cookie crossOriginGuard keeps to
// this server's own pages.
func (s *Server) write(h http.HandlerFunc) http.HandlerFunc {
	return s.as(false, h)
}

func (s *Server) as(read bool, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		u, d := s.caller(r, read)
		if d.status != 0 {
			deny(w, d)
			return
		}
		h(w, r.WithContext(withUser(r.Context(), u)))
	}
}

// tokenOnly lets a request through only with the bearer token: the
// token session cookie is made from it and from nothing else.
func (s *Server) tokenOnly(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if d := s.authorize(r, false); d.status != 0 {
			deny(w, d)
			return
		}
		h(w, r)
	}
}

func deny(w http.ResponseWriter, d decision) {
	if d.status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="flotilla"`)
	}
	writeError(w, d.status, "%s", d.msg)
}

// equalSecret compares in constant time, also for different lengths.
func equalSecret(given, want string) bool {
	a, b := sha256.Sum256([]byte(given)), sha256.Sum256([]byte(want))
	return subtle.ConstantTimeCompare(a[:], b[:]) == 1
}

// sessionValue is the cookie for token: derived from it, so the cookie
// never holds the token and stops working when the token changes.
func sessionValue(token string) string {
	m := hmac.New(sha256.New, []byte(token))
	m.Write([]byte("flotilla session v1"))
	return hex.EncodeToString(m.Sum(nil))
}

// sessionState is GET /api/v1/session: what the UI needs to decide
// whether to ask for a token.
type sessionState struct {
	// AnonymousRead is true when reads need no token.
	AnonymousRead bool `json:"anonymousRead"`
	// TokenConfigured is false when the server refuses every write.
	TokenConfigured bool `json:"tokenConfigured"`
	// Authenticated is true when the request carried a valid token or
	// session cookie, or a signed-in user's cookie.
	Authenticated bool `json:"authenticated"`
	// OIDC is true when people can sign in at LoginPath.
	OIDC bool `json:"oidc"`
	// User is who is signed in through OIDC.
	User *User `json:"user,omitempty"`
}

func (s *Server) sessionInfo(w http.ResponseWriter, r *http.Request) {
	token, _ := s.opts.Token.Token(r.Context())
	st := sessionState{AnonymousRead: s.opts.AnonymousRead, TokenConfigured: token != "", OIDC: s.login != nil}
	if u, d := s.caller(r, true); d.status == 0 && u != nil {
		st.User, st.Authenticated = u, true
	} else if st.TokenConfigured {
		st.Authenticated = s.authorize(r, true).status == 0
	}
	writeJSON(w, http.StatusOK, st)
}

// tokenLogin (behind tokenOnly, so the bearer token is valid) sets the
// session cookie.
func (s *Server) tokenLogin(w http.ResponseWriter, r *http.Request) {
	token, err := s.opts.Token.Token(r.Context())
	if err != nil || token == "" {
		writeError(w, http.StatusServiceUnavailable, "the API token cannot be read")
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name:     SessionCookie,
		Value:    sessionValue(token),
		Path:     "/api/",
		HttpOnly: true,
		Secure:   r.TLS != nil,
		SameSite: http.SameSiteStrictMode,
	})
	writeJSON(w, http.StatusOK, sessionState{AnonymousRead: s.opts.AnonymousRead, TokenConfigured: true, Authenticated: true, OIDC: s.login != nil})
}

// logout clears the session cookies, the token's and a signed-in
// user's; it needs no token.
func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	if s.login != nil {
		http.SetCookie(w, expiredCookie(UserCookie, "/", r.TLS != nil || s.login.secure))
	}
	http.SetCookie(w, &http.Cookie{
		Name:     SessionCookie,
		Value:    "",
		Path:     "/api/",
		MaxAge:   -1,
		HttpOnly: true,
		Secure:   r.TLS != nil,
		SameSite: http.SameSiteStrictMode,
	})
	w.WriteHeader(http.StatusNoContent)
}
