package kustomize

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/api/types"
)

func TestParseImage(t *testing.T) {
	tests := []struct {
		arg     string
		want    types.Image
		wantErr bool
	}{
		{arg: "nginx:1.27", want: types.Image{Name: "nginx", NewTag: "1.27"}},
		{arg: "nginx@sha256:abc", want: types.Image{Name: "nginx", Digest: "sha256:abc"}},
		{arg: "nginx=reg/nginx:1.27", want: types.Image{Name: "nginx", NewName: "reg/nginx", NewTag: "1.27"}},
		{arg: "nginx=reg/nginx@sha256:abc", want: types.Image{Name: "nginx", NewName: "reg/nginx", Digest: "sha256:abc"}},
		{arg: "mysql=mariadb", want: types.Image{Name: "mysql", NewName: "mariadb"}},
		{arg: "reg:5000/app:v1", want: types.Image{Name: "reg:5000/app", NewTag: "v1"}},
		{arg: "nginx=*:1.28", want: types.Image{Name: "nginx", NewName: "*", NewTag: "1.28"}},
		{arg: "nginx", wantErr: true},
		{arg: "a=b=c", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.arg, func(t *testing.T) {
			got, err := parseImage(tt.arg)
			if (err != nil) != tt.wantErr {
				t.Fatalf("error = %v, want error %v", err, tt.wantErr)
			}
			if !tt.wantErr && got != tt.want {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestSetImages(t *testing.T) {
	k := types.Kustomization{Images: []types.Image{
		{Name: "zeta", NewTag: "1"},
		{Name: "nginx", NewName: "old/nginx", NewTag: "1.0"},
	}}
	if err := setImages(&k, []string{"nginx=*:2.0", "alpha@sha256:x", "new=*:3"}); err != nil {
		t.Fatal(err)
	}
	want := []types.Image{
		{Name: "alpha", Digest: "sha256:x"},
		{Name: "new", NewTag: "3"},
		{Name: "nginx", NewName: "old/nginx", NewTag: "2.0"},
		{Name: "zeta", NewTag: "1"},
	}
	if !reflect.DeepEqual(k.Images, want) {
		t.Fatalf("got %+v, want %+v", k.Images, want)
	}
}

func TestSetReplicas(t *testing.T) {
	k := types.Kustomization{Replicas: []types.Replica{{Name: "web", Count: 2}, {Name: "api", Count: 1}}}
	if err := setReplicas(&k, []Replica{{Name: "web", Count: 5}, {Name: "db", Count: 0}}); err != nil {
		t.Fatal(err)
	}
	want := []types.Replica{{Name: "api", Count: 1}, {Name: "db", Count: 0}, {Name: "web", Count: 5}}
	if !reflect.DeepEqual(k.Replicas, want) {
		t.Fatalf("got %+v, want %+v", k.Replicas, want)
	}
	if err := setReplicas(&k, []Replica{{Name: "a=b", Count: 1}}); err == nil {
		t.Fatal("a name with '=' was accepted")
	}
}

func TestEditMetadata(t *testing.T) {
	tests := []struct {
		name     string
		existing types.Kustomization
		opts     Options
		want     types.Kustomization
		wantErr  string
	}{
		{
			name: "quoted value is unquoted, value keeps colons",
			opts: Options{CommonLabels: map[string]string{"a": `"x"`}, CommonAnnotations: map[string]string{"u": "http://h:1"}},
			want: types.Kustomization{
				CommonLabels:      map[string]string{"a": "x"},
				CommonAnnotations: map[string]string{"u": "http://h:1"},
			},
		},
		{
			name:     "existing label without force",
			existing: types.Kustomization{CommonLabels: map[string]string{"team": "red"}},
			opts:     Options{CommonLabels: map[string]string{"team": "blue"}},
			wantErr:  "label team already in kustomization file",
		},
		{
			name:     "existing annotation without force",
			existing: types.Kustomization{CommonAnnotations: map[string]string{"owner": "x"}},
			opts:     Options{CommonAnnotations: map[string]string{"owner": "y"}},
			wantErr:  "annotation owner already in kustomization file",
		},
		{
			name:     "without selector appends a labels entry",
			existing: types.Kustomization{CommonLabels: map[string]string{"team": "red"}},
			opts:     Options{CommonLabels: map[string]string{"team": "blue", "env": "dev"}, LabelWithoutSelector: true},
			want: types.Kustomization{
				CommonLabels: map[string]string{"team": "red"},
				Labels:       []types.Label{{Pairs: map[string]string{"team": "blue", "env": "dev"}}},
			},
		},
		{
			name:    "include templates needs without selector",
			opts:    Options{CommonLabels: map[string]string{"a": "b"}, LabelIncludeTemplates: true},
			wantErr: "--without-selector flag must be specified",
		},
		{
			name:    "empty label key",
			opts:    Options{CommonLabels: map[string]string{"": "b"}},
			wantErr: "invalid label: ':b'",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k := tt.existing
			err := editKustomization(&k, tt.opts, nil)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(k, tt.want) {
				t.Fatalf("got %+v, want %+v", k, tt.want)
			}
		})
	}
}

func TestBuildErrors(t *testing.T) {
	tests := []struct {
		name    string
		files   map[string]string
		opts    Options
		wantErr string
	}{
		{
			name:    "missing component",
			files:   map[string]string{"app/kustomization.yaml": "resources:\n- cm.yaml\n", "app/cm.yaml": plainCM},
			opts:    Options{Components: []string{"../components/missing"}},
			wantErr: "../components/missing has no match",
		},
		{
			name:    "options without a kustomization",
			files:   map[string]string{"app/cm.yaml": plainCM},
			opts:    Options{NamePrefix: "x-"},
			wantErr: "kustomization file not found in app",
		},
		{
			name:    "no kustomization",
			files:   map[string]string{"app/cm.yaml": plainCM},
			wantErr: "kustomize build app",
		},
		{
			name:    "unknown kustomization field",
			files:   map[string]string{"app/kustomization.yaml": "resources:\n- cm.yaml\nbogus: 1\n", "app/cm.yaml": plainCM},
			opts:    Options{Namespace: "x"},
			wantErr: "app/kustomization.yaml: invalid Kustomization",
		},
		{
			name:    "file outside the kustomization root",
			files:   map[string]string{"app/kustomization.yaml": "resources:\n- ../shared/cm.yaml\n", "shared/cm.yaml": plainCM},
			wantErr: "is not in or below",
		},
		{
			name:    "existing label",
			files:   map[string]string{"app/kustomization.yaml": "resources:\n- cm.yaml\ncommonLabels:\n  a: b\n", "app/cm.yaml": plainCM},
			opts:    Options{CommonLabels: map[string]string{"a": "c"}},
			wantErr: "label a already in kustomization file",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			repo := t.TempDir()
			writeTree(t, repo, tt.files)
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
