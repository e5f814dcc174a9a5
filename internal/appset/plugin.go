package appset

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"strconv"
	"strings"
	"time"

	"flotilla.dev/flotilla/api/v1alpha1"
)

const (
	// argoCDSecret is where a plugin token `$key` is looked up.
	argoCDSecret = "argocd-secret"
	// defaultPluginTimeout is a plugin call's timeout without requestTimeout.
	defaultPluginTimeout = 30 * time.Second
	// maxPluginResponse bounds what a plugin may answer.
	maxPluginResponse = 64 << 20
	// pluginUserAgent is Argo CD's, for plugins that look at it.
	pluginUserAgent = "argocd-applicationset"
)

// pluginConfig is what a plugin generator's ConfigMap says.
type pluginConfig struct {
	url     string
	token   string
	timeout time.Duration
}

// pluginRequest is the body POSTed to a plugin.
type pluginRequest struct {
	ApplicationSetName string               `json:"applicationSetName"`
	Input              v1alpha1.PluginInput `json:"input"`
}

// pluginResponse is a plugin's answer.
type pluginResponse struct {
	Output struct {
		Parameters []map[string]any `json:"parameters"`
	} `json:"output"`
}

// pluginParams asks a plugin for parameter sets: each is taken as it is
// with Go templates and flattened with fasttemplate, then gets the input
// parameters under generator.input.parameters and the generator's values.
func (g *generation) pluginParams(p *v1alpha1.PluginGenerator) ([]map[string]any, error) {
	cfg, err := g.readPluginConfig(p.ConfigMapRef.Name)
	if err != nil {
		return nil, err
	}
	objects, err := g.callPlugin(cfg, p.Input)
	if err != nil {
		return nil, err
	}
	input, err := decodePluginInput(p.Input.Parameters)
	if err != nil {
		return nil, err
	}
	res := make([]map[string]any, 0, len(objects))
	for i, obj := range objects {
		params := map[string]any{}
		if g.goTemplate {
			maps.Copy(params, obj)
		} else {
			for k, v := range FlattenParams(obj) {
				params[k] = v
			}
		}
		params["generator"] = map[string]any{"input": map[string]any{"parameters": input}}
		if err := g.appendValues(params, p.Values); err != nil {
			return nil, fmt.Errorf("parameter set %d of the plugin: %w", i, err)
		}
		res = append(res, params)
	}
	return res, nil
}

// readPluginConfig reads the plugin's ConfigMap and its token Secret.
func (g *generation) readPluginConfig(name string) (pluginConfig, error) {
	if g.env.Reader == nil {
		return pluginConfig{}, errors.New("no reader for the plugin's ConfigMap")
	}
	cm, err := g.env.Reader.ConfigMap(g.ctx, g.env.Namespace, name)
	if err != nil {
		return pluginConfig{}, fmt.Errorf("read plugin ConfigMap: %w", err)
	}
	cfg := pluginConfig{url: cm.Data["baseUrl"], timeout: defaultPluginTimeout}
	if cfg.url == "" {
		return pluginConfig{}, fmt.Errorf("plugin ConfigMap %s has no baseUrl", name)
	}
	if s, ok := cm.Data["requestTimeout"]; ok {
		n, err := strconv.Atoi(s)
		if err != nil {
			return pluginConfig{}, fmt.Errorf("plugin ConfigMap %s: requestTimeout: %w", name, err)
		}
		if n != 0 {
			cfg.timeout = time.Duration(n) * time.Second
		}
	}
	cfg.token, err = g.pluginToken(cm.Data["token"])
	if err != nil {
		return pluginConfig{}, fmt.Errorf("plugin ConfigMap %s: %w", name, err)
	}
	return cfg, nil
}

// pluginToken resolves a token reference as Argo CD does: `$key` is key of
// the argocd-secret Secret, `$name:key` key of Secret name, both in the
// controller's namespace. A key the Secret lacks leaves the reference as
// the token, as Argo CD's ReplaceStringSecret does.
func (g *generation) pluginToken(ref string) (string, error) {
	if !strings.HasPrefix(ref, "$") {
		return "", fmt.Errorf("token %q is empty or does not reference a Secret key starting with '$'", ref)
	}
	secretName, key := argoCDSecret, ref
	if strings.Contains(ref, ":") {
		parts := strings.Split(ref, ":")
		secretName, key = parts[0][1:], "$"+parts[1]
	}
	secret, err := g.env.Reader.Secret(g.ctx, g.env.Namespace, secretName)
	if err != nil {
		return "", fmt.Errorf("read token Secret: %w", err)
	}
	if v, ok := secret.Data[key[1:]]; ok {
		return strings.TrimSpace(string(v)), nil
	}
	return key, nil
}

// callPlugin POSTs the input to {baseUrl}/api/v1/getparams.execute and
// returns the parameter sets of its answer.
func (g *generation) callPlugin(cfg pluginConfig, input v1alpha1.PluginInput) ([]map[string]any, error) {
	var body bytes.Buffer
	enc := json.NewEncoder(&body)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(pluginRequest{ApplicationSetName: g.set.Name, Input: input}); err != nil {
		return nil, fmt.Errorf("encode plugin request: %w", err)
	}
	ctx, cancel := context.WithTimeout(g.ctx, cfg.timeout)
	defer cancel()
	url := strings.TrimSuffix(cfg.url, "/") + "/api/v1/getparams.execute"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, &body)
	if err != nil {
		return nil, fmt.Errorf("plugin request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+cfg.token)
	req.Header.Set("User-Agent", pluginUserAgent)
	client := g.env.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: cfg.timeout}
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("call plugin: %w", err)
	}
	defer func() { _ = resp.Body.Close() }()
	return readPluginResponse(resp)
}

// readPluginResponse decodes a plugin's answer; a non-2xx status is an
// error carrying the answer's message or error field, or its body.
func readPluginResponse(resp *http.Response) ([]map[string]any, error) {
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxPluginResponse))
	if err != nil {
		return nil, fmt.Errorf("read plugin response: %w", err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, fmt.Errorf("plugin answered %d: %s", resp.StatusCode, errorMessage(data))
	}
	var out pluginResponse
	if err := json.NewDecoder(bytes.NewReader(data)).Decode(&out); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("decode plugin response: %w", err)
	}
	return out.Output.Parameters, nil
}

// errorMessage is the message or error field of a JSON error answer, or
// the whole answer.
func errorMessage(data []byte) string {
	var body map[string]any
	if json.Unmarshal(data, &body) != nil {
		return strings.TrimSpace(string(data))
	}
	for _, k := range []string{"message", "error"} {
		if s, ok := body[k].(string); ok {
			return s
		}
	}
	return ""
}

// decodePluginInput turns the input parameters into plain values, so that
// templates can index them (generator.input.parameters.<key>).
func decodePluginInput(in v1alpha1.PluginParameters) (map[string]any, error) {
	out := make(map[string]any, len(in))
	for k, raw := range in {
		var v any
		if len(raw.Raw) != 0 {
			if err := json.Unmarshal(raw.Raw, &v); err != nil {
				return nil, fmt.Errorf("input parameter %q: %w", k, err)
			}
		}
		out[k] = v
	}
	return out, nil
}
