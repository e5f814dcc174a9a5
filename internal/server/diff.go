package server

import (
	"net/http"
	"strings"

	"github.com/pmezard/go-difflib/difflib"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"flotilla.dev/flotilla/internal/appctl"
	"flotilla.dev/flotilla/internal/diff"
)

// ResourceDiff is one resource's live and desired YAML, Secret values
// masked.
type ResourceDiff struct {
	Group     string `json:"group"`
	Kind      string `json:"kind"`
	Namespace string `json:"namespace,omitempty"`
	Name      string `json:"name"`
	Live      string `json:"live"`
	Desired   string `json:"desired"`
	Unified   string `json:"unified"`
	Modified  bool   `json:"modified"`
	// Error is the API server's refusal of the dry-run; Desired is then
	// the rendered object.
	Error string `json:"error,omitempty"`
}

// diffResponse is GET …/diff.
type diffResponse struct {
	Revision  string         `json:"revision,omitempty"`
	Resources []ResourceDiff `json:"resources"`
}

// diff renders the app's desired state and compares it with the live
// objects: the modified (OutOfSync) resources, or all with ?all=true;
// ?revision= renders another revision, ?refresh=true resolves the
// revision again.
func (s *Server) diff(w http.ResponseWriter, r *http.Request) {
	if s.opts.Diff.Generator == nil || s.opts.Diff.Cluster == nil {
		writeError(w, http.StatusNotImplemented, "diffs are not configured on this server")
		return
	}
	app, ok := s.lookup(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	opts := s.opts.Diff
	opts.Revision, opts.LocalDir = q.Get("revision"), ""
	opts.Refresh = q.Get("refresh") == "true"
	all := q.Get("all") == "true"
	diffs, err := appctl.Diff(r.Context(), app, opts)
	if err != nil {
		s.fail(w, err, "diff of "+app.Namespace+"/"+app.Name)
		return
	}
	out := diffResponse{Revision: opts.Revision, Resources: []ResourceDiff{}}
	for _, d := range diffs {
		if d.Modified || all {
			out.Resources = append(out.Resources, maskDiff(d))
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// maskDiff converts d, masking the values of a Secret again whatever the
// producer did: a Secret's data never leaves the server.
func maskDiff(d appctl.ResourceDiff) ResourceDiff {
	out := ResourceDiff{Group: d.Group, Kind: d.Kind, Namespace: d.Namespace, Name: d.Name,
		Live: d.Live, Desired: d.Desired, Unified: d.Unified, Modified: d.Modified, Error: d.Error}
	if d.Group != "" || d.Kind != "Secret" {
		return out
	}
	desired, okD := parseSecret(d.Desired)
	live, okL := parseSecret(d.Live)
	if !okD || !okL {
		out.Live, out.Desired, out.Unified = hidden(d.Live), hidden(d.Desired), ""
		return out
	}
	desired, live = diff.MaskSecrets(desired, live)
	out.Desired, out.Live = toYAML(desired), toYAML(live)
	out.Unified = unified(out.Live, out.Desired)
	return out
}

const hiddenText = "# Secret hidden: its YAML could not be masked\n"

func hidden(s string) string {
	if s == "" {
		return ""
	}
	return hiddenText
}

// parseSecret parses one Secret; "" is no object (nil, true).
func parseSecret(s string) (*unstructured.Unstructured, bool) {
	if strings.TrimSpace(s) == "" {
		return nil, true
	}
	obj := map[string]any{}
	if err := yaml.Unmarshal([]byte(s), &obj); err != nil {
		return nil, false
	}
	u := &unstructured.Unstructured{Object: obj}
	// MaskSecrets knows a Secret by its kind: make sure it is there.
	u.SetAPIVersion("v1")
	u.SetKind("Secret")
	return u, true
}

func toYAML(u *unstructured.Unstructured) string {
	if u == nil {
		return ""
	}
	out, err := yaml.Marshal(u.Object)
	if err != nil {
		return hiddenText
	}
	return string(out)
}

func unified(live, desired string) string {
	out, err := difflib.GetUnifiedDiffString(difflib.UnifiedDiff{
		A: difflib.SplitLines(live), B: difflib.SplitLines(desired),
		FromFile: "live", ToFile: "desired", Context: 3,
	})
	if err != nil {
		return ""
	}
	return out
}
