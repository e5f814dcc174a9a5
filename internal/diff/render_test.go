package diff

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func TestDiff(t *testing.T) {
	tests := []struct {
		name         string
		rules        []Rule
		desired      bool
		live         func(t testing.TB, u *unstructured.Unstructured)
		noLive       bool
		wantModified bool
		wantLines    []string
		notLines     []string
	}{
		{
			name:     "in sync",
			desired:  true,
			notLines: []string{"---", "+++"},
		},
		{
			name:         "changed field",
			desired:      true,
			live:         func(t testing.TB, u *unstructured.Unstructured) { set(t, u, int64(5), "spec", "replicas") },
			wantModified: true,
			wantLines:    []string{"--- live", "+++ desired", "-  replicas: 5", "+  replicas: 1"},
			notLines:     []string{"status:", "managedFields", "resourceVersion", "last-applied"},
		},
		{
			name:     "ignored field is not shown",
			desired:  true,
			rules:    []Rule{{Group: "apps", Kind: "Deployment", JSONPointers: []string{"/spec/replicas"}}},
			live:     func(t testing.TB, u *unstructured.Unstructured) { set(t, u, int64(5), "spec", "replicas") },
			notLines: []string{"replicas"},
		},
		{
			name:         "create",
			desired:      true,
			noLive:       true,
			wantModified: true,
			wantLines:    []string{"--- live", "+++ desired", "+kind: Deployment", "+  replicas: 1"},
			notLines:     []string{"-kind"},
		},
		{
			name:         "prune",
			wantModified: true,
			wantLines:    []string{"--- live", "+++ desired", "-kind: Deployment", "-  replicas: 1"},
			notLines:     []string{"+kind", "status:", "managedFields"},
		},
		{
			name:     "nothing on either side",
			noLive:   true,
			notLines: []string{"---"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			desired, live := deployments(t)
			if !tc.desired {
				desired = nil
			}
			if tc.noLive {
				live = nil
			} else if tc.live != nil {
				tc.live(t, live)
			}
			res, err := Diff(desired, live, tc.rules)
			if err != nil {
				t.Fatal(err)
			}
			if res.Modified != tc.wantModified {
				t.Fatalf("Modified = %v, want %v\n%s", res.Modified, tc.wantModified, res.Unified)
			}
			if !res.Modified && res.Unified != "" {
				t.Fatalf("unmodified diff has text:\n%s", res.Unified)
			}
			lines := strings.Split(res.Unified, "\n")
			for _, want := range tc.wantLines {
				if !containsLine(lines, want) {
					t.Errorf("missing line %q in:\n%s", want, res.Unified)
				}
			}
			for _, not := range tc.notLines {
				if strings.Contains(res.Unified, not) {
					t.Errorf("unexpected %q in:\n%s", not, res.Unified)
				}
			}
		})
	}
}

func containsLine(lines []string, want string) bool {
	for _, l := range lines {
		if strings.TrimRight(l, " \t") == want {
			return true
		}
	}
	return false
}

func TestDiffUnifiedText(t *testing.T) {
	desired, live := deployments(t)
	set(t, live, int64(5), "spec", "replicas")
	res, err := Diff(desired, live, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := `--- live
+++ desired
@@ -9,7 +9,7 @@
   name: web
   namespace: shop
 spec:
-  replicas: 5
+  replicas: 1
   selector:
     matchLabels:
       app: web
`
	if res.Unified != want {
		t.Fatalf("Unified =\n%s\nwant\n%s", res.Unified, want)
	}
}
