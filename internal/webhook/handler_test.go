package webhook

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/go-logr/logr"
	"github.com/go-logr/logr/funcr"
)

func TestHandler(t *testing.T) {
	const secret = "It's a Secret to Everybody"
	signed := "sha256=" + mac(sha256.New, secret, githubPushBody)
	refreshErr := errors.New("list applications: connection refused")

	tests := []struct {
		name        string
		method      string
		body        string
		headers     []string
		secrets     func() Secrets
		refreshed   int
		refreshErr  error
		maxBody     int64
		wantStatus  int
		wantBody    map[string]any
		wantRefresh bool
	}{
		{
			name: "signed push is refreshed", method: http.MethodPost, body: githubPushBody,
			headers: []string{"X-GitHub-Event", "push", "X-Hub-Signature-256", signed},
			secrets: func() Secrets { return Secrets{GitHub: secret} }, refreshed: 3,
			wantStatus: http.StatusOK, wantBody: map[string]any{"refreshed": 3.0}, wantRefresh: true,
		},
		{
			name: "no secret configured: unsigned push accepted", method: http.MethodPost, body: githubPushBody,
			headers:    []string{"X-GitHub-Event", "push"},
			wantStatus: http.StatusOK, wantBody: map[string]any{"refreshed": 0.0}, wantRefresh: true,
		},
		{
			name: "bad signature", method: http.MethodPost, body: githubPushBody,
			headers:    []string{"X-GitHub-Event", "push", "X-Hub-Signature-256", "sha256=" + mac(sha256.New, "guess", githubPushBody)},
			secrets:    func() Secrets { return Secrets{GitHub: secret} },
			wantStatus: http.StatusUnauthorized, wantBody: map[string]any{"error": "unauthorized"},
		},
		{
			name: "missing signature", method: http.MethodPost, body: githubPushBody,
			headers:    []string{"X-GitHub-Event", "push"},
			secrets:    func() Secrets { return Secrets{GitHub: secret} },
			wantStatus: http.StatusUnauthorized, wantBody: map[string]any{"error": "unauthorized"},
		},
		{
			name: "wrong GitLab token", method: http.MethodPost, body: gitlabPushBody,
			headers:    []string{"X-Gitlab-Event", "Push Hook", "X-Gitlab-Token", "nope"},
			secrets:    func() Secrets { return Secrets{GitLab: "token"} },
			wantStatus: http.StatusUnauthorized, wantBody: map[string]any{"error": "unauthorized"},
		},
		{
			name: "ping is ignored", method: http.MethodPost, body: githubPingBody,
			headers:    []string{"X-GitHub-Event", "ping"},
			wantStatus: http.StatusOK, wantBody: map[string]any{"ignored": "github event ping"},
		},
		{
			name: "Bitbucket Server test connection is ignored", method: http.MethodPost, body: `{"test": true}`,
			headers:    []string{"X-Event-Key", "diagnostics:ping"},
			secrets:    func() Secrets { return Secrets{BitbucketServer: "s"} },
			wantStatus: http.StatusOK, wantBody: map[string]any{"ignored": "bitbucket-server event diagnostics:ping"},
		},
		{
			name: "malformed JSON", method: http.MethodPost, body: `{"ref":`,
			headers:    []string{"X-GitHub-Event", "push"},
			wantStatus: http.StatusBadRequest,
		},
		{
			name: "no provider headers", method: http.MethodPost, body: githubPushBody,
			wantStatus: http.StatusBadRequest,
		},
		{
			name: "body over the limit", method: http.MethodPost, body: githubPushBody,
			headers: []string{"X-GitHub-Event", "push"}, maxBody: 64,
			wantStatus: http.StatusRequestEntityTooLarge,
		},
		{
			name: "GET is not allowed", method: http.MethodGet,
			headers:    []string{"X-GitHub-Event", "push"},
			wantStatus: http.StatusMethodNotAllowed,
		},
		{
			name: "refresh fails", method: http.MethodPost, body: githubPushBody,
			headers: []string{"X-GitHub-Event", "push"}, refreshErr: refreshErr,
			wantStatus: http.StatusInternalServerError, wantBody: map[string]any{"error": "refresh failed"}, wantRefresh: true,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []Push
			refresh := func(ctx context.Context, p Push) (int, error) {
				if ctx == nil {
					t.Error("refresh got a nil context")
				}
				got = append(got, p)
				return tc.refreshed, tc.refreshErr
			}
			h := NewHandler(tc.secrets, refresh, logr.Discard())
			h.MaxBodyBytes = tc.maxBody

			req := httptest.NewRequest(tc.method, "/api/webhook", strings.NewReader(tc.body))
			for i := 0; i+1 < len(tc.headers); i += 2 {
				req.Header.Set(tc.headers[i], tc.headers[i+1])
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)

			if rec.Code != tc.wantStatus {
				t.Fatalf("status = %d, want %d; body %s", rec.Code, tc.wantStatus, rec.Body)
			}
			if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type = %q", ct)
			}
			var body map[string]any
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
				t.Fatalf("body %q is not JSON: %v", rec.Body, err)
			}
			if tc.wantBody != nil && !reflect.DeepEqual(body, tc.wantBody) {
				t.Errorf("body = %v, want %v", body, tc.wantBody)
			}
			if _, ok := body["error"]; !ok && tc.wantStatus >= 400 {
				t.Errorf("error response %v has no error field", body)
			}
			if tc.wantRefresh != (len(got) == 1) {
				t.Fatalf("refresh called %d times, want called = %v", len(got), tc.wantRefresh)
			}
			if tc.wantRefresh && !reflect.DeepEqual(got[0], githubPush) {
				t.Errorf("refresh got %#v, want %#v", got[0], githubPush)
			}
			if tc.method == http.MethodGet && rec.Header().Get("Allow") != http.MethodPost {
				t.Errorf("Allow = %q", rec.Header().Get("Allow"))
			}
		})
	}
}

// TestHandlerRefreshMatches wires the handler to Matches the way the
// controller does.
func TestHandlerRefreshMatches(t *testing.T) {
	apps := []string{
		appYAML(`  source:
    repoURL: git@github.com:Codertocat/guestbook.git
    targetRevision: HEAD
`),
		appYAML(`  source:
    repoURL: https://github.com/Codertocat/guestbook
    targetRevision: release-1.0
`),
		appYAML(`  sources:
  - repoURL: ssh://git@github.com/codertocat/guestbook
    targetRevision: main
    ref: values
  - repoURL: https://charts.example.com
    chart: guestbook
    targetRevision: 1.0.0
`),
	}
	refresh := func(_ context.Context, p Push) (int, error) {
		n := 0
		for _, a := range apps {
			if Matches(mustApp(t, a), p, nil) {
				n++
			}
		}
		return n, nil
	}
	h := NewHandler(nil, refresh, logr.Discard())
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, webhookRequest(githubPushBody, "X-GitHub-Event", "push"))
	if rec.Code != http.StatusOK || strings.TrimSpace(rec.Body.String()) != `{"refreshed":2}` {
		t.Fatalf("response %d %s, want 200 {\"refreshed\":2}", rec.Code, rec.Body)
	}
}

// TestHandlerPullRequest hands a pull-request event to refresh and logs it
// by provider, action, number and repository.
func TestHandlerPullRequest(t *testing.T) {
	const secret = "It's a Secret to Everybody"
	body := testdata(t, "github-pull-request-opened.json")
	var logged []string
	log := funcr.New(func(prefix, args string) { logged = append(logged, args) }, funcr.Options{})
	var got []Push
	refresh := func(_ context.Context, p Push) (int, error) {
		got = append(got, p)
		return 1, nil
	}
	h := NewHandler(func() Secrets { return Secrets{GitHub: secret} }, refresh, log)

	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, webhookRequest(body, "X-GitHub-Event", "pull_request",
		"X-Hub-Signature-256", "sha256="+mac(sha256.New, secret, body)))
	if rec.Code != http.StatusOK || strings.TrimSpace(rec.Body.String()) != `{"refreshed":1}` {
		t.Fatalf("response %d %s, want 200 {\"refreshed\":1}", rec.Code, rec.Body)
	}
	if len(got) != 1 || got[0].PullRequest == nil || got[0].PullRequest.Number != 2 {
		t.Fatalf("refresh got %+v, want the pull request", got)
	}
	if len(logged) != 1 {
		t.Fatalf("logged %q, want one line", logged)
	}
	for _, want := range []string{
		`"msg"="Webhook pull request"`, `"provider"="github"`, `"action"="opened"`, `"number"=2`,
		`"repository"="Codertocat/Hello-World"`, `"host"="api.github.com"`, `"branch"="changes"`, `"refreshed"=1`,
	} {
		if !strings.Contains(logged[0], want) {
			t.Errorf("log line %s lacks %s", logged[0], want)
		}
	}

	// An action that changes no generator's list is answered as ignored.
	got, logged = nil, nil
	assigned := withAction(t, body, "opened", "assigned")
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, webhookRequest(assigned, "X-GitHub-Event", "pull_request",
		"X-Hub-Signature-256", "sha256="+mac(sha256.New, secret, assigned)))
	if want := `{"ignored":"github pull request action assigned"}`; rec.Code != http.StatusOK || strings.TrimSpace(rec.Body.String()) != want {
		t.Fatalf("response %d %s, want 200 %s", rec.Code, rec.Body, want)
	}
	if len(got) != 0 {
		t.Fatalf("refresh called for an ignored action: %+v", got)
	}
}

// TestHandlerAzureDevOps serves Azure DevOps service hooks verified by basic
// auth, and logs their pushes and pull requests.
func TestHandlerAzureDevOps(t *testing.T) {
	const user, password = "argocd", "s3cr3t"
	push := testdata(t, "azuredevops-git-push.json")
	pr := testdata(t, "azuredevops-pullrequest-created.json")
	var logged []string
	log := funcr.New(func(prefix, args string) { logged = append(logged, args) }, funcr.Options{Verbosity: 1})
	var got []Push
	refresh := func(_ context.Context, p Push) (int, error) {
		got = append(got, p)
		return 2, nil
	}
	h := NewHandler(func() Secrets { return Secrets{AzureDevOpsUsername: user, AzureDevOpsPassword: password} }, refresh, log)

	for _, tc := range []struct {
		name       string
		body       string
		headers    []string
		wantStatus int
		wantBody   string
		wantPush   *Push
		wantLog    []string
	}{
		{
			name: "push", body: push, headers: azureDevOpsHeaders(user, password),
			wantStatus: http.StatusOK, wantBody: `{"refreshed":2}`, wantPush: &azureDevOpsGitPush,
			wantLog: []string{`"msg"="Webhook push"`, `"provider"="azuredevops"`, `"revision"="main"`,
				`"repoURLs"=["https://dev.azure.com/fabrikam-fiber-inc/DefaultCollection/_git/Fabrikam-Fiber-Git" "git@ssh.dev.azure.com:v3/fabrikam-fiber-inc/DefaultCollection/Fabrikam-Fiber-Git"]`,
				`"tag"=false`, `"commits"=1`, `"refreshed"=2`},
		},
		{
			name: "pull request recognised by its body", body: pr, headers: []string{"Authorization", basicAuth(user, password)},
			wantStatus: http.StatusOK, wantBody: `{"refreshed":2}`,
			wantPush: func() *Push { p := examplePush(ProviderAzureDevOps, "git.pullrequest.created"); return &p }(),
			wantLog: []string{`"msg"="Webhook pull request"`, `"provider"="azuredevops"`, `"action"="git.pullrequest.created"`,
				`"number"=1`, `"repository"="Fabrikam/Fabrikam"`, `"host"="dev.azure.com"`, `"branch"="mytopic"`, `"refreshed"=2`},
		},
		{
			name: "wrong password", body: push, headers: azureDevOpsHeaders(user, "guess"),
			wantStatus: http.StatusUnauthorized, wantBody: `{"error":"unauthorized"}`,
			wantLog: []string{`"msg"="Webhook verification failed"`, `"error"="verify azuredevops webhook: unauthorized: basic auth does not match"`},
		},
		{
			name: "no basic auth", body: pr,
			wantStatus: http.StatusUnauthorized, wantBody: `{"error":"unauthorized"}`,
			wantLog: []string{`"msg"="Webhook verification failed"`, `"error"="verify azuredevops webhook: unauthorized: no basic auth"`},
		},
		{
			name: "ignored event", body: withEventType(t, pr, "ms.vss-code.git-pullrequest-comment-event"), headers: azureDevOpsHeaders(user, password),
			wantStatus: http.StatusOK, wantBody: `{"ignored":"azuredevops event ms.vss-code.git-pullrequest-comment-event"}`,
			wantLog: []string{`"msg"="Webhook event ignored"`, `"reason"="azuredevops event ms.vss-code.git-pullrequest-comment-event"`},
		},
		{
			name: "neither a known header nor an Azure DevOps body", body: `{"zen": "hi"}`,
			wantStatus: http.StatusBadRequest,
			wantLog:    []string{`"msg"="Webhook request rejected"`, `unknown webhook provider`},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, logged = nil, nil
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, webhookRequest(tc.body, tc.headers...))
			if rec.Code != tc.wantStatus {
				t.Fatalf("status = %d, want %d; body %s", rec.Code, tc.wantStatus, rec.Body)
			}
			if body := strings.TrimSpace(rec.Body.String()); tc.wantBody != "" && body != tc.wantBody {
				t.Errorf("body = %s, want %s", body, tc.wantBody)
			}
			switch {
			case tc.wantPush == nil && len(got) != 0:
				t.Errorf("refresh called with %+v", got)
			case tc.wantPush != nil && (len(got) != 1 || !reflect.DeepEqual(got[0], *tc.wantPush)):
				t.Errorf("refresh got %+v, want %+v", got, *tc.wantPush)
			}
			if len(logged) != 1 {
				t.Fatalf("logged %q, want one line", logged)
			}
			for _, want := range tc.wantLog {
				if !strings.Contains(logged[0], want) {
					t.Errorf("log line %s lacks %s", logged[0], want)
				}
			}
		})
	}
}
