package directory

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Jsonnet that would kill or hang the process is evaluated in a child
// that is stopped at the limits; the error names the file and says why.
func TestRenderJsonnetLimits(t *testing.T) {
	var chain strings.Builder
	chain.WriteString("local x0 = 0;\n")
	for i := 1; i < 50_000; i++ {
		fmt.Fprintf(&chain, "local x%d = x%d + 1;\n", i, i-1)
	}
	chain.WriteString(jsonnetCM(`"chain"`, `, data: {v: std.toString(x49999)}`))
	// A small stack makes the deep cases overflow long before their
	// syntax trees grow large: under the race detector a 200,000-deep
	// chain once reached the memory limit first.
	stack := Limits{Time: time.Minute, Memory: 2 << 30, Stack: 4 << 20, Output: 1 << 20}
	short := Limits{Time: 2 * time.Second, Memory: 256 << 20, Stack: 64 << 20, Output: 1 << 20}
	memory := Limits{Time: time.Minute, Memory: 256 << 20, Stack: 64 << 20, Output: 1 << 20}
	tests := []struct {
		name    string
		source  string
		limits  Limits
		wantErr string
	}{
		{
			name:    "tailstrict loop",
			source:  "local spin(n) = if n < 0 then n else spin(n + 1) tailstrict;\n" + jsonnetCM(`"loop"`, `, data: {v: std.toString(spin(0))}`),
			limits:  stack,
			wantErr: "app/main.jsonnet: evaluate jsonnet: recursion deeper than the 4 MiB stack allows",
		},
		{
			name:    "long chain of locals",
			source:  chain.String(),
			limits:  stack,
			wantErr: "app/main.jsonnet: evaluate jsonnet: recursion deeper than the 4 MiB stack allows",
		},
		{
			name:    "deeply nested literal",
			source:  strings.Repeat("[", 50_000) + strings.Repeat("]", 50_000),
			limits:  stack,
			wantErr: "app/main.jsonnet: evaluate jsonnet: recursion deeper than the 4 MiB stack allows",
		},
		{
			name: "endless loop",
			source: "local count(n) = std.foldl(function(acc, i) acc + 1, std.range(1, n), 0);\n" +
				jsonnetCM(`"endless"`, `, data: {v: std.toString(std.foldl(function(acc, i) acc + count(100000), std.range(1, 100000), 0))}`),
			limits:  short,
			wantErr: "app/main.jsonnet: evaluate jsonnet: did not finish within 2s",
		},
		{
			name:    "memory bomb",
			source:  jsonnetCM(`"bomb"`, `, data: {v: std.toString(std.length(std.makeArray(100000000, function(i) {i: i})))}`),
			limits:  memory,
			wantErr: "app/main.jsonnet: evaluate jsonnet: used more than 256 MiB of memory",
		},
	}
	saved := JsonnetLimits
	t.Cleanup(func() { JsonnetLimits = saved })
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			JsonnetLimits = tt.limits
			root := t.TempDir()
			writeFiles(t, root, map[string]string{
				"app/a.yaml":       "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n",
				"app/main.jsonnet": tt.source,
			})
			objs, err := Render(root, filepath.Join(root, "app"), Options{})
			if err == nil {
				t.Fatalf("rendered %d objects, want an error", len(objs))
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error = %v, want containing %q", err, tt.wantErr)
			}
		})
	}
}

// The output of the child is bounded too.
func TestRenderJsonnetOutputLimit(t *testing.T) {
	saved := JsonnetLimits
	t.Cleanup(func() { JsonnetLimits = saved })
	JsonnetLimits.Output = 1 << 20
	root := t.TempDir()
	writeFiles(t, root, map[string]string{
		"app/big.jsonnet": jsonnetCM(`"big"`, `, data: {v: std.join("", std.makeArray(200000, function(i) "0123456789"))}`),
	})
	_, err := Render(root, filepath.Join(root, "app"), Options{})
	if err == nil || !strings.Contains(err.Error(), "app/big.jsonnet: evaluate jsonnet: output larger than 1 MiB") {
		t.Fatalf("error = %v, want the output limit", err)
	}
}

func writeFiles(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
