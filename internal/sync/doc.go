// Package sync plans and runs one sync of an application's objects: it
// orders them as Argo CD does (sync wave, then kind, then name), applies
// them in that order, and prunes tracked objects that are no longer wanted
// in reverse order. It knows nothing of the Application type; the
// controller hands it plain options and a Cluster to act on.
package sync
