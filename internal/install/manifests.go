package install

import (
	"fmt"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/validation"

	"sigs.k8s.io/yaml"

	"flotilla.dev/flotilla/internal/object"
)

// Options shape the install manifests.
type Options struct {
	// Namespace holds the controller and the Applications (default argocd).
	Namespace string
	// Image is the controller image (default ghcr.io/flotilla-dev/flotilla:latest).
	Image string
	// Namespaced, when not empty, makes a namespaced install: no
	// ClusterRole, a Role in Namespace for what the controller reads and
	// writes there, a Role granting every namespaced kind in each of these
	// namespaces, and the controller run with --namespaced so that it
	// touches nothing else. The CRDs and these namespaces are still
	// created by whoever applies the install.
	Namespaced []string
}

func (o Options) withDefaults() (Options, error) {
	if o.Namespace == "" {
		o.Namespace = "argocd"
	}
	if o.Image == "" {
		o.Image = "ghcr.io/flotilla-dev/flotilla:latest"
	}
	if len(o.Namespaced) == 0 {
		return o, nil
	}
	var names []string
	for _, ns := range o.Namespaced {
		ns = strings.TrimSpace(ns)
		if errs := validation.IsDNS1123Label(ns); len(errs) > 0 {
			return o, fmt.Errorf("namespaced install: namespace %q: %s", ns, strings.Join(errs, "; "))
		}
		names = append(names, ns)
	}
	slices.Sort(names)
	o.Namespaced = slices.Compact(names)
	return o, nil
}

// controllerNamespace is the controller's namespace and identity.
const controllerNamespace = `apiVersion: v1
kind: Namespace
metadata:
  name: %[1]s
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: flotilla-controller
  namespace: %[1]s
`

// clusterRBAC is the full install's RBAC. A GitOps controller applies
// arbitrary kinds, so its ClusterRole grants all of them, as Argo CD's
// application controller's does.
const clusterRBAC = `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: flotilla-controller
rules:
- apiGroups: ["*"]
  resources: ["*"]
  verbs: ["*"]
- nonResourceURLs: ["*"]
  verbs: ["*"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: flotilla-controller
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: flotilla-controller
subjects:
- kind: ServiceAccount
  name: flotilla-controller
  namespace: %[1]s
`

// ownNamespaceRBAC is the namespaced install's Role in the controller's
// namespace: the Argo CD kinds it reconciles and writes (an app-of-apps
// may manage Applications, ApplicationSets and AppProjects there), the
// repository, cluster and webhook Secrets and the argocd-cm and
// flotilla-health ConfigMaps it reads, the Events it records and the
// Leases of leader election and sharding.
const ownNamespaceRBAC = `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: flotilla-controller
  namespace: %[1]s
rules:
- apiGroups: [argoproj.io]
  resources: [applications, applicationsets, appprojects]
  verbs: [get, list, watch, create, update, patch, delete]
- apiGroups: [argoproj.io]
  resources: [applicationsets/status, applicationsets/finalizers]
  verbs: [get, update, patch]
- apiGroups: [""]
  resources: [secrets, configmaps]
  verbs: [get, list, watch]
- apiGroups: ["", events.k8s.io]
  resources: [events]
  verbs: [create, update, patch]
- apiGroups: [coordination.k8s.io]
  resources: [leases]
  verbs: [get, list, watch, create, update, patch, delete]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: flotilla-controller
  namespace: %[1]s
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: flotilla-controller
subjects:
- kind: ServiceAccount
  name: flotilla-controller
  namespace: %[1]s
`

// managedNamespaceRBAC is the namespaced install's Role in one namespace
// the controller manages (%[2]s): every namespaced kind, as the full
// install's ClusterRole grants every kind.
const managedNamespaceRBAC = `apiVersion: v1
kind: Namespace
metadata:
  name: %[2]s
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: flotilla-controller-managed
  namespace: %[2]s
rules:
- apiGroups: ["*"]
  resources: ["*"]
  verbs: ["*"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: flotilla-controller-managed
  namespace: %[2]s
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: flotilla-controller-managed
subjects:
- kind: ServiceAccount
  name: flotilla-controller
  namespace: %[1]s
`

// controllerDeployment is the controller's Deployment and the Service git
// providers post push events to
// (http://flotilla-webhook.<namespace>/api/webhook). %[3]s are further
// arguments.
const controllerDeployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: flotilla-controller
  namespace: %[1]s
  labels: {app.kubernetes.io/name: flotilla-controller}
spec:
  replicas: 1
  selector:
    matchLabels: {app.kubernetes.io/name: flotilla-controller}
  template:
    metadata:
      labels: {app.kubernetes.io/name: flotilla-controller}
    spec:
      serviceAccountName: flotilla-controller
      containers:
      - name: controller
        image: %[2]s
        args: [controller, --namespace=%[1]s, --cache-dir=/cache%[3]s]
        ports:
        - {name: metrics, containerPort: 8080}
        - {name: health, containerPort: 8081}
        - {name: webhook, containerPort: 8082}
        readinessProbe:
          httpGet: {path: /readyz, port: health}
        livenessProbe:
          httpGet: {path: /healthz, port: health}
        resources:
          requests: {cpu: 100m, memory: 128Mi}
          limits: {memory: 512Mi}
        securityContext:
          allowPrivilegeEscalation: false
          readOnlyRootFilesystem: true
          runAsNonRoot: true
          capabilities: {drop: [ALL]}
        volumeMounts:
        - {name: cache, mountPath: /cache}
        - {name: tmp, mountPath: /tmp}
      volumes:
      - {name: cache, emptyDir: {}}
      - {name: tmp, emptyDir: {}}
---
apiVersion: v1
kind: Service
metadata:
  name: flotilla-webhook
  namespace: %[1]s
  labels: {app.kubernetes.io/name: flotilla-controller}
spec:
  selector: {app.kubernetes.io/name: flotilla-controller}
  ports:
  - {name: webhook, port: 80, targetPort: webhook}
`

// Manifests returns everything flotilla needs in a cluster: the CRDs, then
// the controller's namespace, RBAC and Deployment. With opts.Namespaced,
// the RBAC is the namespaced install's (see Options.Namespaced).
func Manifests(opts Options) ([]*unstructured.Unstructured, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	crds, err := CRDs()
	if err != nil {
		return nil, err
	}
	docs := []string{fmt.Sprintf(controllerNamespace, opts.Namespace)}
	args := ""
	if len(opts.Namespaced) == 0 {
		docs = append(docs, fmt.Sprintf(clusterRBAC, opts.Namespace))
	} else {
		docs = append(docs, fmt.Sprintf(ownNamespaceRBAC, opts.Namespace))
		for _, ns := range opts.Namespaced {
			doc := fmt.Sprintf(managedNamespaceRBAC, opts.Namespace, ns)
			if ns == opts.Namespace { // the controller's namespace exists already
				doc = doc[strings.Index(doc, "---\n")+len("---\n"):]
			}
			docs = append(docs, doc)
		}
		// quoted: a comma separates the items of a YAML flow sequence
		args = fmt.Sprintf(", %q", "--namespaced="+strings.Join(opts.Namespaced, ","))
	}
	docs = append(docs, fmt.Sprintf(controllerDeployment, opts.Namespace, opts.Image, args))
	rest, err := object.Decode([]byte(strings.Join(docs, "---\n")))
	if err != nil {
		return nil, fmt.Errorf("controller manifests: %w", err)
	}
	return append(crds, rest...), nil
}

// YAML renders the install manifests as one multi-document YAML file.
func YAML(opts Options) ([]byte, error) {
	objs, err := Manifests(opts)
	if err != nil {
		return nil, err
	}
	var out []byte
	for _, o := range objs {
		b, err := yaml.Marshal(o.Object)
		if err != nil {
			return nil, fmt.Errorf("encode %s: %w", o.GetName(), err)
		}
		out = append(append(out, "---\n"...), b...)
	}
	return out, nil
}
