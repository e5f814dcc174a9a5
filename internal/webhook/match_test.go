package webhook

import (
	"testing"

	"sigs.k8s.io/yaml"

	"flotilla.dev/flotilla/api/v1alpha1"
)

func TestRepoKey(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"https://github.com/argoproj/argocd-example-apps", "github.com/argoproj/argocd-example-apps"},
		{"https://github.com/argoproj/argocd-example-apps.git", "github.com/argoproj/argocd-example-apps"},
		{"https://github.com/argoproj/argocd-example-apps/", "github.com/argoproj/argocd-example-apps"},
		{"HTTPS://GitHub.com/ArgoProj/ArgoCD-Example-Apps.git", "github.com/argoproj/argocd-example-apps"},
		{"http://github.com/argoproj/argocd-example-apps", "github.com/argoproj/argocd-example-apps"},
		{"https://user:token@github.com:443/argoproj/argocd-example-apps.git", "github.com/argoproj/argocd-example-apps"},
		{"git@github.com:argoproj/argocd-example-apps.git", "github.com/argoproj/argocd-example-apps"},
		{"git@github.com:argoproj/argocd-example-apps", "github.com/argoproj/argocd-example-apps"},
		{"ssh://git@github.com/argoproj/argocd-example-apps.git", "github.com/argoproj/argocd-example-apps"},
		{"ssh://git@ssh.github.com:443/argoproj/argocd-example-apps.git", "github.com/argoproj/argocd-example-apps"},
		{"git://github.com/argoproj/argocd-example-apps.git", "github.com/argoproj/argocd-example-apps"},
		{"ssh://git@altssh.bitbucket.org:443/team/repo.git", "bitbucket.org/team/repo"},
		{"github.com/argoproj/argocd-example-apps", "github.com/argoproj/argocd-example-apps"},
		{"ssh://git@bitbucketserver:7999/myproject/test-repo.git", "bitbucketserver/myproject/test-repo"},
		{"https://bitbucketserver/scm/myproject/test-repo.git", "bitbucketserver/scm/myproject/test-repo"},
		{"https://gitlab.example.com/group/subgroup/project.git", "gitlab.example.com/group/subgroup/project"},
		{"http://[::1]:3000/org/repo.git", "[::1]/org/repo"},
		{"https://github.com", "https://github.com"},
		{"", ""},
		// Azure DevOps: the HTTPS and SSH URLs of a repository differ in
		// path, its SSH URL is derived by the parser (azureDevOpsSSHURL).
		{"https://dev.azure.com/org/project/_git/repo", "dev.azure.com/org/project/_git/repo"},
		{"https://org@dev.azure.com/org/project/_git/repo", "dev.azure.com/org/project/_git/repo"},
		{"git@ssh.dev.azure.com:v3/org/project/repo", "dev.azure.com/v3/org/project/repo"},
		{"ssh://git@ssh.dev.azure.com/v3/org/project/repo", "dev.azure.com/v3/org/project/repo"},
		{"org@vs-ssh.visualstudio.com:v3/org/project/repo", "vs-ssh.visualstudio.com/v3/org/project/repo"},
		{"ssh://tfs.example.com:22/tfs/DefaultCollection/Project/_git/Repo", "tfs.example.com/tfs/defaultcollection/project/_git/repo"},
	}
	for _, tc := range tests {
		if got := repoKey(tc.in); got != tc.want {
			t.Errorf("repoKey(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func mustApp(t *testing.T, manifest string) *v1alpha1.Application {
	t.Helper()
	var app v1alpha1.Application
	if err := yaml.UnmarshalStrict([]byte(manifest), &app); err != nil {
		t.Fatalf("unmarshal Application: %v", err)
	}
	return &app
}

// app returns an Application whose spec is the given YAML.
func appYAML(spec string) string {
	return `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: guestbook
  namespace: argocd
spec:
  project: default
  destination:
    server: https://kubernetes.default.svc
    namespace: guestbook
` + spec
}

func TestMatches(t *testing.T) {
	// A push to main, the default branch, of Codertocat/guestbook, as GitHub
	// reports it.
	mainPush := githubPush
	// The same push when the payload does not name the default branch.
	mainPushNoDefault := mainPush
	mainPushNoDefault.DefaultBranch = ""
	featurePush := Push{
		Provider: ProviderGitHub,
		RepoURLs: []string{"https://github.com/Codertocat/guestbook"},
		Revision: "feature/login", DefaultBranch: "main",
	}
	featurePushNoDefault := featurePush
	featurePushNoDefault.DefaultBranch = ""
	tagPush := Push{
		Provider: ProviderGitHub,
		RepoURLs: []string{"https://github.com/Codertocat/guestbook"},
		Revision: "v1.2.0", Tag: true, DefaultBranch: "main",
	}
	bbServerPush := Push{
		Provider: ProviderBitbucketServer,
		RepoURLs: []string{
			"ssh://git@bitbucketserver:7999/myproject/test-repo.git",
			"https://bitbucketserver/scm/myproject/test-repo.git",
		},
		Revision: "master",
	}
	// A push to main of an Azure DevOps Services repository, as parsed.
	adoPush := Push{
		Provider: ProviderAzureDevOps,
		RepoURLs: []string{
			"https://org@dev.azure.com/org/project/_git/repo",
			"git@ssh.dev.azure.com:v3/org/project/repo",
		},
		Revision: "main", DefaultBranch: "main",
	}
	mainIsDefault := func(string) string { return "main" }
	developIsDefault := func(string) string { return "develop" }

	tests := []struct {
		name          string
		spec          string
		push          Push
		defaultBranch func(string) string
		want          bool
	}{
		{
			name: "same https URL, HEAD, push to default branch",
			spec: `  source:
    repoURL: https://github.com/Codertocat/guestbook
    targetRevision: HEAD
    path: guestbook
`,
			push: mainPush, want: true,
		},
		{
			name: "trailing .git and slash",
			spec: `  source:
    repoURL: https://github.com/Codertocat/guestbook.git/
    targetRevision: main
`,
			push: featurePush, want: false,
		},
		{
			name: "trailing .git, branch equals pushed branch",
			spec: `  source:
    repoURL: https://github.com/Codertocat/guestbook.git
    targetRevision: feature/login
`,
			push: featurePush, want: true,
		},
		{
			name: "scp ssh URL matches https push",
			spec: `  source:
    repoURL: git@github.com:codertocat/guestbook.git
    targetRevision: main
`,
			push: Push{Provider: ProviderGitHub, RepoURLs: []string{"https://github.com/Codertocat/guestbook"}, Revision: "main"},
			want: true,
		},
		{
			name: "ssh:// URL matches",
			spec: `  source:
    repoURL: ssh://git@github.com/Codertocat/guestbook.git
    targetRevision: refs/heads/main
`,
			push: mainPush, want: true,
		},
		{
			name: "refs/heads/ target, other branch pushed",
			spec: `  source:
    repoURL: ssh://git@github.com/Codertocat/guestbook.git
    targetRevision: refs/heads/main
`,
			push: featurePush, want: false,
		},
		{
			name: "other repository",
			spec: `  source:
    repoURL: https://github.com/Codertocat/hello-world
    targetRevision: HEAD
`,
			push: mainPush, want: false,
		},
		{
			name: "repository whose name extends the pushed one",
			spec: `  source:
    repoURL: https://github.com/Codertocat/guestbook-extra
    targetRevision: HEAD
`,
			push: mainPush, want: false,
		},
		{
			name: "empty targetRevision, push to default branch",
			spec: `  source:
    repoURL: https://github.com/Codertocat/guestbook
`,
			push: mainPush, want: true,
		},
		{
			name: "HEAD, push to another branch, payload names default branch",
			spec: `  source:
    repoURL: https://github.com/Codertocat/guestbook
    targetRevision: HEAD
`,
			push: featurePush, want: false,
		},
		{
			name: "HEAD, default branch unknown: any branch push matches",
			spec: `  source:
    repoURL: https://github.com/Codertocat/guestbook
    targetRevision: HEAD
`,
			push: featurePushNoDefault, want: true,
		},
		{
			name: "HEAD, default branch from callback, pushed",
			spec: `  source:
    repoURL: https://github.com/Codertocat/guestbook
    targetRevision: HEAD
`,
			push: mainPushNoDefault, defaultBranch: mainIsDefault, want: true,
		},
		{
			name: "HEAD, default branch from callback, not pushed",
			spec: `  source:
    repoURL: https://github.com/Codertocat/guestbook
    targetRevision: HEAD
`,
			push: mainPushNoDefault, defaultBranch: developIsDefault, want: false,
		},
		{
			name: "HEAD, callback knows nothing: any branch push matches",
			spec: `  source:
    repoURL: https://github.com/Codertocat/guestbook
    targetRevision: HEAD
`,
			push: featurePushNoDefault, defaultBranch: func(string) string { return "" }, want: true,
		},
		{
			name: "payload's default branch wins over the callback",
			spec: `  source:
    repoURL: https://github.com/Codertocat/guestbook
    targetRevision: HEAD
`,
			push: mainPush, defaultBranch: developIsDefault, want: true,
		},
		{
			name: "HEAD is not moved by a tag push",
			spec: `  source:
    repoURL: https://github.com/Codertocat/guestbook
    targetRevision: HEAD
`,
			push: tagPush, want: false,
		},
		{
			name: "tag target, tag pushed",
			spec: `  source:
    repoURL: https://github.com/Codertocat/guestbook
    targetRevision: v1.2.0
`,
			push: tagPush, want: true,
		},
		{
			name: "refs/tags/ target, tag pushed",
			spec: `  source:
    repoURL: https://github.com/Codertocat/guestbook
    targetRevision: refs/tags/v1.2.0
`,
			push: tagPush, want: true,
		},
		{
			name: "refs/tags/ target, branch of that name pushed",
			spec: `  source:
    repoURL: https://github.com/Codertocat/guestbook
    targetRevision: refs/tags/main
`,
			push: mainPush, want: false,
		},
		{
			name: "other exact tag",
			spec: `  source:
    repoURL: https://github.com/Codertocat/guestbook
    targetRevision: v1.1.0
`,
			push: tagPush, want: false,
		},
		{
			name: "semver constraint satisfied by pushed tag",
			spec: `  source:
    repoURL: https://github.com/Codertocat/guestbook
    targetRevision: ">=1.1.0 <2.0.0"
`,
			push: tagPush, want: true,
		},
		{
			name: "semver wildcard satisfied by pushed tag",
			spec: `  source:
    repoURL: https://github.com/Codertocat/guestbook
    targetRevision: 1.*
`,
			push: tagPush, want: true,
		},
		{
			name: "semver constraint not satisfied",
			spec: `  source:
    repoURL: https://github.com/Codertocat/guestbook
    targetRevision: ~1.1
`,
			push: tagPush, want: false,
		},
		{
			name: "semver constraint, branch push",
			spec: `  source:
    repoURL: https://github.com/Codertocat/guestbook
    targetRevision: 1.*
`,
			push: Push{Provider: ProviderGitHub, RepoURLs: []string{"https://github.com/Codertocat/guestbook"}, Revision: "1.5"},
			want: false,
		},
		{
			name: "commit SHA target never changes",
			spec: `  source:
    repoURL: https://github.com/Codertocat/guestbook
    targetRevision: 0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c
`,
			push: mainPush, want: false,
		},
		{
			name: "short SHA target, tag push",
			spec: `  source:
    repoURL: https://github.com/Codertocat/guestbook
    targetRevision: 0d1a26e
`,
			push: tagPush, want: false,
		},
		{
			name: "multi-source: git source in sources",
			spec: `  sources:
  - repoURL: https://charts.example.com
    chart: redis
    targetRevision: 18.1.0
  - repoURL: https://github.com/Codertocat/guestbook.git
    targetRevision: main
    ref: values
`,
			push: mainPush, want: true,
		},
		{
			name: "multi-source: no source uses the repository",
			spec: `  sources:
  - repoURL: https://charts.example.com
    chart: redis
    targetRevision: 18.1.0
  - repoURL: https://github.com/Codertocat/values.git
    targetRevision: main
    ref: values
`,
			push: mainPush, want: false,
		},
		{
			name: "spec.sources wins over spec.source",
			spec: `  source:
    repoURL: https://github.com/Codertocat/guestbook
    targetRevision: main
  sources:
  - repoURL: https://github.com/Codertocat/other
    targetRevision: main
`,
			push: mainPush, want: false,
		},
		{
			name: "chart source is skipped even on the pushed repository URL",
			spec: `  source:
    repoURL: https://github.com/Codertocat/guestbook
    chart: guestbook
    targetRevision: main
`,
			push: mainPush, want: false,
		},
		{
			name: "hydrator dry source",
			spec: `  sourceHydrator:
    drySource:
      repoURL: https://github.com/Codertocat/guestbook
      targetRevision: HEAD
      path: guestbook
    syncSource:
      targetBranch: environments/dev
      path: guestbook-dev
`,
			push: mainPush, want: true,
		},
		{
			name: "hydrator sync branch",
			spec: `  sourceHydrator:
    drySource:
      repoURL: https://github.com/Codertocat/guestbook
      targetRevision: main
      path: guestbook
    syncSource:
      targetBranch: environments/dev
      path: guestbook-dev
`,
			push: Push{Provider: ProviderGitHub, RepoURLs: []string{"https://github.com/Codertocat/guestbook"}, Revision: "environments/dev", DefaultBranch: "main"},
			want: true,
		},
		{
			name: "Bitbucket Server ssh clone URL",
			spec: `  source:
    repoURL: ssh://git@bitbucketserver:7999/myproject/test-repo.git
    targetRevision: master
`,
			push: bbServerPush, want: true,
		},
		{
			name: "Bitbucket Server http clone URL without .git",
			spec: `  source:
    repoURL: https://bitbucketserver/scm/myproject/test-repo
    targetRevision: HEAD
`,
			push: bbServerPush, want: true,
		},
		{
			name: "Azure DevOps HTTPS URL, HEAD, push to default branch",
			spec: `  source:
    repoURL: https://dev.azure.com/org/project/_git/repo
    targetRevision: HEAD
`,
			push: adoPush, want: true,
		},
		{
			name: "Azure DevOps HTTPS URL with the organisation as user",
			spec: `  source:
    repoURL: https://org@dev.azure.com/org/project/_git/repo
    targetRevision: main
`,
			push: adoPush, want: true,
		},
		{
			name: "Azure DevOps SSH URL",
			spec: `  source:
    repoURL: git@ssh.dev.azure.com:v3/org/project/repo
    targetRevision: refs/heads/main
`,
			push: adoPush, want: true,
		},
		{
			name: "Azure DevOps SSH URL of another repository of the project",
			spec: `  source:
    repoURL: git@ssh.dev.azure.com:v3/org/project/repo-extra
    targetRevision: main
`,
			push: adoPush, want: false,
		},
		{
			name: "Azure DevOps HTTPS URL of another branch",
			spec: `  source:
    repoURL: https://dev.azure.com/org/project/_git/repo
    targetRevision: develop
`,
			push: adoPush, want: false,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			app := mustApp(t, appYAML(tc.spec))
			if got := Matches(app, tc.push, tc.defaultBranch); got != tc.want {
				t.Errorf("Matches() = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestMatchesDefaultBranchCallbackGetsSourceURL(t *testing.T) {
	app := mustApp(t, appYAML(`  source:
    repoURL: git@github.com:Codertocat/guestbook.git
`))
	var asked []string
	p := Push{RepoURLs: []string{"https://github.com/Codertocat/guestbook"}, Revision: "main"}
	Matches(app, p, func(u string) string { asked = append(asked, u); return "main" })
	if len(asked) != 1 || asked[0] != "git@github.com:Codertocat/guestbook.git" {
		t.Errorf("defaultBranch called with %q, want the source's repoURL", asked)
	}
}

func TestMatchesNil(t *testing.T) {
	if Matches(nil, githubPush, nil) {
		t.Error("Matches(nil) = true")
	}
	app := mustApp(t, appYAML(`  source:
    repoURL: https://github.com/Codertocat/guestbook
`))
	if Matches(app, Push{Revision: "main"}, nil) {
		t.Error("Matches() of a push without repository URLs = true")
	}
}

// TestMatchesAzureDevOps parses Azure DevOps pushes and matches them
// against Applications on each form of the repository's URL, as Argo CD's
// GetWebURLRegex does for the HTTPS forms (scheme, user, .git and case
// ignored); unlike Argo CD, the SSH forms match too.
func TestMatchesAzureDevOps(t *testing.T) {
	body := testdata(t, "azuredevops-git-push.json")
	push := func(remoteURL string) Push {
		t.Helper()
		pl := editRepository(t, body, func(repo map[string]any) { repo["remoteUrl"] = remoteURL })
		p, err := Parse(webhookRequest(pl, azureDevOpsHeaders("", "")...), Secrets{})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	services := push("https://org@dev.azure.com/org/project/_git/repo")
	visualStudio := push("https://org.visualstudio.com/DefaultCollection/project/_git/repo")
	server := push("https://tfs.example.com/tfs/DefaultCollection/Project/_git/Repo")

	tests := []struct {
		repoURL string
		push    Push
		want    bool
	}{
		{"https://dev.azure.com/org/project/_git/repo", services, true},
		{"https://org@dev.azure.com/org/project/_git/repo", services, true},
		{"https://someone@dev.azure.com/org/project/_git/repo", services, true},
		{"https://dev.azure.com/org/project/_git/repo.git", services, true},
		{"https://Dev.Azure.com/Org/Project/_git/Repo/", services, true},
		{"git@ssh.dev.azure.com:v3/org/project/repo", services, true},
		{"ssh://git@ssh.dev.azure.com/v3/org/project/repo", services, true},
		{"git@ssh.dev.azure.com:v3/Org/Project/Repo", services, true},
		{"https://dev.azure.com/org/project/_git/other", services, false},
		{"https://dev.azure.com/org/other/_git/repo", services, false},
		{"https://dev.azure.com/other/project/_git/repo", services, false},
		{"git@ssh.dev.azure.com:v3/org/project/other", services, false},
		{"git@ssh.dev.azure.com:v3/org/other/repo", services, false},
		{"git@ssh.dev.azure.com:org/project/repo", services, false},
		{"https://org.visualstudio.com/DefaultCollection/project/_git/repo", visualStudio, true},
		{"org@vs-ssh.visualstudio.com:v3/org/project/repo", visualStudio, true},
		{"org@vs-ssh.visualstudio.com:v3/org/project/other", visualStudio, false},
		{"https://tfs.example.com/tfs/DefaultCollection/Project/_git/Repo", server, true},
		{"ssh://tfs.example.com:22/tfs/DefaultCollection/Project/_git/Repo", server, true},
		{"https://tfs.example.com/tfs/DefaultCollection/Project/_git/Other", server, false},
	}
	for _, tc := range tests {
		t.Run(tc.repoURL, func(t *testing.T) {
			app := mustApp(t, appYAML(`  source:
    repoURL: `+tc.repoURL+`
    targetRevision: HEAD
`))
			if got := Matches(app, tc.push, nil); got != tc.want {
				t.Errorf("Matches() of a push to %q = %v, want %v", tc.push.RepoURLs, got, tc.want)
			}
		})
	}
}
