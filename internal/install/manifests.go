package install

import (
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"sigs.k8s.io/yaml"

	"flotilla.dev/flotilla/internal/object"
)

// Options shape the install manifests.
type Options struct {
	// Namespace holds the controller and the Applications (default argocd).
	Namespace string
	// Image is the controller image (default ghcr.io/flotilla-dev/flotilla:latest).
	Image string
}

func (o Options) withDefaults() Options {
	if o.Namespace == "" {
		o.Namespace = "argocd"
	}
	if o.Image == "" {
		o.Image = "ghcr.io/flotilla-dev/flotilla:latest"
	}
	return o
}

// controllerManifests is the controller's namespace, identity, RBAC,
// Deployment and the Service git providers post push events to
// (http://flotilla-webhook.<namespace>/api/webhook). A GitOps controller applies arbitrary kinds, so its
// ClusterRole grants all of them, as Argo CD's application controller's
// does.
const controllerManifests = `apiVersion: v1
kind: Namespace
metadata:
  name: %[1]s
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: flotilla-controller
  namespace: %[1]s
---
apiVersion: rbac.authorization.k8s.io/v1
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
---
apiVersion: apps/v1
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
        args: [controller, --namespace=%[1]s, --cache-dir=/cache]
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
// the controller's namespace, RBAC and Deployment.
func Manifests(opts Options) ([]*unstructured.Unstructured, error) {
	opts = opts.withDefaults()
	crds, err := CRDs()
	if err != nil {
		return nil, err
	}
	rest, err := object.Decode([]byte(fmt.Sprintf(controllerManifests, opts.Namespace, opts.Image)))
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
