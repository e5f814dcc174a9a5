package appset

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
)

// genPluginServer is a plugin answering answer to requests carrying
// token; it records the last request body.
type genPluginServer struct {
	*httptest.Server
	token  string
	answer string
	body   atomic.Value
}

func newGenPluginServer(t *testing.T, token, answer string) *genPluginServer {
	t.Helper()
	s := &genPluginServer{token: token, answer: answer}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

func (s *genPluginServer) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/api/v1/getparams.execute" {
		http.Error(w, `{"message": "wrong endpoint"}`, http.StatusNotFound)
		return
	}
	if r.Header.Get("Authorization") != "Bearer "+s.token {
		http.Error(w, `{"error": "forbidden"}`, http.StatusForbidden)
		return
	}
	if r.Header.Get("Content-Type") != "application/json" {
		http.Error(w, "not json", http.StatusBadRequest)
		return
	}
	body, _ := io.ReadAll(r.Body)
	s.body.Store(string(body))
	_, _ = io.WriteString(w, s.answer)
}

// genPluginObjects are the documented ConfigMap and Secrets for a plugin
// at url.
func genPluginObjects(url string) string {
	return `
apiVersion: v1
kind: ConfigMap
metadata: {name: my-plugin, namespace: argocd}
data:
  token: "$plugin.myplugin.token"
  baseUrl: "` + url + `"
  requestTimeout: "60"
---
apiVersion: v1
kind: ConfigMap
metadata: {name: other-secret-plugin, namespace: argocd}
data:
  token: "$plugin-secret:token"
  baseUrl: "` + url + `/"
---
apiVersion: v1
kind: ConfigMap
metadata: {name: missing-key-plugin, namespace: argocd}
data:
  token: "$no.such.key"
  baseUrl: "` + url + `"
---
apiVersion: v1
kind: Secret
metadata: {name: argocd-secret, namespace: argocd}
stringData:
  plugin.myplugin.token: "  strong-password\n"
---
apiVersion: v1
kind: Secret
metadata: {name: plugin-secret, namespace: argocd}
stringData:
  token: other-password
`
}

// TestPluginDocExample is Generators-Plugin.md's simple example: the
// request carries the bearer token and the input; templates see the
// plugin's output, generator.input.parameters and values.
func TestPluginDocExample(t *testing.T) {
	srv := newGenPluginServer(t, "strong-password", `{"output": {"parameters": [
		{"something": {"from": {"the": {"plugin": "first"}}}, "values": {"ignored": "x"}},
		{"something": {"from": {"the": {"plugin": "second"}}}, "generator": "overwritten"}
	]}}`)
	set := genSet(t, `
metadata: {name: myplugin, namespace: argocd}
spec:
  goTemplate: true
  goTemplateOptions: ["missingkey=error"]
  generators:
    - plugin:
        configMapRef:
          name: my-plugin
        input:
          parameters:
            key1: "value1"
            key2: "value2"
            list: ["list", "of", "values"]
            boolean: true
            map:
              key1: "value1"
              key2: "value2"
              key3: "value3"
        values:
          value1: something
        requeueAfterSeconds: 30
  template:
    metadata:
      name: 'myplugin-{{ .something.from.the.plugin }}'
      annotations:
        # The documentation's double quotes around this are not valid YAML.
        example.from.input.parameters: '{{ index .generator.input.parameters.map "key1" }}'
        example.from.values: "{{ .values.value1 }}"
        example.from.plugin.output: "{{ .something.from.the.plugin }}"
    spec: {project: default, destination: {server: 'https://kubernetes.default.svc', namespace: default}}
`)
	lines, res := genRun(t, set, genEnv(t, genPluginObjects(srv.URL)))
	const rest = " ns=argocd project=default dst=https://kubernetes.default.svc/default ann[example.from.input.parameters]=value1 ann[example.from.plugin.output]="
	genCheckLines(t, lines,
		"myplugin-first"+rest+"first ann[example.from.values]=something",
		"myplugin-second"+rest+"second ann[example.from.values]=something",
	)
	var got, want any
	_ = json.Unmarshal([]byte(srv.body.Load().(string)), &got)
	_ = json.Unmarshal([]byte(`{"applicationSetName": "myplugin", "input": {"parameters": {
		"key1": "value1", "key2": "value2", "list": ["list", "of", "values"], "boolean": true,
		"map": {"key1": "value1", "key2": "value2", "key3": "value3"}}}}`), &want)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("request body %s", srv.body.Load())
	}
	if res.RequeueAfter.Seconds() != 30 {
		t.Errorf("RequeueAfter = %v, want 30s", res.RequeueAfter)
	}
}

// TestPluginParams shows the parameters in both modes.
func TestPluginParams(t *testing.T) {
	srv := newGenPluginServer(t, "other-password", `{"output": {"parameters": [{"app": "a", "image": {"tag": "v1", "digests": ["x"]}}]}}`)
	const gen = `
  generators:
  - plugin:
      configMapRef: {name: other-secret-plugin}
      input: {parameters: {branch: main}}
      values: {app: '%s'}
  template: {metadata: {}, spec: {project: default, destination: {}}}`
	env := genEnv(t, genPluginObjects(srv.URL))
	fast := genSet(t, "metadata: {name: s}\nspec:"+strings.Replace(gen, "%s", "{{app}}-{{image.tag}}", 1))
	genCheckParams(t, genParamsOf(t, fast, env), `
- app: a
  image.tag: v1
  image.digests.0: x
  generator: {input: {parameters: {branch: main}}}
  values.app: a-v1
`)
	gotmpl := genSet(t, "metadata: {name: s}\nspec:\n  goTemplate: true"+strings.Replace(gen, "%s", "{{.app}}-{{.image.tag}}", 1))
	genCheckParams(t, genParamsOf(t, gotmpl, env), `
- app: a
  image: {tag: v1, digests: [x]}
  generator: {input: {parameters: {branch: main}}}
  values: {app: a-v1}
`)
	if want := `{"applicationSetName":"s","input":{"parameters":{"branch":"main"}}}` + "\n"; srv.body.Load() != want {
		t.Errorf("request body %q, want %q", srv.body.Load(), want)
	}
}

// TestPluginHTTPClient checks that Env.HTTPClient makes the call.
func TestPluginHTTPClient(t *testing.T) {
	srv := newGenPluginServer(t, "strong-password", `{"output": {"parameters": [{"a": "b"}]}}`)
	var calls atomic.Int32
	env := genEnv(t, genPluginObjects(srv.URL))
	env.HTTPClient = &http.Client{Transport: genRoundTripper(func(r *http.Request) (*http.Response, error) {
		calls.Add(1)
		return http.DefaultTransport.RoundTrip(r)
	})}
	set := genSet(t, `
metadata: {name: s}
spec:
  generators:
  - plugin: {configMapRef: {name: my-plugin}}
  template: {metadata: {}, spec: {project: default, destination: {}}}
`)
	genCheckParams(t, genParamsOf(t, set, env), `[{a: b, generator: {input: {parameters: {}}}}]`)
	if calls.Load() != 1 {
		t.Errorf("%d calls through Env.HTTPClient, want 1", calls.Load())
	}
	if got := requeueAfter(&set.Spec.Generators[0]); got != DefaultPluginRequeue {
		t.Errorf("requeueAfter = %v, want %v", got, DefaultPluginRequeue)
	}
}

type genRoundTripper func(*http.Request) (*http.Response, error)

func (f genRoundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestPluginErrors(t *testing.T) {
	srv := newGenPluginServer(t, "strong-password", `{"output": {"parameters": []}}`)
	bad := newGenPluginServer(t, "strong-password", `not json`)
	objs := genPluginObjects(srv.URL) + `
---
apiVersion: v1
kind: ConfigMap
metadata: {name: no-url, namespace: argocd}
data: {token: "$x"}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: plain-token, namespace: argocd}
data: {token: "plain", baseUrl: "http://example.invalid"}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: bad-timeout, namespace: argocd}
data: {token: "$plugin.myplugin.token", baseUrl: "http://example.invalid", requestTimeout: soon}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: bad-answer, namespace: argocd}
data: {token: "$plugin.myplugin.token", baseUrl: "` + bad.URL + `"}
`
	tests := []struct{ configMap, want string }{
		// Argo CD sends an unresolved reference as it is: the plugin refuses it.
		{"missing-key-plugin", "plugin answered 403: forbidden"},
		{"nowhere", "read plugin ConfigMap: no ConfigMap argocd/nowhere"},
		{"no-url", "plugin ConfigMap no-url has no baseUrl"},
		{"plain-token", `token "plain" is empty or does not reference a Secret key starting with '$'`},
		{"bad-timeout", "requestTimeout"},
		{"bad-answer", "decode plugin response"},
	}
	for _, tt := range tests {
		set := genSet(t, `
metadata: {name: s, namespace: argocd}
spec:
  generators:
  - plugin: {configMapRef: {name: `+tt.configMap+`}}
  template: {metadata: {name: x}, spec: {project: default, destination: {}}}
`)
		_, err := Generate(t.Context(), set, genEnv(t, objs))
		genCheckErr(t, err, "generator 0 (plugin): ", tt.want)
	}
}
