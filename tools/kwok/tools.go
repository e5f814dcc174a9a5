//go:build tools

// Package kwok pins the kwok command that gives the test control plane fake
// nodes. See hack/build-controlplane.sh.
package kwok

import _ "sigs.k8s.io/kwok/cmd/kwok"
