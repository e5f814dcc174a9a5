package server

import (
	"net/http"

	"flotilla.dev/flotilla/internal/appctl"
)

// TreeNode is an Application in an app-of-apps tree, or an
// ApplicationSet one of them manages, whose children are the set's
// generated Applications. App is nil for an Application its parent
// renders but that does not exist (yet); AppSet is nil for such an
// ApplicationSet.
type TreeNode struct {
	// Kind is Application or ApplicationSet.
	Kind      string `json:"kind"`
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	Wave      string `json:"wave"`
	// Cycle marks a child that is also its own ancestor; its children are
	// not listed.
	Cycle     bool           `json:"cycle,omitempty"`
	DependsOn []string       `json:"dependsOn"`
	App       *AppSummary    `json:"app"`
	AppSet    *AppSetSummary `json:"appSet,omitempty"`
	Children  []*TreeNode    `json:"children"`
}

func (s *Server) appTree(w http.ResponseWriter, r *http.Request) {
	// The root as the actor may read it (403 when they may not); below
	// it, a child they may not read shows as missing.
	if _, ok := s.lookup(w, r); !ok {
		return
	}
	ns, name := r.PathValue("namespace"), r.PathValue("name")
	reader := hideForbidden{s.reader}
	root, err := appctl.AppTree(r.Context(), reader, ns, name)
	if err != nil {
		s.fail(w, err, "application tree of "+ns+"/"+name)
		return
	}
	b := treeBuilder{s: s, reader: reader, sets: s.appSetsOff.Load() == nil}
	tree, err := b.app(r.Context(), root, map[string]bool{})
	if err != nil {
		s.fail(w, err, "application tree of "+ns+"/"+name)
		return
	}
	writeJSON(w, http.StatusOK, tree)
}

// ResourceNode is a resource of an Application with what it owns
// (a Deployment's ReplicaSets, their Pods).
type ResourceNode struct {
	Group     string          `json:"group"`
	Version   string          `json:"version"`
	Kind      string          `json:"kind"`
	Namespace string          `json:"namespace,omitempty"`
	Name      string          `json:"name"`
	Sync      string          `json:"sync,omitempty"`
	Health    string          `json:"health,omitempty"`
	Message   string          `json:"message,omitempty"`
	Hook      bool            `json:"hook,omitempty"`
	Children  []*ResourceNode `json:"children"`
}

func toResourceNodes(in []*appctl.ResourceNode) []*ResourceNode {
	out := []*ResourceNode{}
	for _, n := range in {
		out = append(out, &ResourceNode{
			Group: n.Group, Version: n.Version, Kind: n.Kind, Namespace: n.Namespace, Name: n.Name,
			Sync: n.Sync, Health: n.Health, Message: n.Message, Hook: n.Hook,
			Children: toResourceNodes(n.Children),
		})
	}
	return out
}

// resourceTreeResponse is GET …/resource-tree.
type resourceTreeResponse struct {
	Resources []*ResourceNode `json:"resources"`
}

func (s *Server) resourceTree(w http.ResponseWriter, r *http.Request) {
	app, ok := s.lookup(w, r)
	if !ok {
		return
	}
	nodes, err := appctl.ResourceTree(r.Context(), s.reader, app)
	if err != nil {
		s.fail(w, err, "resource tree of "+app.Namespace+"/"+app.Name)
		return
	}
	writeJSON(w, http.StatusOK, resourceTreeResponse{Resources: toResourceNodes(nodes)})
}
