package kustomize

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// marker is the content of files outside the repository; it must never
// show up in a build's output or error.
const marker = "OUTSIDE-SECRET-7f3a"

const outsideManifest = `apiVersion: v1
kind: ConfigMap
metadata:
  name: leaked
data:
  secret: ` + marker + "\n"

const plainCM = `apiVersion: v1
kind: ConfigMap
metadata:
  name: inside
`

func writeTree(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// escapeCase lays out <tmp>/outside (files with the marker) beside
// <tmp>/repo, and builds <tmp>/repo/<app>.
type escapeCase struct {
	name    string
	repo    map[string]string
	links   map[string]string // repo-relative link -> target ("OUT/..." is under outside)
	app     string
	opts    Options
	wantErr string
}

func TestBuildRefusesEscapes(t *testing.T) {
	tests := []escapeCase{
		{
			name:    "resource beyond the repository root",
			repo:    map[string]string{"apps/web/kustomization.yaml": "resources:\n- ../../../outside/cm.yaml\n"},
			app:     "apps/web",
			wantErr: "outside",
		},
		{
			name:    "absolute resource path",
			repo:    map[string]string{"app/kustomization.yaml": "resources:\n- OUT/cm.yaml\n"},
			app:     "app",
			wantErr: "outside",
		},
		{
			name:    "symlinked resource file",
			repo:    map[string]string{"app/kustomization.yaml": "resources:\n- cm.yaml\n"},
			links:   map[string]string{"app/cm.yaml": "OUT/cm.yaml"},
			app:     "app",
			wantErr: "outside",
		},
		{
			name:    "symlinked base directory",
			repo:    map[string]string{"app/kustomization.yaml": "resources:\n- base\n"},
			links:   map[string]string{"app/base": "OUT/base"},
			app:     "app",
			wantErr: "outside the repository",
		},
		{
			name:    "symlinked kustomization file",
			repo:    map[string]string{"app/x.yaml": plainCM},
			links:   map[string]string{"app/kustomization.yaml": "OUT/base/kustomization.yaml"},
			app:     "app",
			wantErr: "outside the repository",
		},
		{
			name:    "app path outside the repository",
			repo:    map[string]string{"app/kustomization.yaml": "resources: []\n"},
			app:     "../outside/base",
			wantErr: "outside the repository",
		},
		{
			name:    "generator file outside",
			repo:    map[string]string{"app/kustomization.yaml": "configMapGenerator:\n- name: x\n  files:\n  - ../../outside/cm.yaml\n"},
			app:     "app",
			wantErr: "outside",
		},
		{
			name:    "application patch file outside",
			repo:    map[string]string{"app/kustomization.yaml": "resources:\n- cm.yaml\n", "app/cm.yaml": plainCM},
			app:     "app",
			opts:    Options{Patches: []Patch{{Path: "../../outside/cm.yaml"}}},
			wantErr: "outside",
		},
		{
			name:    "application component outside",
			repo:    map[string]string{"app/kustomization.yaml": "resources:\n- cm.yaml\n", "app/cm.yaml": plainCM},
			app:     "app",
			opts:    Options{Components: []string{"../../outside/base"}, IgnoreMissingComponents: true},
			wantErr: "outside the repository",
		},
		{
			name:    "component symlinked outside",
			repo:    map[string]string{"app/kustomization.yaml": "resources:\n- cm.yaml\ncomponents:\n- comp\n", "app/cm.yaml": plainCM},
			links:   map[string]string{"app/comp": "OUT/base"},
			app:     "app",
			wantErr: "outside the repository",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tmp := t.TempDir()
			out := filepath.Join(tmp, "outside")
			writeTree(t, out, map[string]string{
				"cm.yaml":                 outsideManifest,
				"base/kustomization.yaml": "resources:\n- cm.yaml\n",
				"base/cm.yaml":            outsideManifest,
			})
			repo := filepath.Join(tmp, "repo")
			files := map[string]string{}
			for name, content := range tt.repo {
				files[name] = strings.ReplaceAll(content, "OUT", out)
			}
			writeTree(t, repo, files)
			for link, target := range tt.links {
				target = strings.Replace(target, "OUT", out, 1)
				if err := os.MkdirAll(filepath.Dir(filepath.Join(repo, link)), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.Symlink(target, filepath.Join(repo, link)); err != nil {
					t.Fatal(err)
				}
			}
			objs, err := Build(repo, filepath.Join(repo, tt.app), tt.opts)
			if err == nil {
				t.Fatalf("build succeeded with %d objects, want an error", len(objs))
			}
			if len(objs) != 0 {
				t.Fatalf("got %d objects with the error", len(objs))
			}
			t.Log(err)
			if strings.Contains(err.Error(), marker) {
				t.Fatalf("error leaks the outside file: %v", err)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error = %v, want containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestBuildRefusesRemote(t *testing.T) {
	tests := []struct {
		name, kustomization string
		opts                Options
		wantErr             string
	}{
		{name: "github shorthand base", kustomization: "resources:\n- github.com/org/repo//deploy?ref=v1\n", wantErr: `remote resources entry "github.com/org/repo//deploy?ref=v1"`},
		{name: "https base", kustomization: "resources:\n- https://github.com/org/repo.git/deploy?ref=v1\n", wantErr: "remote resources"},
		{name: "https file", kustomization: "resources:\n- https://example.com/manifests/cm.yaml\n", wantErr: "remote resources"},
		{name: "scp style", kustomization: "resources:\n- git@github.com:org/repo.git\n", wantErr: "remote resources"},
		{name: "forced git protocol", kustomization: "resources:\n- git::https://example.com/org/repo\n", wantErr: "remote resources"},
		{name: "deprecated bases", kustomization: "bases:\n- ssh://git@example.com/org/repo.git\n", wantErr: "remote bases"},
		{name: "remote component", kustomization: "resources:\n- cm.yaml\ncomponents:\n- https://example.com/org/comp.git\n", wantErr: "remote components"},
		{name: "remote patch file", kustomization: "resources:\n- cm.yaml\npatches:\n- path: https://example.com/p.yaml\n", wantErr: "remote path"},
		{name: "remote generator file", kustomization: "configMapGenerator:\n- name: x\n  files:\n  - key=https://example.com/f\n", wantErr: "remote files"},
		{name: "remote openapi", kustomization: "resources:\n- cm.yaml\nopenapi:\n  path: https://example.com/schema.json\n", wantErr: "remote path"},
		{name: "remote in nested base", kustomization: "resources:\n- base\n", wantErr: "base/kustomization.yaml: remote resources"},
		{name: "remote in transformer config", kustomization: "resources:\n- cm.yaml\ntransformers:\n- patcher.yaml\n", wantErr: "patcher.yaml: remote path"},
		{
			name: "remote application component", kustomization: "resources:\n- cm.yaml\n",
			opts: Options{Components: []string{"https://example.com/org/comp.git"}}, wantErr: "remote component",
		},
		{
			name: "remote application patch", kustomization: "resources:\n- cm.yaml\n",
			opts: Options{Patches: []Patch{{Path: "https://example.com/p.yaml"}}}, wantErr: "remote path",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			repo := t.TempDir()
			writeTree(t, repo, map[string]string{
				"app/kustomization.yaml":      tt.kustomization,
				"app/cm.yaml":                 plainCM,
				"app/base/kustomization.yaml": "resources:\n- https://example.com/base.yaml\n",
				"app/patcher.yaml": "apiVersion: builtin\nkind: PatchTransformer\nmetadata:\n  name: p\n" +
					"path: https://example.com/p.yaml\ntarget:\n  kind: ConfigMap\n",
			})
			_, err := Build(repo, filepath.Join(repo, "app"), tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error = %v, want containing %q", err, tt.wantErr)
			}
			if strings.Contains(err.Error(), repo) {
				t.Fatalf("error shows the checkout path: %v", err)
			}
		})
	}
}
