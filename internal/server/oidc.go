package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/go-logr/logr"
	"golang.org/x/oauth2"
)

// Defaults of OIDCOptions.
var (
	DefaultOIDCScopes = []string{oidc.ScopeOpenID, "profile", "email", "groups"}
)

// Defaults of OIDCOptions and Options.
const (
	DefaultUsernameClaim = "email"
	DefaultGroupsClaim   = "groups"
	DefaultSessionTTL    = 8 * time.Hour
	// CallbackPath is where the provider sends the browser back; the
	// redirect URL must end with it.
	CallbackPath = "/auth/callback"
	// LoginPath starts a sign-in; ?return=#/route comes back to a page.
	LoginPath = "/auth/login"
)

// loginTTL bounds a sign-in from /auth/login to /auth/callback.
const loginTTL = 10 * time.Minute

// OIDCOptions configure sign-in through an OpenID Connect provider with
// the authorization-code flow and PKCE.
type OIDCOptions struct {
	// IssuerURL is the provider's issuer; its discovery document is read
	// from IssuerURL/.well-known/openid-configuration. Required.
	IssuerURL string
	// ClientID and ClientSecret are the client registered at the
	// provider; without a secret the client is public (PKCE alone).
	ClientID     string
	ClientSecret string
	// RedirectURL is this server's callback as the browser reaches it,
	// ending in CallbackPath, registered at the provider. Required.
	RedirectURL string
	// Scopes asked for; default DefaultOIDCScopes ("openid" is added
	// when missing).
	Scopes []string
	// UsernameClaim and GroupsClaim name the ID token's claims (or the
	// userinfo's, when the token lacks them) that are the Kubernetes
	// user and groups; default DefaultUsernameClaim, DefaultGroupsClaim.
	UsernameClaim string
	GroupsClaim   string
	// UsernamePrefix and GroupsPrefix go before the claims' values, as
	// kube-apiserver's --oidc-username-prefix and --oidc-groups-prefix.
	UsernamePrefix string
	GroupsPrefix   string
	// HTTPClient talks to the provider; default http.DefaultClient.
	HTTPClient *http.Client
}

// oidcLogin runs the authorization-code flow and turns its ID token into
// a user session.
type oidcLogin struct {
	opts   OIDCOptions
	claims claimMapping
	seal   sealer
	ttl    time.Duration
	secure bool // cookies only over TLS: the redirect URL is https
	log    logr.Logger

	mu       sync.Mutex
	provider *oidc.Provider
}

func newOIDCLogin(o OIDCOptions, seal sealer, ttl time.Duration) (*oidcLogin, error) {
	if o.IssuerURL == "" || o.ClientID == "" {
		return nil, errors.New("oidc: the issuer URL and the client ID are required")
	}
	u, err := url.Parse(o.RedirectURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.Path != CallbackPath {
		return nil, fmt.Errorf("oidc: redirect URL %q: want an absolute http(s) URL ending in %s", o.RedirectURL, CallbackPath)
	}
	if len(o.Scopes) == 0 {
		o.Scopes = DefaultOIDCScopes
	}
	if !slices.Contains(o.Scopes, oidc.ScopeOpenID) {
		o.Scopes = append([]string{oidc.ScopeOpenID}, o.Scopes...)
	}
	m := claimMapping{usernameClaim: orDefault(o.UsernameClaim, DefaultUsernameClaim), groupsClaim: orDefault(o.GroupsClaim, DefaultGroupsClaim),
		usernamePrefix: o.UsernamePrefix, groupsPrefix: o.GroupsPrefix}
	if o.HTTPClient == nil {
		o.HTTPClient = http.DefaultClient
	}
	return &oidcLogin{opts: o, claims: m, seal: seal, ttl: ttl, secure: u.Scheme == "https", log: logr.Discard()}, nil
}

// origin is the scheme and host of the redirect URL: the UI's origin as
// browsers see it, also behind a proxy.
func (l *oidcLogin) origin() string {
	u, _ := url.Parse(l.opts.RedirectURL)
	return u.Scheme + "://" + u.Host
}

func (l *oidcLogin) context(ctx context.Context) context.Context {
	return oidc.ClientContext(ctx, l.opts.HTTPClient)
}

// discover reads the provider's discovery document once it answers.
func (l *oidcLogin) discover(ctx context.Context) (*oidc.Provider, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.provider != nil {
		return l.provider, nil
	}
	p, err := oidc.NewProvider(l.context(ctx), l.opts.IssuerURL)
	if err != nil {
		return nil, fmt.Errorf("oidc discovery of %s: %w", l.opts.IssuerURL, err)
	}
	l.provider = p
	return p, nil
}

func (l *oidcLogin) oauth2Config(p *oidc.Provider) *oauth2.Config {
	return &oauth2.Config{ClientID: l.opts.ClientID, ClientSecret: l.opts.ClientSecret,
		Endpoint: p.Endpoint(), RedirectURL: l.opts.RedirectURL, Scopes: l.opts.Scopes}
}

// loginState is sealed into the login cookie between the two legs.
type loginState struct {
	State    string `json:"s"`
	Nonce    string `json:"n"`
	Verifier string `json:"v"`
	Return   string `json:"r"`
	Expiry   int64  `json:"e"`
}

// login sends the browser to the provider, remembering in a cookie what
// the callback must check.
func (l *oidcLogin) login(w http.ResponseWriter, r *http.Request) {
	p, err := l.discover(r.Context())
	if err != nil {
		l.fail(w, http.StatusBadGateway, err)
		return
	}
	st := loginState{State: oauth2.GenerateVerifier(), Nonce: oauth2.GenerateVerifier(), Verifier: oauth2.GenerateVerifier(),
		Return: returnRoute(r.URL.Query().Get("return")), Expiry: time.Now().Add(loginTTL).Unix()}
	v, err := l.seal.seal(purposeLogin, st)
	if err != nil {
		l.fail(w, http.StatusInternalServerError, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: loginCookie, Value: v, Path: "/auth/", MaxAge: int(loginTTL.Seconds()),
		HttpOnly: true, Secure: l.secure, SameSite: http.SameSiteLaxMode})
	to := l.oauth2Config(p).AuthCodeURL(st.State, oidc.Nonce(st.Nonce), oauth2.S256ChallengeOption(st.Verifier))
	http.Redirect(w, r, to, http.StatusFound)
}

// callback checks the provider's answer, redeems the code with the PKCE
// verifier, verifies the ID token and its nonce, and sets the user
// cookie.
func (l *oidcLogin) callback(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, expiredCookie(loginCookie, "/auth/", l.secure))
	st, status, err := l.checkCallback(r)
	if err != nil {
		l.fail(w, status, err)
		return
	}
	u, err := l.redeem(r.Context(), r.URL.Query().Get("code"), st)
	if err != nil {
		l.fail(w, http.StatusUnauthorized, err)
		return
	}
	c, err := l.seal.sessionCookie(u, l.ttl, l.secure)
	if err != nil {
		l.fail(w, http.StatusUnauthorized, err)
		return
	}
	http.SetCookie(w, c)
	l.log.Info("signed in", "user", u.Name, "groups", u.Groups)
	http.Redirect(w, r, "/"+st.Return, http.StatusFound)
}

// checkCallback matches the callback's state with the login cookie's.
func (l *oidcLogin) checkCallback(r *http.Request) (loginState, int, error) {
	var st loginState
	q := r.URL.Query()
	if e := q.Get("error"); e != "" {
		return st, http.StatusUnauthorized, fmt.Errorf("the provider refused the sign-in: %s %s", e, q.Get("error_description"))
	}
	c, err := r.Cookie(loginCookie)
	if err != nil {
		return st, http.StatusBadRequest, errors.New("no sign-in in progress in this browser (the login cookie is missing)")
	}
	if err := l.seal.open(purposeLogin, c.Value, &st); err != nil {
		return st, http.StatusBadRequest, fmt.Errorf("login cookie: %w", err)
	}
	switch {
	case time.Now().Unix() >= st.Expiry:
		return st, http.StatusBadRequest, errors.New("the sign-in took too long")
	case !equalSecret(q.Get("state"), st.State):
		return st, http.StatusBadRequest, errors.New("the state does not match this browser's sign-in")
	case q.Get("code") == "":
		return st, http.StatusBadRequest, errors.New("the provider sent no code")
	}
	return st, 0, nil
}

// redeem exchanges the code and reads the user from the verified ID
// token, or from the userinfo endpoint for claims the token lacks.
func (l *oidcLogin) redeem(ctx context.Context, code string, st loginState) (*User, error) {
	p, err := l.discover(ctx)
	if err != nil {
		return nil, err
	}
	ctx = l.context(ctx)
	tok, err := l.oauth2Config(p).Exchange(ctx, code, oauth2.VerifierOption(st.Verifier))
	if err != nil {
		return nil, fmt.Errorf("redeem the code: %w", err)
	}
	raw, ok := tok.Extra("id_token").(string)
	if !ok || raw == "" {
		return nil, errors.New("the provider's token answer has no id_token (is the scope openid asked for?)")
	}
	idt, err := p.Verifier(&oidc.Config{ClientID: l.opts.ClientID}).Verify(ctx, raw)
	if err != nil {
		return nil, fmt.Errorf("verify the ID token: %w", err)
	}
	if !equalSecret(idt.Nonce, st.Nonce) {
		return nil, errors.New("the ID token's nonce does not match this sign-in")
	}
	claims := map[string]any{}
	if err := idt.Claims(&claims); err != nil {
		return nil, fmt.Errorf("read the ID token's claims: %w", err)
	}
	if err := l.addUserinfo(ctx, p, tok, claims); err != nil {
		return nil, err
	}
	return l.claims.user(claims)
}

// addUserinfo fills the username and groups claims from the userinfo
// endpoint when the ID token has not got them.
func (l *oidcLogin) addUserinfo(ctx context.Context, p *oidc.Provider, tok *oauth2.Token, claims map[string]any) error {
	_, hasName := claims[l.claims.usernameClaim]
	_, hasGroups := claims[l.claims.groupsClaim]
	if (hasName && hasGroups) || p.UserInfoEndpoint() == "" {
		return nil
	}
	info, err := p.UserInfo(ctx, oauth2.StaticTokenSource(tok))
	if err != nil {
		if hasName {
			return nil // groups are optional
		}
		return fmt.Errorf("read userinfo for claim %q: %w", l.claims.usernameClaim, err)
	}
	more := map[string]any{}
	if err := info.Claims(&more); err != nil {
		return fmt.Errorf("read userinfo claims: %w", err)
	}
	for _, k := range []string{l.claims.usernameClaim, l.claims.groupsClaim, "email_verified"} {
		if _, ok := claims[k]; !ok && more[k] != nil {
			claims[k] = more[k]
		}
	}
	return nil
}

// fail answers a browser whose sign-in failed, in plain text with a way
// back.
func (l *oidcLogin) fail(w http.ResponseWriter, status int, err error) {
	if status >= 500 {
		l.log.Error(err, "oidc sign-in")
	} else {
		l.log.Info("sign-in refused", "reason", err.Error())
	}
	w.Header().Set("Cache-Control", "no-store")
	writeText(w, status, "flotilla: sign-in failed: "+err.Error()+"\n\nTry again: "+LoginPath)
}

// returnRoute keeps only a UI hash route (#/…), so a sign-in cannot be
// turned into a redirect elsewhere.
func returnRoute(r string) string {
	if !strings.HasPrefix(r, "#/") || strings.ContainsAny(r, "\r\n\\") {
		return ""
	}
	return r
}
