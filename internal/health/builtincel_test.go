package health

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// builtinCase is one row of a built-in check's table: an object as
// inline YAML, and the status and exact message Argo CD's Lua gives it.
type builtinCase struct {
	name string
	obj  string // YAML
	want Code
	msg  string
}

// runBuiltin checks each case with the package-level Assess (built-in
// checks only) and with a Checker that has no custom check for the kind.
func runBuiltin(t *testing.T, cases []builtinCase) {
	t.Helper()
	other, err := NewChecker(map[string]string{"example.com/Other": `{"status": "Degraded"}`})
	if err != nil {
		t.Fatalf("NewChecker: %v", err)
	}
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			u := decode(t, tt.obj)
			for _, got := range []Status{Assess(u), other.Assess(u)} {
				if got.Code != tt.want || got.Message != tt.msg {
					t.Fatalf("Assess = %s %q, want %s %q", got.Code, got.Message, tt.want, tt.msg)
				}
			}
		})
	}
}

// TestBuiltinChecksCompile fails when a built-in check does not compile
// or two built-in checks claim the same kind; production skips such a
// check instead.
func TestBuiltinChecksCompile(t *testing.T) {
	c, err := builtinCEL()
	if err != nil {
		t.Fatalf("built-in health checks: %v", err)
	}
	if n := len(c.exact) + len(c.patterns); n == 0 {
		t.Fatal("no built-in health checks loaded")
	}
}

func TestLoadBuiltinSkipsBrokenChecks(t *testing.T) {
	fsys := fstest.MapFS{
		"builtin/a.yaml": {Data: []byte(`
resource.customizations.health.example.com_Good: '{"status": "Healthy", "message": "good"}'
resource.customizations.health.example.com_Bad: '{"status": '
`)},
		"builtin/b.yaml": {Data: []byte(`
resource.customizations.health.example.com_Good: '{"status": "Degraded"}'
`)},
		"builtin/c.yaml": {Data: []byte(`not: [a, map of strings]`)},
	}
	c, err := loadBuiltin(fsys)
	if err == nil {
		t.Fatal("loadBuiltin succeeded, want errors")
	}
	for _, want := range []string{`"example.com/Bad"`, "compile", `"example.com/Good"`, "same kind", "parse builtin/c.yaml"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not contain %q", err, want)
		}
	}
	good := c.lookup("example.com", "Good")
	if good == nil || !good.builtin {
		t.Fatalf("the good check was not kept: %+v", good)
	}
	if c.lookup("example.com", "Bad") != nil {
		t.Fatal("the broken check was kept")
	}
	u := decode(t, "apiVersion: example.com/v1\nkind: Good\nmetadata: {name: g}")
	if got := good.assess(u, EvalTimeout); got != (Status{Code: Healthy, Message: "good"}) {
		t.Fatalf("assess = %+v", got)
	}
}

// TestUserChecksOverrideBuiltin pins the precedence, Argo CD's: a user's
// check for the exact kind, then a user's pattern, then the built-in
// check (exact, then pattern), then the Go checks.
func TestUserChecksOverrideBuiltin(t *testing.T) {
	cert := decode(t, certificate+`status: {conditions: [{type: Ready, status: "True", message: up to date}]}`)
	mr := decode(t, `
apiVersion: s3.aws.upbound.io/v1beta1
kind: Bucket
metadata: {name: b}
status: {conditions: [{type: Ready, status: "True"}]}`)
	tests := []struct {
		name   string
		checks map[string]string
		want   [2]Status // cert, managed resource
	}{
		{"no user checks: built-in", nil, [2]Status{
			{Code: Healthy, Message: "up to date"}, {Code: Healthy, Message: "Resource is up-to-date."}}},
		{"user exact key wins", map[string]string{
			"cert-manager.io/Certificate": `{"status": "Suspended", "message": "mine"}`,
			"s3.aws.upbound.io/Bucket":    `{"status": "Degraded", "message": "mine"}`,
		}, [2]Status{{Code: Suspended, Message: "mine"}, {Code: Degraded, Message: "mine"}}},
		{"user pattern wins over built-in exact and pattern", map[string]string{
			"*/*": `{"status": "Suspended", "message": "catch-all"}`,
		}, [2]Status{{Code: Suspended, Message: "catch-all"}, {Code: Suspended, Message: "catch-all"}}},
		{"user check for another kind leaves the built-in", map[string]string{
			"cert-manager.io/Issuer": `{"status": "Degraded"}`,
		}, [2]Status{{Code: Healthy, Message: "up to date"}, {Code: Healthy, Message: "Resource is up-to-date."}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c *Checker
			if tt.checks != nil {
				var err error
				if c, err = NewChecker(tt.checks); err != nil {
					t.Fatalf("NewChecker: %v", err)
				}
			}
			for i, obj := range []*unstructured.Unstructured{cert, mr} {
				if got := c.Assess(obj); got != tt.want[i] {
					t.Errorf("%s: Assess = %+v, want %+v", obj.GetKind(), got, tt.want[i])
				}
			}
		})
	}
}

// TestBuiltinRuntimeErrorNamesCheck: a built-in check failing on an
// unexpected shape is Unknown, naming the built-in check.
func TestBuiltinRuntimeErrorNamesCheck(t *testing.T) {
	u := decode(t, certificate+`status: {conditions: "not a list"}`)
	got := Assess(u)
	if got.Code != Unknown || !strings.Contains(got.Message, `built-in health check "cert-manager.io/Certificate"`) {
		t.Fatalf("Assess = %+v, want Unknown naming the built-in check", got)
	}
}

// TestBuiltinChecksDocumented keeps docs/sync.md's table of built-in
// checks in step with builtin/*.yaml, both ways: every check has its row
// and kind, and every kind the table names has a check.
func TestBuiltinChecksDocumented(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "docs", "sync.md"))
	if err != nil {
		t.Fatal(err)
	}
	section := string(data)
	_, section, ok := strings.Cut(section, "### Built-in checks for custom resources")
	if !ok {
		t.Fatal("docs/sync.md has no section on built-in checks")
	}
	if i := strings.Index(section, "\n#"); i >= 0 {
		section = section[:i]
	}
	rows := map[string]string{} // group -> its table row
	for _, line := range strings.Split(section, "\n") {
		cells := strings.Split(line, "|")
		if len(cells) < 4 || strings.Trim(cells[1], " -") == "" || strings.TrimSpace(cells[1]) == "group" {
			continue
		}
		for _, g := range strings.Split(cells[1], ",") {
			rows[strings.Trim(strings.TrimSpace(g), "`")] = cells[2]
		}
	}
	have := map[string]bool{}
	for _, key := range builtinKinds() {
		have[key] = true
		group, kind, _ := strings.Cut(key, "/")
		row, ok := rows[group]
		if !ok {
			t.Errorf("docs/sync.md has no row for the built-in check %s", key)
			continue
		}
		if kind != "*" && !strings.Contains(row, kind) {
			t.Errorf("docs/sync.md's row for %s does not list %s", group, kind)
		}
	}
	for group, row := range rows {
		listed, _, _ := strings.Cut(row, "(")
		if strings.TrimSpace(listed) == "every kind" {
			if !have[group+"/*"] {
				t.Errorf("docs/sync.md lists every kind of %s, but there is no built-in check %s/*", group, group)
			}
			continue
		}
		for _, kind := range strings.Split(listed, ",") {
			if kind = strings.TrimSpace(kind); !have[group+"/"+kind] {
				t.Errorf("docs/sync.md lists %s/%s, but there is no built-in check for it", group, kind)
			}
		}
	}
}
