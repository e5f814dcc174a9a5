package server_test

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/oauth2-proxy/mockoidc"
	"k8s.io/client-go/rest"

	"flotilla.dev/flotilla/internal/server"
)

// TestOIDCCallback runs the sign-in against a real provider (no cluster
// needed: the callback does not ask it) and checks that the callback
// refuses what it must: another browser's state, a replaced nonce, a
// PKCE verifier that does not match, a user without the username claim,
// the provider's refusal.
func TestOIDCCallback(t *testing.T) {
	p := startIDP(t, person("alice", aliceEmail), &mockoidc.MockUser{Subject: "sub-eve", PreferredUsername: "eve"})
	ts := httptest.NewUnstartedServer(nil)
	srv, err := server.New(server.Options{Config: &rest.Config{Host: "https://127.0.0.1:1"}, OIDC: p.options(ts)})
	if err != nil {
		t.Fatal(err)
	}
	ts.Config.Handler = srv
	ts.Start()
	t.Cleanup(ts.Close)

	for _, tc := range []struct {
		name   string
		login  string
		mutate func(q url.Values)
		want   int
		body   string
	}{
		{"signs in", "alice", nil, http.StatusFound, ""},
		// Neither the ID token nor the userinfo has an email.
		{"no username claim", "eve", nil, http.StatusUnauthorized, `claim "email": no username claim`},
		{"PKCE challenge replaced", "alice", func(q url.Values) { q.Set("code_challenge", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA") }, http.StatusUnauthorized, "redeem the code"},
		{"nonce replaced", "alice", func(q url.Values) { q.Set("nonce", "another-nonce") }, http.StatusUnauthorized, "nonce does not match"},
		{"state replaced", "alice", func(q url.Values) { q.Set("state", "forged") }, http.StatusBadRequest, "state does not match"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := callback(t, ts, tc.login, tc.mutate)
			if resp.StatusCode != tc.want || !strings.Contains(body, tc.body) {
				t.Fatalf("callback = %s %s, want %d with %q", resp.Status, body, tc.want, tc.body)
			}
			var session *http.Cookie
			for _, c := range resp.Cookies() {
				if c.Name == server.UserCookie {
					session = c
				}
			}
			if ok := tc.want == http.StatusFound; ok != (session != nil) || (ok && resp.Header.Get("Location") != "/#/apps") {
				t.Errorf("callback set session %v and sent to %q", session, resp.Header.Get("Location"))
			}
		})
	}

	t.Run("the provider refuses", func(t *testing.T) {
		status, body := call(t, http.DefaultClient, ts, "GET", server.CallbackPath+"?error=access_denied&error_description=not+in+the+team")
		if status != http.StatusUnauthorized || !strings.Contains(body, "the provider refused the sign-in: access_denied not in the team") {
			t.Errorf("callback = %d %s", status, body)
		}
	})
	t.Run("no sign-in in progress", func(t *testing.T) {
		status, body := call(t, http.DefaultClient, ts, "GET", server.CallbackPath+"?code=x&state=y")
		if status != http.StatusBadRequest || !strings.Contains(body, "no sign-in in progress") {
			t.Errorf("callback = %d %s", status, body)
		}
	})
}

// callback starts a sign-in, lets mutate change the authorization
// request, logs in as login at the provider and returns the callback's
// answer.
func callback(t *testing.T, ts *httptest.Server, login string, mutate func(url.Values)) (*http.Response, string) {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	hc := &http.Client{Jar: jar, CheckRedirect: func(req *http.Request, _ []*http.Request) error {
		if req.URL.Path == mockoidc.AuthorizationEndpoint && req.URL.Query().Get(loginField) == "" || req.URL.Path == "/" {
			return http.ErrUseLastResponse
		}
		return nil
	}}
	resp, err := hc.Get(ts.URL + server.LoginPath + "?return=" + url.QueryEscape("#/apps"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	to, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	q := to.Query()
	if mutate != nil {
		mutate(q)
	}
	q.Set(loginField, login)
	to.RawQuery = q.Encode()
	resp, err = hc.Get(to.String())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.Request.URL.Path != server.CallbackPath {
		t.Fatalf("the provider answered %s at %s: %s", resp.Status, resp.Request.URL, body)
	}
	return resp, string(body)
}
