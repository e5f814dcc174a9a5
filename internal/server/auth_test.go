package server_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"k8s.io/client-go/rest"

	"flotilla.dev/flotilla/internal/server"
)

// offlineServer is a Server whose cluster is unreachable: good enough for
// the rules applied before any cluster access.
func offlineServer(t *testing.T, token string, anonymous bool) *server.Server {
	t.Helper()
	srv, err := server.New(server.Options{
		Config:        &rest.Config{Host: "https://127.0.0.1:1"},
		Token:         server.StaticToken(token),
		AnonymousRead: anonymous,
	})
	if err != nil {
		t.Fatal(err)
	}
	return srv
}

// TestAuthRules checks who may read and write. Requests that pass end in
// 404: they name an Application outside the served namespace, which is
// answered without the cluster.
func TestAuthRules(t *testing.T) {
	const token = "s3cret-token"
	session := sessionCookie(t, offlineServer(t, token, false), token)
	const (
		read  = "GET /api/v1/applications/elsewhere/app"
		write = "POST /api/v1/applications/elsewhere/app/refresh"
		sync  = "POST /api/v1/applications/elsewhere/app/sync"
	)
	for _, tc := range []struct {
		name      string
		token     string // configured
		anonymous bool
		request   string
		header    string // Authorization
		cookie    string
		want      int
		wantBody  string
	}{
		{"read without token", token, false, read, "", "", 401, "missing token"},
		{"read with wrong token", token, false, read, "Bearer nope", "", 401, "invalid token"},
		{"read with token", token, false, read, "Bearer " + token, "", 404, "not found"},
		{"read with session cookie", token, false, read, "", session, 404, "not found"},
		{"read with a forged cookie", token, false, read, "", "0123", 401, "invalid session"},
		{"read with basic auth", token, false, read, "Basic dXNlcjpwYXNz", "", 401, "invalid token"},
		{"events without token", token, false, "GET /api/v1/events", "", "", 401, "missing token"},
		{"anonymous read", token, true, read, "", "", 404, "not found"},
		{"write without token", token, true, write, "", "", 401, "missing token"},
		{"write with wrong token", token, true, write, "Bearer nope", "", 401, "invalid token"},
		{"write with the cookie alone", token, false, write, "", session, 401, "missing token"},
		{"write with token", token, false, write, "Bearer " + token, "", 404, "not found"},
		{"sync with token", token, false, sync, "Bearer " + token, "", 404, "not found"},
		{"no token configured: read", "", false, read, "Bearer anything", "", 403, "--token-secret"},
		{"no token configured: anonymous read", "", true, read, "", "", 404, "not found"},
		{"no token configured: write", "", true, write, "Bearer anything", "", 403, "--token"},
		{"no token configured: sign in", "", true, "POST /api/v1/session", "Bearer anything", "", 403, "--token"},
		{"sign in with wrong token", token, true, "POST /api/v1/session", "Bearer nope", "", 401, "invalid token"},
		{"session state needs no token", token, false, "GET /api/v1/session", "", "", 200, `"tokenConfigured":true`},
		{"unknown API path", token, true, "GET /api/v1/nothing", "", "", 404, "no API endpoint"},
		{"wrong method", token, true, "PUT /api/v1/applications/elsewhere/app", "", "", 405, "use GET"},
		{"health needs no token", token, false, "GET /healthz", "", "", 200, "ok"},
		{"metrics need no token", token, false, "GET /metrics", "", "", 200, "flotilla_server_sse_clients"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := offlineServer(t, tc.token, tc.anonymous)
			method, path, _ := strings.Cut(tc.request, " ")
			req := httptest.NewRequest(method, path, nil)
			if tc.header != "" {
				req.Header.Set("Authorization", tc.header)
			}
			if tc.cookie != "" {
				req.AddCookie(&http.Cookie{Name: server.SessionCookie, Value: tc.cookie})
			}
			rec := httptest.NewRecorder()
			srv.ServeHTTP(rec, req)
			if rec.Code != tc.want || !strings.Contains(rec.Body.String(), tc.wantBody) {
				t.Errorf("%s = %d %s, want %d with %q", tc.request, rec.Code, rec.Body, tc.want, tc.wantBody)
			}
			if rec.Code == 401 && rec.Header().Get("WWW-Authenticate") == "" {
				t.Error("401 without WWW-Authenticate")
			}
		})
	}
}

// sessionCookie signs in and returns the session cookie's value.
func sessionCookie(t *testing.T, srv *server.Server, token string) string {
	t.Helper()
	req := httptest.NewRequest("POST", "/api/v1/session", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, req)
	if rec.Code != 200 {
		t.Fatalf("sign in: %d %s", rec.Code, rec.Body)
	}
	for _, c := range rec.Result().Cookies() {
		if c.Name == server.SessionCookie {
			if !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Path != "/api/" {
				t.Errorf("session cookie %+v: want HttpOnly, SameSite=Strict, Path=/api/", c)
			}
			if strings.Contains(c.Value, token) {
				t.Error("the session cookie holds the token")
			}
			return c.Value
		}
	}
	t.Fatalf("sign in set no %s cookie: %v", server.SessionCookie, rec.Result().Cookies())
	return ""
}

func TestSessionState(t *testing.T) {
	const token = "tok"
	for _, tc := range []struct {
		name      string
		token     string
		anonymous bool
		auth      string
		want      string
	}{
		{"no token configured", "", true, "", `{"anonymousRead":true,"tokenConfigured":false,"authenticated":false,"oidc":false}`},
		{"not signed in", token, false, "", `{"anonymousRead":false,"tokenConfigured":true,"authenticated":false,"oidc":false}`},
		{"signed in", token, true, "Bearer " + token, `{"anonymousRead":true,"tokenConfigured":true,"authenticated":true,"oidc":false}`},
		{"wrong token", token, true, "Bearer x", `{"anonymousRead":true,"tokenConfigured":true,"authenticated":false,"oidc":false}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest("GET", "/api/v1/session", nil)
			if tc.auth != "" {
				req.Header.Set("Authorization", tc.auth)
			}
			rec := httptest.NewRecorder()
			offlineServer(t, tc.token, tc.anonymous).ServeHTTP(rec, req)
			var got, want any
			if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
				t.Fatal(err)
			}
			_ = json.Unmarshal([]byte(tc.want), &want)
			if g, w := mustJSON(got), mustJSON(want); g != w {
				t.Errorf("session = %s, want %s", g, w)
			}
		})
	}
	rec := httptest.NewRecorder()
	offlineServer(t, token, false).ServeHTTP(rec, httptest.NewRequest("DELETE", "/api/v1/session", nil))
	if rec.Code != http.StatusNoContent || !strings.Contains(rec.Header().Get("Set-Cookie"), "Max-Age=0") {
		t.Errorf("sign out: %d, Set-Cookie %q", rec.Code, rec.Header().Get("Set-Cookie"))
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
