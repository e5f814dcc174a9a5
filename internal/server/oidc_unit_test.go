package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"k8s.io/client-go/rest"
)

func TestClaimMapping(t *testing.T) {
	std := claimMapping{usernameClaim: "email", groupsClaim: "groups"}
	for _, tc := range []struct {
		name    string
		m       claimMapping
		claims  string
		want    string // "name [groups]" or "error: …"
		wantErr string
	}{
		{"email and groups", std, `{"email":"a@x.io","groups":["dev","ops","dev"]}`, "a@x.io [dev ops]", ""},
		{"no groups", std, `{"email":"a@x.io"}`, "a@x.io []", ""},
		{"one group as a string", std, `{"email":"a@x.io","groups":"dev"}`, "a@x.io [dev]", ""},
		{"verified email", std, `{"email":"a@x.io","email_verified":true}`, "a@x.io []", ""},
		{"unverified email", std, `{"email":"a@x.io","email_verified":false}`, "", "not verified"},
		{"no username", std, `{"sub":"123"}`, "", `claim "email": no username claim`},
		{"system groups dropped", std, `{"email":"a@x.io","groups":["system:masters","dev"]}`, "a@x.io [dev]", ""},
		{"system user refused", claimMapping{usernameClaim: "sub"}, `{"sub":"system:admin"}`, "", "Kubernetes' own"},
		{"groups not strings", std, `{"email":"a@x.io","groups":[1]}`, "", "want strings"},
		{"prefixes", claimMapping{usernameClaim: "preferred_username", groupsClaim: "roles", usernamePrefix: "oidc:", groupsPrefix: "oidc:"},
			`{"preferred_username":"jane","roles":["dev"]}`, "oidc:jane [oidc:dev]", ""},
		{"prefix hides system", claimMapping{usernameClaim: "sub", groupsClaim: "groups", groupsPrefix: "idp:"},
			`{"sub":"x","groups":["system:masters"]}`, "x [idp:system:masters]", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var claims map[string]any
			if err := json.Unmarshal([]byte(tc.claims), &claims); err != nil {
				t.Fatal(err)
			}
			u, err := tc.m.user(claims)
			switch {
			case tc.wantErr != "":
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Errorf("user(%s) = %v, %v; want error with %q", tc.claims, u, err, tc.wantErr)
				}
			case err != nil:
				t.Errorf("user(%s): %v", tc.claims, err)
			default:
				if got := fmt.Sprintf("%s %v", u.Name, u.Groups); got != tc.want {
					t.Errorf("user(%s) = %s, want %s", tc.claims, got, tc.want)
				}
			}
		})
	}
}

func TestSessionSeal(t *testing.T) {
	s := sealer{key: []byte(strings.Repeat("k", MinSessionKey))}
	other := sealer{key: []byte(strings.Repeat("o", MinSessionKey))}
	alice := &User{Name: "alice@example.com", Groups: []string{"dev"}}
	good, err := s.sessionCookie(alice, time.Hour, true)
	if err != nil {
		t.Fatal(err)
	}
	if !good.HttpOnly || !good.Secure || good.SameSite != http.SameSiteLaxMode || good.Path != "/" || good.MaxAge != 3600 {
		t.Errorf("cookie %+v: want HttpOnly, Secure, SameSite=Lax, Path=/, an hour", good)
	}
	expired, _ := s.sessionCookie(alice, -time.Minute, false)
	forged, _ := other.sessionCookie(&User{Name: "admin"}, time.Hour, false)
	login, _ := s.seal(purposeLogin, userSession{Name: "admin", Expiry: time.Now().Add(time.Hour).Unix()})
	payload, sig, _ := strings.Cut(good.Value, ".")
	flip := map[bool]string{true: "B", false: "A"}[strings.HasSuffix(payload, "A")]
	tampered := payload[:len(payload)-1] + flip + "." + sig
	for _, tc := range []struct {
		name, value, want string
	}{
		{"valid", good.Value, "alice@example.com [dev]"},
		{"expired", expired.Value, "the session has expired"},
		{"another key", forged.Value, errBadSeal.Error()},
		{"another purpose", login, errBadSeal.Error()},
		{"tampered", tampered, errBadSeal.Error()},
		{"no signature", payload, errBadSeal.Error()},
		{"garbage", "a.b", errBadSeal.Error()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u, err := s.user(tc.value)
			got := fmt.Sprint(err)
			if err == nil {
				got = fmt.Sprintf("%s %v", u.Name, u.Groups)
			}
			if got != tc.want {
				t.Errorf("user(%s) = %s, want %s", tc.name, got, tc.want)
			}
		})
	}
	many := &User{Name: "bob"}
	for i := range 400 {
		many.Groups = append(many.Groups, fmt.Sprintf("group-%03d", i))
	}
	if _, err := s.sessionCookie(many, time.Hour, false); err == nil || !strings.Contains(err.Error(), "too many") {
		t.Errorf("a session of 400 groups: %v, want too many for a cookie", err)
	}
}

func TestReturnRoute(t *testing.T) {
	for in, want := range map[string]string{
		"#/apps/argocd/web":        "#/apps/argocd/web",
		"#/":                       "#/",
		"":                         "",
		"//evil.example/":          "",
		"https://evil.example/#/":  "",
		"#/x\r\nSet-Cookie: a=b":   "",
		`#/\evil`:                  "",
		"/#/apps":                  "",
		"#/apps?namespace=team-a ": "#/apps?namespace=team-a ",
	} {
		if got := returnRoute(in); got != want {
			t.Errorf("returnRoute(%q) = %q, want %q", in, got, want)
		}
	}
}

// oidcOffline is a Server with OIDC configured whose cluster and
// provider are unreachable: enough for the rules applied before either
// is asked.
func oidcOffline(t *testing.T, token string) *Server {
	t.Helper()
	srv, err := New(Options{
		Config:     &rest.Config{Host: "https://127.0.0.1:1"},
		Token:      StaticToken(token),
		SessionKey: []byte(strings.Repeat("k", MinSessionKey)),
		OIDC: &OIDCOptions{IssuerURL: "http://127.0.0.1:1/oidc", ClientID: "flotilla",
			RedirectURL: "https://flotilla.example" + CallbackPath},
	})
	if err != nil {
		t.Fatal(err)
	}
	return srv
}

// TestUserAuthRules checks who may read and write when people sign in
// through OIDC. Requests that pass end in 404: the Application is
// outside the served namespace, answered without the cluster.
func TestUserAuthRules(t *testing.T) {
	const token = "s3cret"
	srv := oidcOffline(t, token)
	user, err := srv.seal.sessionCookie(&User{Name: "alice@example.com"}, time.Hour, false)
	if err != nil {
		t.Fatal(err)
	}
	expired, _ := srv.seal.sessionCookie(&User{Name: "alice@example.com"}, -time.Hour, false)
	const (
		read  = "GET /api/v1/applications/elsewhere/app"
		write = "POST /api/v1/applications/elsewhere/app/refresh"
	)
	for _, tc := range []struct {
		name    string
		request string
		cookie  string
		headers map[string]string
		want    int
		body    string
	}{
		{"read signed out", read, "", nil, 401, "sign in at /auth/login"},
		{"read signed in", read, user.Value, nil, 404, "not found"},
		{"read with an expired session", read, expired.Value, nil, 401, "expired"},
		{"read with a forged session", read, "eyJ1IjoiYWRtaW4ifQ.AAAA", nil, 401, "sign in again"},
		{"write signed in, same origin", write, user.Value, map[string]string{"Sec-Fetch-Site": "same-origin", "Origin": "https://flotilla.example"}, 404, "not found"},
		{"write signed in, cross-site", write, user.Value, map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"}, 403, "cross-origin"},
		{"write signed in, same site other origin", write, user.Value, map[string]string{"Sec-Fetch-Site": "same-site"}, 403, "cross-origin"},
		{"write from an old browser elsewhere", write, user.Value, map[string]string{"Origin": "https://evil.example"}, 403, "cross-origin"},
		{"write from the proxy's origin", write, user.Value, map[string]string{"Origin": "https://flotilla.example"}, 404, "not found"},
		{"write signed out", write, "", nil, 401, "not signed in"},
		{"the token still works", write, "", map[string]string{"Authorization": "Bearer " + token}, 404, "not found"},
		{"a user cannot mint a token session", "POST /api/v1/session", user.Value, map[string]string{"Sec-Fetch-Site": "same-origin"}, 401, "not signed in"},
		{"sign out cross-site", "DELETE /api/v1/session", user.Value, map[string]string{"Sec-Fetch-Site": "cross-site"}, 403, "cross-origin"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			method, path, _ := strings.Cut(tc.request, " ")
			req := httptest.NewRequest(method, path, nil)
			for k, v := range tc.headers {
				req.Header.Set(k, v)
			}
			if tc.cookie != "" {
				req.AddCookie(&http.Cookie{Name: UserCookie, Value: tc.cookie})
			}
			rec := httptest.NewRecorder()
			srv.ServeHTTP(rec, req)
			if rec.Code != tc.want || !strings.Contains(rec.Body.String(), tc.body) {
				t.Errorf("%s = %d %s, want %d with %q", tc.request, rec.Code, rec.Body, tc.want, tc.body)
			}
		})
	}
}

func TestUserSessionState(t *testing.T) {
	srv := oidcOffline(t, "")
	c, err := srv.seal.sessionCookie(&User{Name: "bob", Groups: []string{"ops"}}, time.Hour, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		cookie *http.Cookie
		want   string
	}{
		{"signed out", nil, `{"anonymousRead":false,"tokenConfigured":false,"authenticated":false,"oidc":true}`},
		{"signed in", c, `{"anonymousRead":false,"tokenConfigured":false,"authenticated":true,"oidc":true,"user":{"name":"bob","groups":["ops"]}}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest("GET", "/api/v1/session", nil)
			if tc.cookie != nil {
				req.AddCookie(tc.cookie)
			}
			rec := httptest.NewRecorder()
			srv.ServeHTTP(rec, req)
			if got := strings.TrimSpace(rec.Body.String()); got != tc.want {
				t.Errorf("session = %s, want %s", got, tc.want)
			}
		})
	}
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, httptest.NewRequest("DELETE", "/api/v1/session", nil))
	if !strings.Contains(strings.Join(rec.Header().Values("Set-Cookie"), "\n"), UserCookie+"=; Path=/; Max-Age=0") {
		t.Errorf("sign out does not clear %s: %q", UserCookie, rec.Header().Values("Set-Cookie"))
	}
}

func TestOIDCOptionsChecked(t *testing.T) {
	for _, tc := range []struct {
		name string
		o    OIDCOptions
		key  []byte
		want string
	}{
		{"no issuer", OIDCOptions{ClientID: "c", RedirectURL: "https://x" + CallbackPath}, nil, "issuer URL and the client ID are required"},
		{"relative redirect", OIDCOptions{IssuerURL: "https://idp", ClientID: "c", RedirectURL: CallbackPath}, nil, "want an absolute"},
		{"other callback path", OIDCOptions{IssuerURL: "https://idp", ClientID: "c", RedirectURL: "https://x/callback"}, nil, "ending in /auth/callback"},
		{"short key", OIDCOptions{IssuerURL: "https://idp", ClientID: "c", RedirectURL: "https://x" + CallbackPath}, []byte("short"), "at least 32"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := tc.o
			_, err := New(Options{Config: &rest.Config{Host: "https://127.0.0.1:1"}, OIDC: &o, SessionKey: tc.key})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("New: %v, want %q", err, tc.want)
			}
		})
	}
}
