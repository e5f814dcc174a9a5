// Package install knows what flotilla needs installed in a cluster: the
// Argo CD CustomResourceDefinitions (generated from api/v1alpha1), the
// controller's namespace, RBAC and Deployment (published as
// config/install.yaml by hack/gen-install), and how to apply them
// idempotently and wait until the CRDs are served.
package install
