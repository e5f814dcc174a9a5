// Package controlplane starts a whole local Kubernetes control plane on
// loopback, for integration tests and for the demo (hack/controlplane).
//
// The components are real binaries built from Go modules by
// hack/build-controlplane.sh into a cache folder (see Options.BinDir): etcd,
// kube-apiserver, kube-controller-manager and kube-scheduler at v1.37.2, and
// kwok, which plays the kubelet for fake Nodes so that Pods really become
// Running and Ready and Deployments really become Available.
//
// # How it works
//
// Start creates a work directory (a fresh temp dir unless Options.Dir is
// set), picks free ports on 127.0.0.1 for every listener, and generates with
// crypto/x509 a CA, a serving certificate for the apiserver (also used by the
// controller-manager and scheduler for their own HTTPS ports), an admin
// client certificate in group system:masters, and a service-account signing
// key pair. It writes one kubeconfig per client component, all using the
// admin certificate, plus admin.kubeconfig for humans, tests and kubectl.
//
// Components start in this order, each waited for before the next:
//
//  1. etcd, ready when GET /health reports healthy;
//  2. kube-apiserver, ready when /readyz answers ok;
//  3. the fake Node objects (kwok-node-0, ...), created through the API with
//     annotation kwok.x-k8s.io/node=fake, so only they are managed by kwok;
//  4. kube-controller-manager, kube-scheduler and kwok, started together;
//     ready when the scheduler's /healthz answers ok, the ServiceAccount
//     "default" exists in namespace "default" (proof that the
//     controller-manager runs its controllers), and every fake Node is Ready
//     with no taints left (the node-lifecycle controller removes the
//     not-ready taint that admission adds at creation).
//
// Each step must finish within Options.Timeout (60s by default). When one
// does not, or a component exits early, Start stops whatever it started and
// returns an error that names the component and ends with the tail of its
// log.
//
// Stop goes in reverse: kwok, scheduler and controller-manager first, then
// the apiserver, then etcd (an apiserver whose etcd is gone hangs for about a
// minute on shutdown). Each component gets SIGTERM, then SIGKILL after a
// grace period, always to its whole process group. Then a temp work dir is
// removed.
//
// # Processes
//
// Every daemon gets stdin from /dev/null, its own process group, and on Linux
// a parent-death signal (SIGKILL), so a crashed or killed test binary leaves
// no daemons behind. Component logs go to Dir/logs/<component>.log, or to
// Options.Log with a "<component>: " prefix on every line.
//
// # Notes learned the hard way
//
//   - kwok runs with --node-lease-duration-seconds=40: without a node Lease
//     the node-lifecycle controller flaps the fake node NotReady under load,
//     taints it and marks its Pods unready for good.
//   - The node-lifecycle controller stays on (without it a new node keeps its
//     not-ready taint forever); the controller-manager runs with
//     --controllers=*,-serviceaccount-token-controller,-node-ipam-controller.
//     Controller names are exact and a wrong one is silently accepted.
//   - etcd must be 3.5 or newer (kwok's watch-list client needs
//     RequestWatchProgress); the cache holds a 3.7 build.
//   - kube-apiserver v1.37 refuses a loopback --advertise-address with its
//     endpoint reconciler, so it runs with --endpoint-reconciler-type=none:
//     the kubernetes Service exists but has no endpoints (nothing in the
//     plane needs them).
//   - kwok reads ~/.kwok/kwok.yaml if it exists; KWOK_WORKDIR points it at the
//     work dir instead, so only the stage configs passed with --config count.
package controlplane
