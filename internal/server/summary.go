package server

import (
	"strings"
	"time"

	"flotilla.dev/flotilla/api/v1alpha1"
)

// Annotations the summaries read.
const (
	waveAnnotation      = "argocd.argoproj.io/sync-wave"
	dependsOnAnnotation = "flotilla.dev/depends-on"
	trackingAnnotation  = "argocd.argoproj.io/tracking-id"
	lastApplied         = "kubectl.kubernetes.io/last-applied-configuration"
)

// AppSummary is one Application in the list and in the events stream.
type AppSummary struct {
	Namespace        string        `json:"namespace"`
	Name             string        `json:"name"`
	Project          string        `json:"project"`
	Sync             string        `json:"sync"`
	Health           string        `json:"health"`
	Revision         string        `json:"revision,omitempty"`
	TargetRevision   string        `json:"targetRevision,omitempty"`
	Wave             string        `json:"wave,omitempty"`
	DependsOn        []string      `json:"dependsOn"`
	Parent           *AppRef       `json:"parent,omitempty"`
	AppSet           *AppRef       `json:"appSet,omitempty"`
	Repo             string        `json:"repo"`
	Path             string        `json:"path,omitempty"`
	Chart            string        `json:"chart,omitempty"`
	Sources          int           `json:"sources"`
	Destination      Destination   `json:"destination"`
	Conditions       []Condition   `json:"conditions"`
	OperationPhase   string        `json:"operationPhase,omitempty"`
	OperationMessage string        `json:"operationMessage,omitempty"`
	AutoSync         bool          `json:"autoSync"`
	Resources        ResourceCount `json:"resources"`
	ReconciledAt     *time.Time    `json:"reconciledAt,omitempty"`
	Deleting         bool          `json:"deleting,omitempty"`
}

// AppRef names an Application.
type AppRef struct {
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
}

// Destination is where an Application deploys to.
type Destination struct {
	Server    string `json:"server,omitempty"`
	Name      string `json:"name,omitempty"`
	Namespace string `json:"namespace,omitempty"`
}

// Condition is an Application condition.
type Condition struct {
	Type    string `json:"type"`
	Message string `json:"message"`
}

// ResourceCount counts an Application's resources.
type ResourceCount struct {
	Total     int `json:"total"`
	OutOfSync int `json:"outOfSync"`
	Healthy   int `json:"healthy"`
}

// summarize makes the list item of app.
func summarize(app *v1alpha1.Application) AppSummary {
	st := app.Status
	src := app.Spec.GetSource()
	s := AppSummary{
		Namespace:      app.Namespace,
		Name:           app.Name,
		Project:        app.Spec.GetProject(),
		Sync:           orUnknown(string(st.Sync.Status)),
		Health:         orUnknown(string(st.Health.Status)),
		Revision:       st.Sync.Revision,
		TargetRevision: src.TargetRevision,
		Wave:           strings.TrimSpace(app.Annotations[waveAnnotation]),
		DependsOn:      parseDependsOn(app.Annotations[dependsOnAnnotation]),
		Parent:         parentOf(app),
		AppSet:         appSetOwner(app),
		Repo:           src.RepoURL,
		Path:           src.Path,
		Chart:          src.Chart,
		Sources:        len(app.Spec.GetSources()),
		Destination:    Destination{Server: app.Spec.Destination.Server, Name: app.Spec.Destination.Name, Namespace: app.Spec.Destination.Namespace},
		Conditions:     []Condition{},
		AutoSync:       app.Spec.SyncPolicy.IsAutomatedSyncEnabled(),
		Deleting:       app.DeletionTimestamp != nil,
	}
	if s.Revision == "" && len(st.Sync.Revisions) > 0 {
		s.Revision = st.Sync.Revisions[0]
	}
	for _, c := range st.Conditions {
		s.Conditions = append(s.Conditions, Condition{Type: string(c.Type), Message: c.Message})
	}
	if op := st.OperationState; op != nil {
		s.OperationPhase, s.OperationMessage = string(op.Phase), op.Message
	}
	if app.Operation != nil && (st.OperationState == nil || st.OperationState.Phase != v1alpha1.OperationRunning) {
		s.OperationPhase = "Requested"
	}
	for _, r := range st.Resources {
		s.Resources.Total++
		if r.Status == v1alpha1.SyncStatusCodeOutOfSync {
			s.Resources.OutOfSync++
		}
		if r.Health != nil && r.Health.Status == v1alpha1.HealthStatusHealthy {
			s.Resources.Healthy++
		}
	}
	if st.ReconciledAt != nil {
		t := st.ReconciledAt.Time
		s.ReconciledAt = &t
	}
	return s
}

func orUnknown(s string) string {
	if s == "" {
		return "Unknown"
	}
	return s
}

// parseDependsOn splits the depends-on annotation as the controller does.
func parseDependsOn(v string) []string {
	deps := []string{}
	for _, d := range strings.Split(v, ",") {
		if d = strings.TrimSpace(d); d != "" {
			deps = append(deps, d)
		}
	}
	return deps
}

// parentOf reads the Application that applied app from its tracking id.
func parentOf(app *v1alpha1.Application) *AppRef {
	return trackedBy(app.Annotations, app.Namespace)
}

// trackedBy reads the Application that applied an object of namespace
// from its tracking id ("<instance>:<group>/<kind>:<namespace>/<name>",
// instance "name" or "namespace_name").
func trackedBy(annotations map[string]string, namespace string) *AppRef {
	id := annotations[trackingAnnotation]
	instance, _, ok := strings.Cut(id, ":")
	if !ok || instance == "" {
		return nil
	}
	if ns, name, ok := strings.Cut(instance, "_"); ok {
		return &AppRef{Namespace: ns, Name: name}
	}
	return &AppRef{Namespace: namespace, Name: instance}
}

// sanitize is the Application as the API returns it: without managed
// fields and kubectl's last-applied copy, with its kind set.
func sanitize(app *v1alpha1.Application) *v1alpha1.Application {
	out := app.DeepCopy()
	out.APIVersion = v1alpha1.SchemeGroupVersion.String()
	out.Kind = "Application"
	out.ManagedFields = nil
	if _, ok := out.Annotations[lastApplied]; ok {
		ann := make(map[string]string, len(out.Annotations))
		for k, v := range out.Annotations {
			if k != lastApplied {
				ann[k] = v
			}
		}
		out.Annotations = ann
	}
	return out
}
