package appset

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// newGiteaPulls answers Gitea's pull-request listing of acme/shop with
// two pull requests to a request carrying token; any other repository is
// Gitea's 404.
func newGiteaPulls(t *testing.T, token string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "token "+token {
			http.Error(w, `{"message":"user does not exist"}`, http.StatusUnauthorized)
			return
		}
		if r.URL.Path != "/api/v1/repos/acme/shop/pulls" {
			http.Error(w, `{"message":"The target couldn't be found.","errors":[]}`, http.StatusNotFound)
			return
		}
		_, _ = w.Write([]byte(`[
 {"number": 12, "title": "Feature: New Checkout", "user": {"login": "alice"},
  "head": {"ref": "feature/New_Checkout", "sha": "0123456789abcdef0123456789abcdef01234567"},
  "base": {"ref": "main"}, "labels": [{"name": "preview"}, {"name": "team-a"}]},
 {"number": 13, "title": "chore: bump", "user": {"login": "bot"},
  "head": {"ref": "renovate/x", "sha": "fedcba9876543210fedcba9876543210fedcba98"},
  "base": {"ref": "release_1.x"}, "labels": []}]`))
	}))
	t.Cleanup(srv.Close)
	return srv
}

const giteaToken = `
apiVersion: v1
kind: Secret
metadata: {name: gitea, namespace: argocd, labels: {argocd.argoproj.io/secret-type: scm-creds}}
stringData: {token: s3cret}
---
apiVersion: v1
kind: Secret
metadata: {name: unlabelled, namespace: argocd}
stringData: {token: s3cret}
`

// TestPullRequestParams shows Argo CD's parameters in both modes: slugs
// of 50 characters with '_' as '-', short SHAs of 8 and 7, labels only
// with Go templates, values rendered with the parameters.
func TestPullRequestParams(t *testing.T) {
	srv := newGiteaPulls(t, "s3cret")
	gen := `
  generators:
  - pullRequest:
      gitea: {owner: acme, repo: shop, api: ` + srv.URL + `, tokenRef: {secretName: gitea, key: token}}
      filters: [{branchMatch: "^feature/"}]
      values: {env: '%s'}
  template: {metadata: {}, spec: {project: default, destination: {}}}`
	env := genEnv(t, giteaToken)
	fast := genSet(t, "metadata: {name: s, namespace: argocd}\nspec:"+strings.Replace(gen, "%s", "pr-{{number}}", 1))
	genCheckParams(t, genParamsOf(t, fast, env), `
- number: "12"
  title: "Feature: New Checkout"
  branch: feature/New_Checkout
  branch_slug: feature-new-checkout
  target_branch: main
  target_branch_slug: main
  head_sha: 0123456789abcdef0123456789abcdef01234567
  head_short_sha: "01234567"
  head_short_sha_7: "0123456"
  author: alice
  values.env: pr-12
`)
	gotmpl := genSet(t, "metadata: {name: s, namespace: argocd}\nspec:\n  goTemplate: true"+strings.Replace(gen, "%s", "pr-{{.number}}", 1))
	params := genParamsOf(t, gotmpl, env)
	if len(params) != 1 || strings.Join(params[0]["labels"].([]string), ",") != "preview,team-a" || params[0]["values"].(map[string]string)["env"] != "pr-12" {
		t.Fatalf("go template params %v", params)
	}
	if got := requeueAfter(&gotmpl.Spec.Generators[0]); got != DefaultPullRequestRequeue {
		t.Errorf("requeueAfter = %v, want %v", got, DefaultPullRequestRequeue)
	}
}

// TestPullRequestFilters keeps a pull request that passes any filter;
// each filter's fields must all match.
func TestPullRequestFilters(t *testing.T) {
	srv := newGiteaPulls(t, "s3cret")
	for _, tc := range []struct {
		filters, want string
	}{
		{"[]", "12,13"},
		{`[{targetBranchMatch: "^release_"}]`, "13"},
		{`[{titleMatch: "^chore"}, {branchMatch: "^feature/"}]`, "12,13"},
		{`[{titleMatch: "^chore", branchMatch: "^feature/"}]`, ""},
	} {
		set := genSet(t, `
metadata: {name: s, namespace: argocd}
spec:
  generators:
  - pullRequest:
      gitea: {owner: acme, repo: shop, api: `+srv.URL+`, tokenRef: {secretName: gitea, key: token}}
      filters: `+tc.filters+`
  template: {metadata: {}, spec: {project: default, destination: {}}}`)
		var got []string
		for _, p := range genParamsOf(t, set, genEnv(t, giteaToken)) {
			got = append(got, p["number"].(string))
		}
		if strings.Join(got, ",") != tc.want {
			t.Errorf("filters %s: %v, want %s", tc.filters, got, tc.want)
		}
	}
}

// TestPullRequestErrors: each bad input is an error naming what is wrong,
// and a missing repository is skipped only when the set asks for it.
func TestPullRequestErrors(t *testing.T) {
	srv := newGiteaPulls(t, "s3cret")
	for _, tc := range []struct {
		name, gitea, extra, want string
		scm                      SCMOptions
	}{
		{name: "missing repository", gitea: `{owner: acme, repo: gone, api: URL, tokenRef: {secretName: gitea, key: token}}`,
			want: "404: The target couldn't be found."},
		{name: "missing repository, continue", gitea: `{owner: acme, repo: gone, api: URL, tokenRef: {secretName: gitea, key: token}}`,
			extra: "continueOnRepoNotFoundError: true"},
		{name: "missing secret", gitea: `{owner: acme, repo: shop, api: URL, tokenRef: {secretName: nope, key: token}}`, want: "nope"},
		{name: "missing key", gitea: `{owner: acme, repo: shop, api: URL, tokenRef: {secretName: gitea, key: pat}}`, want: `key "pat" in secret argocd/gitea not found`},
		{name: "strict mode refuses an unlabelled secret", gitea: `{owner: acme, repo: shop, api: URL, tokenRef: {secretName: unlabelled, key: token}}`,
			scm: SCMOptions{TokenRefStrictMode: true}, want: "not a valid SCM creds secret"},
		{name: "strict mode reads a labelled one", gitea: `{owner: acme, repo: shop, api: URL, tokenRef: {secretName: gitea, key: token}}`,
			scm: SCMOptions{TokenRefStrictMode: true}},
		{name: "not allowed", gitea: `{owner: acme, repo: shop, api: URL, tokenRef: {secretName: gitea, key: token}}`,
			scm: SCMOptions{AllowedAPIURLs: []string{"https://gitea.example.com"}}, want: "is not one of the allowed API URLs (https://gitea.example.com)"},
		{name: "wrong token", gitea: `{owner: acme, repo: shop, api: URL}`, want: "401: user does not exist"},
		{name: "bad regexp", gitea: `{owner: acme, repo: shop, api: URL, tokenRef: {secretName: gitea, key: token}}`,
			extra: `filters: [{titleMatch: "("}]`, want: "filter 0: titleMatch: error parsing regexp"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			set := genSet(t, `
metadata: {name: s, namespace: argocd}
spec:
  generators:
  - pullRequest:
      gitea: `+strings.Replace(tc.gitea, "URL", srv.URL, 1)+`
      `+tc.extra+`
  template: {metadata: {}, spec: {project: default, destination: {}}}`)
			env := genEnv(t, giteaToken)
			env.SCM = tc.scm
			params, err := genParamsErr(set, env)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("error %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v (params %v), want one containing %q", err, params, tc.want)
			}
		})
	}
}

// TestTokensFromEnv: the CLI's token from the environment wins over the
// Secret, and stands in for a missing one.
func TestTokensFromEnv(t *testing.T) {
	srv := newGiteaPulls(t, "from-env")
	set := genSet(t, `
metadata: {name: s, namespace: argocd}
spec:
  generators:
  - pullRequest:
      gitea: {owner: acme, repo: shop, api: `+srv.URL+`, tokenRef: {secretName: absent, key: token}}
  template: {metadata: {}, spec: {project: default, destination: {}}}`)
	t.Setenv("GITEA_TOKEN", "from-env")
	env := genEnv(t, "")
	env.SCM.TokensFromEnv = true
	if got := genParamsOf(t, set, env); len(got) != 2 {
		t.Fatalf("params %v", got)
	}
}
