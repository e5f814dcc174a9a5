// Package health assesses the health of one live Kubernetes object the way
// Argo CD does: built-in checks for the workload kinds (Deployment,
// StatefulSet, DaemonSet, ReplicaSet, Pod, Job), PersistentVolumeClaim,
// LoadBalancer Services, Ingress and Argo CD Applications, and kstatus'
// condition conventions for everything else. Assess is a pure function of
// the object; Worst aggregates statuses with Argo CD's ordering.
package health
