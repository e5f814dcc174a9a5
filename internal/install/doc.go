// Package install knows what flotilla needs installed in a cluster: the
// Argo CD CustomResourceDefinitions (generated from api/v1alpha1), and how
// to apply them and wait until they are served.
package install
