package diff

import (
	"encoding/base64"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func secret(t testing.TB, data map[string]string) *unstructured.Unstructured {
	t.Helper()
	u := parse(t, "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  namespace: shop\ntype: Opaque\n")
	m := map[string]any{}
	for k, v := range data {
		m[k] = base64.StdEncoding.EncodeToString([]byte(v))
	}
	set(t, u, m, "data")
	return u
}

func data(t testing.TB, u *unstructured.Unstructured, key string) string {
	t.Helper()
	v, _, err := unstructured.NestedString(u.Object, "data", key)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestMaskSecrets(t *testing.T) {
	desired := secret(t, map[string]string{"user": "admin", "password": "hunter2", "new": "n"})
	live := secret(t, map[string]string{"user": "admin", "password": "swordfish", "old": "o"})
	d0, l0 := desired.DeepCopy(), live.DeepCopy()
	p, l := MaskSecrets(desired, live)
	unchanged(t, "desired", d0, desired)
	unchanged(t, "live", l0, live)
	tests := []struct {
		name        string
		key         string
		desired     string
		live        string
		sameMask    bool
		presentBoth bool
	}{
		{name: "same value same mask", key: "user", sameMask: true, presentBoth: true},
		{name: "changed value different masks", key: "password", presentBoth: true},
		{name: "only desired", key: "new", desired: "++++++++"},
		{name: "only live", key: "old", live: "++++++++"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pv, lv := data(t, p, tc.key), data(t, l, tc.key)
			if tc.presentBoth {
				if strings.Trim(pv, "+") != "" || strings.Trim(lv, "+") != "" || pv == "" || lv == "" {
					t.Fatalf("masks %q, %q are not runs of '+'", pv, lv)
				}
				if (pv == lv) != tc.sameMask {
					t.Fatalf("masks %q and %q, want same = %v", pv, lv, tc.sameMask)
				}
				return
			}
			if pv != tc.desired || lv != tc.live {
				t.Fatalf("masks %q, %q; want %q, %q", pv, lv, tc.desired, tc.live)
			}
		})
	}
}

func TestMaskSecretsStringDataAndLastApplied(t *testing.T) {
	desired := parse(t, `
apiVersion: v1
kind: Secret
metadata: {name: db}
stringData:
  password: hunter2
`)
	live := secret(t, map[string]string{"password": "hunter2"})
	set(t, live, map[string]any{
		lastAppliedAnnotation: `{"apiVersion":"v1","kind":"Secret","metadata":{"name":"db"},"stringData":{"password":"hunter1"}}`,
	}, "metadata", "annotations")
	p, l := MaskSecrets(desired, live)
	if _, found := p.Object["stringData"]; found {
		t.Error("stringData kept")
	}
	if data(t, p, "password") != data(t, l, "password") {
		t.Errorf("equal values got masks %q and %q", data(t, p, "password"), data(t, l, "password"))
	}
	applied := l.GetAnnotations()[lastAppliedAnnotation]
	if strings.Contains(applied, "hunter") || !strings.Contains(applied, "++++++++++++") {
		t.Errorf("last-applied annotation not masked: %s", applied)
	}

	set(t, live, map[string]any{lastAppliedAnnotation: `{"stringData":{"password":"hunter1"`}, "metadata", "annotations")
	_, l = MaskSecrets(desired, live)
	if got := l.GetAnnotations()[lastAppliedAnnotation]; got != maskBase {
		t.Errorf("unreadable last-applied annotation = %q, want it masked whole", got)
	}
}

func TestMaskSecretsLeavesOtherKinds(t *testing.T) {
	desired, live := deployments(t)
	p, l := MaskSecrets(desired, live)
	if p == desired || l == live {
		t.Fatal("MaskSecrets returned its inputs, want copies")
	}
	unchanged(t, "desired copy", desired, p)
	unchanged(t, "live copy", live, l)
	if p, l := MaskSecrets(nil, nil); p != nil || l != nil {
		t.Fatal("MaskSecrets(nil, nil) returned objects")
	}
}

func TestDiffSecretNeverShowsValues(t *testing.T) {
	desired := secret(t, map[string]string{"user": "admin", "password": "hunter2"})
	live := secret(t, map[string]string{"user": "admin", "password": "swordfish"})
	res, err := Diff(desired, live, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Modified {
		t.Fatal("changed secret not Modified")
	}
	for _, plain := range []string{"admin", "hunter2", "swordfish"} {
		for _, s := range []string{plain, base64.StdEncoding.EncodeToString([]byte(plain))} {
			if strings.Contains(res.Unified, s) {
				t.Errorf("diff shows %q:\n%s", s, res.Unified)
			}
		}
	}
	if !strings.Contains(res.Unified, "-  password: ++++++++++++\n") || !strings.Contains(res.Unified, "+  password: ++++++++\n") {
		t.Errorf("diff does not show the password change as different masks:\n%s", res.Unified)
	}
	if strings.Contains(res.Unified, "-  user:") || strings.Contains(res.Unified, "+  user:") {
		t.Errorf("unchanged user shown as changed:\n%s", res.Unified)
	}

	created, err := Diff(desired, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(created.Unified, "aHVudGVyMg") || !strings.Contains(created.Unified, "+  password: ++++++++") {
		t.Errorf("created secret diff not masked:\n%s", created.Unified)
	}
}

func TestEqualSecretStringData(t *testing.T) {
	desired := parse(t, `
apiVersion: v1
kind: Secret
metadata: {name: db, namespace: shop}
type: Opaque
stringData:
  password: hunter2
`)
	ignorePassword := []Rule{{Kind: "Secret", JSONPointers: []string{"/data/password"}}}
	tests := []struct {
		name     string
		password string
		rules    []Rule
		want     bool
	}{
		{"stringData equals data", "hunter2", nil, true},
		{"stringData differs from data", "swordfish", nil, false},
		{"rules see stringData as data", "swordfish", ignorePassword, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			live := secret(t, map[string]string{"password": tc.password})
			got, err := Equal(desired, live, tc.rules)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Fatalf("Equal = %v, want %v", got, tc.want)
			}
		})
	}
}
