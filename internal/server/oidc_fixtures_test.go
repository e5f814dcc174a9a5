package server_test

import (
	"context"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/oauth2-proxy/mockoidc"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/server"
)

// idp is a real OpenID Connect provider (mockoidc: discovery, JWKS,
// signed ID tokens, PKCE) with a login page in front of its
// authorization endpoint, as a real provider has: it asks who signs in
// and issues that user's tokens.
type idp struct {
	m     *mockoidc.MockOIDC
	users map[string]*mockoidc.MockUser
}

// startIDP starts the provider on loopback with the users who may sign
// in (by their preferred_username) and stops it when the test ends.
func startIDP(t *testing.T, users ...*mockoidc.MockUser) *idp {
	t.Helper()
	m, err := mockoidc.NewServer(nil)
	if err != nil {
		t.Fatal(err)
	}
	p := &idp{m: m, users: map[string]*mockoidc.MockUser{}}
	for _, u := range users {
		p.users[u.PreferredUsername] = u
	}
	if err := m.AddMiddleware(p.loginPage); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Start(ln, nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Shutdown() })
	return p
}

// person is a user of the provider with a verified email.
func person(name, email string, groups ...string) *mockoidc.MockUser {
	return &mockoidc.MockUser{Subject: "sub-" + name, PreferredUsername: name, Email: email, EmailVerified: true, Groups: groups}
}

// loginField is the login page's user-name field.
const loginField = "login"

// loginPage answers the authorization endpoint with a form asking for
// the user; the submitted form goes on to the real endpoint with that
// user's claims.
func (p *idp) loginPage(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != mockoidc.AuthorizationEndpoint {
			next.ServeHTTP(w, r)
			return
		}
		q := r.URL.Query()
		name := q.Get(loginField)
		if name == "" {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			var hidden strings.Builder
			for k, vs := range q {
				for _, v := range vs {
					fmt.Fprintf(&hidden, `<input type="hidden" name="%s" value="%s">`, html.EscapeString(k), html.EscapeString(v))
				}
			}
			fmt.Fprintf(w, `<!doctype html><title>Test IdP</title><h1>Test IdP sign-in</h1>
<form method="get" action="%s">%s<input name="%s" data-testid="idp-user"><button type="submit" data-testid="idp-submit">Sign in</button></form>`,
				mockoidc.AuthorizationEndpoint, hidden.String(), loginField)
			return
		}
		u, ok := p.users[name]
		if !ok {
			http.Error(w, "unknown user "+name, http.StatusUnauthorized)
			return
		}
		p.m.QueueUser(u)
		next.ServeHTTP(w, r)
	})
}

// options are the server's OIDC options for this provider, with the
// callback on ts.
func (p *idp) options(ts *httptest.Server) *server.OIDCOptions {
	cfg := p.m.Config()
	return &server.OIDCOptions{IssuerURL: cfg.Issuer, ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret,
		RedirectURL: "http://" + ts.Listener.Addr().String() + server.CallbackPath}
}

// signInAs goes through the sign-in as a browser would — /auth/login,
// the provider's login page, the callback — and returns an HTTP client
// holding the session cookie.
func signInAs(t *testing.T, ts *httptest.Server, name string) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	hc := &http.Client{Jar: jar, CheckRedirect: func(req *http.Request, _ []*http.Request) error {
		if req.URL.Path == mockoidc.AuthorizationEndpoint && req.URL.Query().Get(loginField) == "" {
			return http.ErrUseLastResponse // stop at the login page
		}
		return nil
	}}
	resp, err := hc.Get(ts.URL + server.LoginPath + "?return=" + url.QueryEscape("#/apps"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	login, err := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || err != nil || login.Path != mockoidc.AuthorizationEndpoint {
		t.Fatalf("sign-in did not go to the provider: %s, Location %q", resp.Status, resp.Header.Get("Location"))
	}
	if login.Query().Get("code_challenge_method") != "S256" || login.Query().Get("nonce") == "" {
		t.Errorf("the authorization request has no PKCE challenge or nonce: %s", login)
	}
	q := login.Query()
	q.Set(loginField, name)
	login.RawQuery = q.Encode()
	resp, err = hc.Get(login.String())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/" || !strings.Contains(string(body), "Flotilla") {
		t.Fatalf("sign-in as %s ended at %s with %s: %.300s", name, resp.Request.URL, resp.Status, body)
	}
	return hc
}

// call sends method path as hc (with headers) and returns the status and
// body.
func call(t *testing.T, hc *http.Client, ts *httptest.Server, method, path string, headers ...string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, ts.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// grant creates, in ns, a Role with rules and binds it to subject
// ("User:name" or "Group:name").
func grant(t *testing.T, c client.Client, ns, name, subject string, rules ...rbacv1.PolicyRule) {
	t.Helper()
	kind, who, _ := strings.Cut(subject, ":")
	role := &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, Rules: rules}
	binding := &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: name},
		Subjects:   []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: kind, Name: who}},
	}
	for _, o := range []client.Object{role, binding} {
		if err := c.Create(context.Background(), o); err != nil {
			t.Fatalf("create %T %s/%s: %v", o, ns, name, err)
		}
	}
}

// rule allows verbs on resources of group.
func rule(group, resources, verbs string) rbacv1.PolicyRule {
	return rbacv1.PolicyRule{APIGroups: []string{group}, Resources: strings.Split(resources, ","), Verbs: strings.Split(verbs, ",")}
}

// createAppIn creates the Application of manifest in ns (the namespace
// its test deletes at the end).
func createAppIn(t *testing.T, c client.Client, ns, manifest string) {
	t.Helper()
	app := &v1alpha1.Application{}
	if err := yaml.UnmarshalStrict([]byte(manifest), app); err != nil {
		t.Fatalf("decode application: %v\n%s", err, manifest)
	}
	app.Namespace = ns
	if err := c.Create(context.Background(), app); err != nil {
		t.Fatalf("create application %s/%s: %v", ns, app.Name, err)
	}
}
