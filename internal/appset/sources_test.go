package appset

import (
	"fmt"
	"testing"
)

func TestGitSources(t *testing.T) {
	set := genSet(t, `
metadata: {name: s}
spec:
  generators:
  - git: {repoURL: 'https://example.com/a.git', revision: HEAD, directories: [{path: '*'}]}
  - list: {elements: []}
  - matrix:
      generators:
      - git: {repoURL: 'https://example.com/b.git', revision: main, files: [{path: x.json}]}
      - merge:
          mergeKeys: [a]
          generators:
          - git: {repoURL: 'https://example.com/c.git', revision: v1, files: [{path: x.json}]}
          - git: {repoURL: '{{.repo}}', revision: HEAD, files: [{path: x.json}]}
  - merge:
      mergeKeys: [a]
      generators:
      - git: {repoURL: 'https://example.com/a.git', revision: HEAD, directories: [{path: '*'}]}
      - matrix:
          generators:
          - list: {elements: []}
          - git: {repoURL: 'https://example.com/d.git', revision: '', directories: [{path: '*'}]}
  template: {metadata: {}, spec: {project: default, destination: {}}}
`)
	var got []string
	for _, s := range GitSources(set) {
		got = append(got, fmt.Sprintf("%s@%s", s.RepoURL, s.Revision))
	}
	genCheckLines(t, got,
		"https://example.com/a.git@HEAD",
		"https://example.com/b.git@main",
		"https://example.com/c.git@v1",
		"{{.repo}}@HEAD",
		"https://example.com/d.git@",
	)
	if GitSources(nil) != nil {
		t.Error("GitSources(nil) is not nil")
	}
}
