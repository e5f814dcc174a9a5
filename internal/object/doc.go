// Package object holds the leaf operations on Kubernetes objects that every
// other package shares: decoding multi-document YAML and JSON into
// unstructured objects (with size and depth limits), the identity of an
// object (Key), and a stable ordering. It imports nothing from the project.
package object
