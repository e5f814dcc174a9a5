// Package benchkit holds what the benchmark commands under hack/ share:
// /proc readings of a process's CPU time and memory, Prometheus counter
// scraping, free ports, poll loops, child processes with their logs, and
// the manifests of a fleet of Applications (a ConfigMap and a one-replica
// Deployment each).
package benchkit
