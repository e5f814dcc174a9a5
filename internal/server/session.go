package server

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// UserCookie holds a signed-in user's identity: name, groups and expiry,
// signed with the session key. It is HttpOnly and SameSite=Lax, and
// Secure over TLS; writes made with it must come from the UI's own
// origin (see crossOriginGuard).
const UserCookie = "flotilla_user"

// loginCookie carries the state, nonce and PKCE verifier of a sign-in in
// progress, from /auth/login to /auth/callback.
const loginCookie = "flotilla_login"

// MinSessionKey is the shortest session key accepted, in bytes.
const MinSessionKey = 32

// maxCookie bounds a cookie's value: browsers keep about 4 KB per cookie.
const maxCookie = 3800

// Purposes of sealed values, so one cannot stand in for another.
const (
	purposeSession = "flotilla user session v1"
	purposeLogin   = "flotilla login state v1"
)

// sealer signs values with a key: base64url(JSON) "." base64url(HMAC).
// It does not encrypt; sealed values hold nothing secret from their
// holder.
type sealer struct{ key []byte }

// NewSessionKey returns a random key for sessions that last until the
// server stops.
func NewSessionKey() []byte {
	k := make([]byte, MinSessionKey)
	_, _ = rand.Read(k) // never fails (crypto/rand)
	return k
}

func (s sealer) mac(purpose, payload string) []byte {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(purpose))
	m.Write([]byte{0})
	m.Write([]byte(payload))
	return m.Sum(nil)
}

func (s sealer) seal(purpose string, v any) (string, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("encode %s: %w", purpose, err)
	}
	payload := base64.RawURLEncoding.EncodeToString(data)
	return payload + "." + base64.RawURLEncoding.EncodeToString(s.mac(purpose, payload)), nil
}

var errBadSeal = errors.New("not signed by this server")

func (s sealer) open(purpose, sealed string, v any) error {
	payload, sig, ok := strings.Cut(sealed, ".")
	if !ok {
		return errBadSeal
	}
	given, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil || !hmac.Equal(given, s.mac(purpose, payload)) {
		return errBadSeal
	}
	data, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil {
		return errBadSeal
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("decode %s: %w", purpose, err)
	}
	return nil
}

// userSession is the content of the user cookie.
type userSession struct {
	Name   string   `json:"u"`
	Groups []string `json:"g,omitempty"`
	Expiry int64    `json:"e"` // Unix seconds
}

// sessionCookie seals u into a user cookie valid for ttl.
func (s sealer) sessionCookie(u *User, ttl time.Duration, secure bool) (*http.Cookie, error) {
	v, err := s.seal(purposeSession, userSession{Name: u.Name, Groups: u.Groups, Expiry: time.Now().Add(ttl).Unix()})
	if err != nil {
		return nil, err
	}
	if len(v) > maxCookie {
		return nil, fmt.Errorf("%s is in %d groups: too many for a session cookie (about 4 KB); narrow the groups claim at the provider", u.Name, len(u.Groups))
	}
	return &http.Cookie{Name: UserCookie, Value: v, Path: "/", MaxAge: int(ttl.Seconds()),
		HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode}, nil
}

var errSessionExpired = errors.New("the session has expired")

// user opens a user cookie's value.
func (s sealer) user(value string) (*User, error) {
	var us userSession
	if err := s.open(purposeSession, value, &us); err != nil {
		return nil, err
	}
	if us.Name == "" {
		return nil, errBadSeal
	}
	if time.Now().Unix() >= us.Expiry {
		return nil, errSessionExpired
	}
	if us.Groups == nil {
		us.Groups = []string{}
	}
	return &User{Name: us.Name, Groups: us.Groups}, nil
}

// expiredCookie clears a cookie.
func expiredCookie(name, path string, secure bool) *http.Cookie {
	return &http.Cookie{Name: name, Value: "", Path: path, MaxAge: -1, HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode}
}
