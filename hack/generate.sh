#!/usr/bin/env bash
# Regenerates api/v1alpha1/zz_generated.deepcopy.go and the CRDs in
# config/crd from the types in api/, and config/install.yaml from those. Run
# after changing any type or marker.
set -euo pipefail

cd "$(dirname "$0")/.."
go run sigs.k8s.io/controller-tools/cmd/controller-gen@v0.23.0 \
	object paths=./api/... \
	crd:crdVersions=v1,maxDescLen=0 output:crd:artifacts:config=config/crd
# The install manifests embed the CRDs.
go run ./hack/gen-install > config/install.yaml
