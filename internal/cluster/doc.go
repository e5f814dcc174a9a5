// Package cluster turns Argo CD's declarative cluster Secrets into client-go
// REST configs and resolves Application destinations against them.
//
// A cluster Secret carries the label argocd.argoproj.io/secret-type=cluster
// and the data keys name, server, namespaces, clusterResources, project and
// config, exactly as Argo CD documents them. FromSecret reads one strictly:
// unknown fields in config, a missing server, or certificates that are not
// base64-encoded PEM are errors that name the offending field, and no error
// ever carries a token, password or key. The awsAuthConfig method is refused,
// since it needs Argo CD's own AWS helper binary.
//
// A Registry holds the known clusters, keyed by Secret, next to the local
// cluster (https://kubernetes.default.svc, named in-cluster). Resolve maps an
// ApplicationDestination to one of them with Argo CD's rules: server or name,
// never both; a Secret whose server is the in-cluster address renames or
// restricts the local cluster (and may replace its credentials) but keeps its
// connection settings. Generation and Cluster.Hash tell callers when to
// rebuild clients. Cluster.Permits applies a Secret's namespaces and
// clusterResources restriction.
package cluster
