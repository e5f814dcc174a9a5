package health

import (
	"strings"
	"sync"
	"testing"
	"time"
)

// certificateCheck is cert-manager's Certificate check from Argo CD's Lua
// collection, in CEL.
const certificateCheck = `
!has(obj.status) || !has(obj.status.conditions) ?
  {"status": "Progressing", "message": "Waiting for certificate"} :
obj.status.conditions.exists(c, c.type == "Ready" && c.status == "False") ?
  {"status": "Degraded", "message": obj.status.conditions.filter(c, c.type == "Ready")[0].message} :
obj.status.conditions.exists(c, c.type == "Ready" && c.status == "True") ?
  {"status": "Healthy", "message": obj.status.conditions.filter(c, c.type == "Ready")[0].message} :
  {"status": "Progressing", "message": "Waiting for certificate"}`

const certificate = `
apiVersion: cert-manager.io/v1
kind: Certificate
metadata: {name: web}
`

func TestCheckerAssess(t *testing.T) {
	c, err := NewChecker(map[string]string{
		"cert-manager.io/Certificate": certificateCheck,
		"*.crossplane.io/*":           `{"status": has(obj.status) && obj.status.ready ? "Healthy" : "Progressing"}`,
		"*/*":                         `{"status": "Suspended", "message": "catch-all"}`,
		"ConfigMap":                   `{"status": "Degraded", "message": obj.metadata.name}`,
		"apps/Deployment":             `{"status": "Healthy", "message": obj.spec.nothing}`,
		"apps/StatefulSet":            `{"status": 1}`,
		"apps/DaemonSet":              `{"status": "healthy"}`,
		"apps/ReplicaSet":             `{"message": "no status"}`,
		"batch/Job":                   `{"status": "Healthy", "message": 7}`,
		"batch/CronJob":               `{"status": "Healthy", "message": null}`,
	})
	if err != nil {
		t.Fatalf("NewChecker: %v", err)
	}
	tests := []struct {
		name    string
		obj     string
		want    Code
		wantMsg string // substring
	}{
		{"certificate ready", certificate + `status: {conditions: [{type: Ready, status: "True", message: certificate is up to date}]}`, Healthy, "certificate is up to date"},
		{"certificate failed", certificate + `status: {conditions: [{type: Issuing, status: "True"}, {type: Ready, status: "False", message: issuer not found}]}`, Degraded, "issuer not found"},
		{"certificate issuing", certificate + `status: {conditions: [{type: Issuing, status: "True"}]}`, Progressing, "Waiting for certificate"},
		{"certificate new", certificate, Progressing, "Waiting for certificate"},
		{"wildcard group", `
apiVersion: ec2.aws.crossplane.io/v1beta1
kind: VPC
metadata: {name: v}
status: {ready: true}`, Healthy, ""},
		{"more specific pattern wins", `
apiVersion: s3.aws.crossplane.io/v1beta1
kind: Bucket
metadata: {name: b}`, Progressing, ""},
		{"catch-all pattern", `
apiVersion: example.com/v1
kind: Widget
metadata: {name: w}`, Suspended, "catch-all"},
		{"catch-all covers core kinds without a check", `
apiVersion: v1
kind: Secret
metadata: {name: s}`, Suspended, "catch-all"},
		{"core kind key", `
apiVersion: v1
kind: ConfigMap
metadata: {name: settings}`, Degraded, "settings"},
		{"null message is no message", `
apiVersion: batch/v1
kind: CronJob
metadata: {name: c}`, Healthy, ""},
		{"runtime error", `
apiVersion: apps/v1
kind: Deployment
metadata: {name: d}
spec: {}`, Unknown, `health check "apps/Deployment": no such key: nothing`},
		{"non-string status", `
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: s}`, Unknown, "status is int, want a string"},
		{"status not a health code", `
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: ds}`, Unknown, `status "healthy" is not a health status`},
		{"no status", `
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: rs}`, Unknown, "no status"},
		{"non-string message", `
apiVersion: batch/v1
kind: Job
metadata: {name: j}`, Unknown, "message is int"},
		{"being deleted skips the check", `
apiVersion: v1
kind: ConfigMap
metadata: {name: c, deletionTimestamp: "2024-01-01T00:00:00Z"}`, Progressing, "Pending deletion"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := c.Assess(decode(t, tt.obj))
			if got.Code != tt.want || !strings.Contains(got.Message, tt.wantMsg) {
				t.Fatalf("Assess = %s (%q), want %s (%q)", got.Code, got.Message, tt.want, tt.wantMsg)
			}
		})
	}
	if got := c.Assess(nil); got.Code != Missing {
		t.Fatalf("Assess(nil) = %s, want Missing", got.Code)
	}
}

// hostile nests six loops over ten elements: a million iterations.
const hostile = `[0,1,2,3,4,5,6,7,8,9].map(a, [0,1,2,3,4,5,6,7,8,9].map(b,
	[0,1,2,3,4,5,6,7,8,9].map(c, [0,1,2,3,4,5,6,7,8,9].map(d,
	[0,1,2,3,4,5,6,7,8,9].map(e, [0,1,2,3,4,5,6,7,8,9].map(f, a+b+c+d+e+f)))))).size() > 0 ?
	{"status": "Healthy"} : {"status": "Degraded"}`

func TestCheckerBoundsEvaluation(t *testing.T) {
	tests := []struct {
		name    string
		timeout time.Duration
		wantMsg string
	}{
		// With a minute to spare only the cost limit can stop it.
		{"cost limit", time.Minute, "actual cost limit exceeded"},
		{"timeout backstop", time.Millisecond, "operation interrupted"},
	}
	obj := decode(t, "apiVersion: example.com/v1\nkind: Loop\nmetadata: {name: l}\n")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := NewChecker(map[string]string{"example.com/Loop": hostile})
			if err != nil {
				t.Fatalf("NewChecker: %v", err)
			}
			c.timeout = tt.timeout
			start := time.Now()
			got := c.Assess(obj)
			t.Logf("stopped after %s: %s", time.Since(start), got.Message)
			if got.Code != Unknown || !strings.Contains(got.Message, tt.wantMsg) {
				t.Fatalf("Assess = %s (%q), want Unknown (%q)", got.Code, got.Message, tt.wantMsg)
			}
		})
	}
}

func TestCheckerFallsBackToBuiltin(t *testing.T) {
	c, err := NewChecker(map[string]string{"cert-manager.io/Certificate": certificateCheck})
	if err != nil {
		t.Fatalf("NewChecker: %v", err)
	}
	dep := decode(t, `
apiVersion: apps/v1
kind: Deployment
metadata: {name: d}
spec: {paused: true}`)
	for _, chk := range []*Checker{c, nil} {
		if got := chk.Assess(dep); got != Assess(dep) {
			t.Fatalf("Assess = %+v, want the built-in %+v", got, Assess(dep))
		}
	}
}

func TestCheckerConcurrent(t *testing.T) {
	c, err := NewChecker(map[string]string{"cert-manager.io/Certificate": certificateCheck})
	if err != nil {
		t.Fatalf("NewChecker: %v", err)
	}
	ready := decode(t, certificate+`status: {conditions: [{type: Ready, status: "True", message: ok}]}`)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 50 {
				if got := c.Assess(ready); got.Code != Healthy {
					t.Errorf("Assess = %+v, want Healthy", got)
					return
				}
			}
		})
	}
	wg.Wait()
}

func TestNewCheckerErrors(t *testing.T) {
	tests := []struct {
		name  string
		exprs map[string]string
		want  []string // substrings of the error
	}{
		{"syntax error names the key", map[string]string{"cert-manager.io/Certificate": `{"status": `}, []string{`"cert-manager.io/Certificate"`, "compile"}},
		{"type error names the key", map[string]string{"/ConfigMap": `{"status": "Healthy"} + 1`}, []string{`"/ConfigMap"`, "compile"}},
		{"undeclared variable", map[string]string{"apps/Deployment": `{"status": object.status}`}, []string{`"apps/Deployment"`, "undeclared reference"}},
		{"result not a map", map[string]string{"apps/Deployment": `"Healthy"`}, []string{`"apps/Deployment"`, "returns string"}},
		{"map with int keys", map[string]string{"apps/Deployment": `{1: "Healthy"}`}, []string{`"apps/Deployment"`, "want a map"}},
		{"no kind", map[string]string{"apps/": `{"status": "Healthy"}`}, []string{`"apps/"`, "no kind"}},
		{"two slashes", map[string]string{"a/b/c": `{"status": "Healthy"}`}, []string{`"a/b/c"`, "more than one /"}},
		{"bad pattern", map[string]string{"[a/Kind": `{"status": "Healthy"}`}, []string{`"[a/Kind"`, "pattern"}},
		{"same kind twice", map[string]string{"ConfigMap": `{"status": "Healthy"}`, "/ConfigMap": `{"status": "Healthy"}`}, []string{`"/ConfigMap"`, `"ConfigMap"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewChecker(tt.exprs)
			if err == nil {
				t.Fatal("NewChecker succeeded, want an error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Fatalf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}
