package commitstatus

import (
	"strings"
	"testing"
)

func TestParseForge(t *testing.T) {
	for _, tc := range []struct {
		name    string
		data    map[string]string
		wantErr string
	}{
		{name: "gitea", data: map[string]string{"url": "https://gitea.example.com/", "provider": "gitea", "token": "t"}},
		{name: "github with api", data: map[string]string{"url": "https://github.com/acme/", "provider": "github", "token": "t", "api": "https://api.github.com"}},
		{name: "no token", data: map[string]string{"url": "https://gitea.example.com/", "provider": "gitea"}, wantErr: "no token"},
		{name: "unknown provider", data: map[string]string{"url": "https://x/", "provider": "gogs", "token": "t"}, wantErr: `provider "gogs" is not`},
		{name: "no url", data: map[string]string{"provider": "gitea", "token": "t"}, wantErr: `url "" is not a repository URL prefix`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := map[string][]byte{}
			for k, v := range tc.data {
				data[k] = []byte(v)
			}
			_, err := ParseForge("s", data)
			if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("error %v, want %q", err, tc.wantErr)
			}
			if err != nil && !strings.Contains(err.Error(), "forge secret s") {
				t.Fatalf("error %v does not name the Secret", err)
			}
		})
	}
}

func TestMatch(t *testing.T) {
	forges := []Forge{
		{Name: "gh", URL: "https://github.com/", Provider: ProviderGitHub},
		{Name: "gh-acme", URL: "https://github.com/acme", Provider: ProviderGitHub},
		{Name: "bbs", URL: "https://bitbucket.example.com/", Provider: ProviderBitbucketServer},
		{Name: "gl", URL: "https://gitlab.example.com/", Provider: ProviderGitLab},
	}
	for _, tc := range []struct {
		repoURL, forge, repo string
	}{
		{"https://github.com/other/app.git", "gh", "other/app"},
		{"https://github.com/acme/app.git", "gh-acme", "acme/app"},
		{"git@github.com:acme/app.git", "gh-acme", "acme/app"},
		{"ssh://git@github.com/acme/app", "gh-acme", "acme/app"},
		{"https://GitHub.com/acmeish/app", "gh", "acmeish/app"},
		{"https://bitbucket.example.com/scm/PROJ/app.git", "bbs", "PROJ/app"},
		{"https://gitlab.example.com/group/sub/app.git", "gl", "group/sub/app"},
		{"https://gitea.example.com/a/b.git", "", ""},
		{"https://gitlab.example.com:8443/group/app.git", "", ""},
	} {
		f, repo, ok := Match(forges, tc.repoURL)
		if tc.forge == "" {
			if ok {
				t.Errorf("%s matched %s", tc.repoURL, f.Name)
			}
			continue
		}
		if !ok || f.Name != tc.forge || repo != tc.repo {
			t.Errorf("%s: matched %q %q (%v), want %s %s", tc.repoURL, f.Name, repo, ok, tc.forge, tc.repo)
		}
	}
}

func TestForgeAPI(t *testing.T) {
	for _, tc := range []struct {
		f    Forge
		want string
	}{
		{Forge{URL: "https://github.com/acme/", Provider: ProviderGitHub}, ""},
		{Forge{URL: "https://ghe.example.com/", Provider: ProviderGitHub}, "https://ghe.example.com/api/v3"},
		{Forge{URL: "https://gitlab.com/", Provider: ProviderGitLab}, ""},
		{Forge{URL: "http://127.0.0.1:3000/", Provider: ProviderGitea}, "http://127.0.0.1:3000"},
		{Forge{URL: "git@gitea.example.com:", Provider: ProviderGitea}, "https://gitea.example.com"},
		{Forge{URL: "https://x/", Provider: ProviderGitea, API: "https://api.x/"}, "https://api.x/"},
	} {
		if got := tc.f.api(); got != tc.want {
			t.Errorf("%+v: api %q, want %q", tc.f, got, tc.want)
		}
	}
}
