package cluster

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strings"

	"k8s.io/client-go/rest"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// DefaultExecAPIVersion is the ExecCredential version asked of an exec
// provider whose execProviderConfig names none.
const DefaultExecAPIVersion = "client.authentication.k8s.io/v1"

// execAPIVersions are the ExecCredential versions client-go speaks.
var execAPIVersions = []string{"client.authentication.k8s.io/v1", "client.authentication.k8s.io/v1beta1"}

// rawConfig is the JSON of a cluster Secret's config key, Argo CD's
// ClusterConfig. The certificates are strings here (base64 of PEM, as Go
// marshals Argo CD's []byte fields) so that each can be checked by name.
type rawConfig struct {
	Username           string   `json:"username"`
	Password           string   `json:"password"`
	BearerToken        string   `json:"bearerToken"`
	TLSClientConfig    rawTLS   `json:"tlsClientConfig"`
	AWSAuthConfig      *rawAWS  `json:"awsAuthConfig"`
	ExecProviderConfig *rawExec `json:"execProviderConfig"`
	DisableCompression bool     `json:"disableCompression"`
	ProxyURL           string   `json:"proxyUrl"`
}

type rawTLS struct {
	Insecure   bool   `json:"insecure"`
	ServerName string `json:"serverName"`
	CertData   string `json:"certData"`
	KeyData    string `json:"keyData"`
	CAData     string `json:"caData"`
}

type rawAWS struct {
	ClusterName string `json:"clusterName"`
	RoleARN     string `json:"roleARN"`
	Profile     string `json:"profile"`
}

type rawExec struct {
	Command     string            `json:"command"`
	Args        []string          `json:"args"`
	Env         map[string]string `json:"env"`
	APIVersion  string            `json:"apiVersion"`
	InstallHint string            `json:"installHint"`
}

// fields lists the keys a JSON object may hold; a key mapping to a non-nil
// fields is itself an object whose keys are checked.
type fields map[string]fields

var configFields = fields{
	"username":    nil,
	"password":    nil,
	"bearerToken": nil,
	"tlsClientConfig": {
		"insecure": nil, "serverName": nil, "certData": nil, "keyData": nil, "caData": nil,
	},
	"awsAuthConfig": {
		"clusterName": nil, "roleARN": nil, "profile": nil,
	},
	"execProviderConfig": {
		"command": nil, "args": nil, "env": nil, "apiVersion": nil, "installHint": nil,
	},
	"disableCompression": nil,
	"proxyUrl":           nil,
}

// parseConfig decodes a cluster Secret's config strictly. Its errors name
// fields but never quote the JSON, which holds credentials.
func parseConfig(data []byte) (*rawConfig, error) {
	rc := &rawConfig{}
	if len(bytes.TrimSpace(data)) == 0 {
		return rc, nil
	}
	if err := checkFields(data, configFields, "config"); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(data, rc); err != nil {
		return nil, jsonError("config", err)
	}
	return rc, nil
}

// checkFields refuses keys of the object in data that are not in known,
// recursively. Like encoding/json (and so Argo CD), it matches keys without
// regard to case.
func checkFields(data []byte, known fields, path string) error {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(data, &obj); err != nil {
		return jsonError(path, err)
	}
	var unknown []string
	for _, key := range slices.Sorted(maps.Keys(obj)) {
		name, ok := lookupField(known, key)
		if !ok {
			unknown = append(unknown, fmt.Sprintf("%q", path+"."+key))
			continue
		}
		if sub := known[name]; sub != nil && !isNull(obj[key]) {
			if err := checkFields(obj[key], sub, path+"."+name); err != nil {
				return err
			}
		}
	}
	switch len(unknown) {
	case 0:
		return nil
	case 1:
		return fmt.Errorf("unknown field %s", unknown[0])
	default:
		return fmt.Errorf("unknown fields %s", strings.Join(unknown, ", "))
	}
}

func lookupField(known fields, key string) (string, bool) {
	if _, ok := known[key]; ok {
		return key, true
	}
	for name := range known {
		if strings.EqualFold(name, key) {
			return name, true
		}
	}
	return "", false
}

func isNull(raw json.RawMessage) bool {
	return string(bytes.TrimSpace(raw)) == "null"
}

// jsonError rewords a decoding error by field, dropping anything quoted from
// the input.
func jsonError(path string, err error) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		return fmt.Errorf("%s is not valid JSON: syntax error at byte offset %d", path, syntax.Offset)
	case errors.As(err, &typ):
		got, _, _ := strings.Cut(typ.Value, " ")
		if typ.Field != "" {
			path += "." + typ.Field
		}
		return fmt.Errorf("%s must be %s, not a JSON %s", path, jsonKind(typ.Type), got)
	default:
		return fmt.Errorf("%s is not valid JSON", path)
	}
}

func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Slice:
		return "an array of strings"
	case reflect.Map, reflect.Struct, reflect.Pointer:
		return "an object"
	default:
		return "a " + t.Kind().String()
	}
}

// restConfig builds the client-go config for server from rc, as Argo CD's
// Cluster.RawRestConfig does for a cluster other than the local one.
func restConfig(server string, rc *rawConfig) (*rest.Config, error) {
	if rc.AWSAuthConfig != nil {
		return nil, errors.New("config.awsAuthConfig is not supported: it runs Argo CD's argocd-k8s-auth helper; " +
			"use execProviderConfig with a command such as `aws eks get-token` instead")
	}
	tlsConfig, err := tlsClientConfig(&rc.TLSClientConfig)
	if err != nil {
		return nil, err
	}
	cfg := &rest.Config{
		Host:               server,
		TLSClientConfig:    tlsConfig,
		DisableCompression: rc.DisableCompression,
	}
	if err := setCredentials(cfg, rc); err != nil {
		return nil, err
	}
	if rc.ExecProviderConfig != nil {
		if cfg.ExecProvider, err = execConfig(rc.ExecProviderConfig); err != nil {
			return nil, err
		}
	}
	if rc.ProxyURL != "" {
		u, err := parseProxyURL(rc.ProxyURL)
		if err != nil {
			return nil, err
		}
		cfg.Proxy = http.ProxyURL(u)
	}
	return cfg, nil
}

// setCredentials sets the static credentials of rc on cfg. client-go
// refuses a token together with basic auth, and an exec provider's
// credentials would be ignored next to them (Argo CD drops them), so both
// mixes are errors here.
func setCredentials(cfg *rest.Config, rc *rawConfig) error {
	basic := rc.Username != "" || rc.Password != ""
	token := rc.BearerToken != ""
	switch {
	case basic && token:
		return errors.New("config sets both bearerToken and username/password: use one of them")
	case (basic || token) && rc.ExecProviderConfig != nil:
		return errors.New("config sets execProviderConfig together with bearerToken or username/password: use one of them")
	case rc.Password != "" && rc.Username == "":
		return errors.New("config.password is set without config.username")
	}
	if token && strings.ContainsFunc(rc.BearerToken, isSpaceOrControl) {
		return errors.New("config.bearerToken contains whitespace or control characters (a trailing newline?)")
	}
	cfg.Username = rc.Username
	cfg.Password = rc.Password
	cfg.BearerToken = rc.BearerToken
	return nil
}

func isSpaceOrControl(r rune) bool {
	return r <= ' ' || r == 0x7f
}

// execConfig maps Argo CD's execProviderConfig onto client-go's, with the
// same non-interactive mode Argo CD uses.
func execConfig(e *rawExec) (*clientcmdapi.ExecConfig, error) {
	if strings.TrimSpace(e.Command) == "" {
		return nil, errors.New("config.execProviderConfig.command is missing")
	}
	apiVersion := e.APIVersion
	if apiVersion == "" {
		apiVersion = DefaultExecAPIVersion
	}
	if !slices.Contains(execAPIVersions, apiVersion) {
		return nil, fmt.Errorf("config.execProviderConfig.apiVersion %q is not supported (use one of %s)",
			apiVersion, strings.Join(execAPIVersions, ", "))
	}
	out := &clientcmdapi.ExecConfig{
		Command:         e.Command,
		Args:            slices.Clone(e.Args),
		APIVersion:      apiVersion,
		InstallHint:     e.InstallHint,
		InteractiveMode: clientcmdapi.NeverExecInteractiveMode,
	}
	// Sorted, so that the same Secret always yields the same config.
	for _, name := range slices.Sorted(maps.Keys(e.Env)) {
		if name == "" || strings.Contains(name, "=") {
			return nil, fmt.Errorf("config.execProviderConfig.env has an invalid variable name %q", name)
		}
		out.Env = append(out.Env, clientcmdapi.ExecEnvVar{Name: name, Value: e.Env[name]})
	}
	return out, nil
}

// parseProxyURL accepts the proxy schemes Argo CD accepts. Errors show the
// URL without its password.
func parseProxyURL(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil {
		return nil, errors.New("config.proxyUrl is not a valid URL")
	}
	switch u.Scheme {
	case "http", "https", "socks5":
	default:
		return nil, fmt.Errorf("config.proxyUrl %q has unsupported scheme %q: use http, https or socks5", u.Redacted(), u.Scheme)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("config.proxyUrl %q has no host", u.Redacted())
	}
	return u, nil
}
