#!/usr/bin/env bash
# Builds the test control plane (etcd, kube-apiserver, kube-controller-manager,
# kube-scheduler, kwok, and a kubectl of the same version for the tests) from
# Go modules into a cache folder, once.
# The folder is $FLOTILLA_CACHE_DIR (default: .cache in the repo root), which
# is git-ignored. A binary is rebuilt only when missing or when the pinned
# versions in tools/*/go.mod change.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cache=${FLOTILLA_CACHE_DIR:-$root/.cache}
bin=$cache/controlplane/bin
mkdir -p "$bin"

kube_version=v1.37.2
stamp=$(cat "$root/tools/controlplane/go.mod" "$root/tools/kwok/go.mod" "$0" | sha256sum | cut -c1-16)
if [[ -f $bin/.stamp && $(cat "$bin/.stamp") == "$stamp" ]] &&
   [[ -x $bin/etcd && -x $bin/kube-apiserver && -x $bin/kube-controller-manager && -x $bin/kube-scheduler && -x $bin/kwok && -x $bin/kubectl ]]; then
	echo "control plane binaries up to date in $bin"
	exit 0
fi

start=$(date +%s)
ldflags="-s -w"
ldflags+=" -X k8s.io/component-base/version.gitVersion=$kube_version"
ldflags+=" -X k8s.io/component-base/version.gitMajor=1"
ldflags+=" -X k8s.io/component-base/version.gitMinor=37"
ldflags+=" -X k8s.io/component-base/version.gitTreeState=clean"
ldflags+=" -X k8s.io/component-base/version.buildDate=2026-01-01T00:00:00Z"

echo "building etcd and kube-apiserver/controller-manager/scheduler/kubectl $kube_version into $bin"
(cd "$root/tools/controlplane" && go build -trimpath -ldflags "$ldflags" -o "$bin/" \
	./etcd \
	k8s.io/kubernetes/cmd/kube-apiserver \
	k8s.io/kubernetes/cmd/kube-controller-manager \
	k8s.io/kubernetes/cmd/kube-scheduler \
	k8s.io/kubernetes/cmd/kubectl)

echo "building kwok into $bin"
(cd "$root/tools/kwok" && go build -trimpath -ldflags "-s -w" -o "$bin/" sigs.k8s.io/kwok/cmd/kwok)

# kwok only starts with stage configs; the "fast" node and pod stages ship
# inside its module.
kwok_dir=$(cd "$root/tools/kwok" && go list -m -f '{{.Dir}}' sigs.k8s.io/kwok)
rm -rf "$bin/kwok-stages" && mkdir -p "$bin/kwok-stages"
cp "$kwok_dir"/kustomize/stage/node/fast/node-*.yaml "$kwok_dir"/kustomize/stage/pod/fast/pod-*.yaml "$bin/kwok-stages/"
chmod -R u+w "$bin/kwok-stages"

echo "$stamp" > "$bin/.stamp"
echo "control plane built in $(( $(date +%s) - start ))s"
