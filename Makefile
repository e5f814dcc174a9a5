# The two commands of the README:
#   make demo   local control plane + example app-of-apps reconciled by flotilla
#   make test   every test, against real components
# Both install what they need first (hack/install-deps.sh, the control plane
# build into the git-ignored cache; the tests also a Gitea server built from
# its Go module, hack/build-gitea.sh).

GO ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X flotilla.dev/flotilla/internal/cli.version=$(VERSION)
# kustomize's Go plugin loader imports package plugin, which makes the
# linker export every symbol: without it the binary is 40% smaller and
# keeps less resident (docs/benchmarks.md). Argo CD cannot load kustomize
# Go plugins either.
TAGS := kustomize_disable_go_plugin_support
TEST_FLAGS ?= -race -count=1 -timeout 40m -tags $(TAGS)

.PHONY: all build deps controlplane gitea demo demo-check bench-fleet bench-versus test test-short fuzz lint generate

all: build

deps:
	bash hack/install-deps.sh

build:
	CGO_ENABLED=0 $(GO) build -trimpath -tags $(TAGS) -ldflags '$(LDFLAGS)' -o bin/flotilla ./cmd/flotilla

controlplane: deps
	bash hack/build-controlplane.sh

# The forge the preview-environment tests run against (docs/applicationsets.md).
gitea: deps
	bash hack/build-gitea.sh

demo: controlplane build
	$(GO) run ./hack/demo --flotilla bin/flotilla

# The demo as a check: exits 0 once every app is Synced and Healthy.
demo-check: controlplane build
	$(GO) run ./hack/demo --flotilla bin/flotilla --exit-when-healthy --ui-addr 127.0.0.1:18080

# The fleet benchmark (docs/fleet.md): 1000 apps under one root by default.
bench-fleet: controlplane build
	$(GO) run ./hack/fleetbench --flotilla bin/flotilla $(BENCH_FLAGS)

# Argo CD v3.5.x (built from $ARGOCD_SRC, default .cache/argocd/src) and
# flotilla side by side on the same workloads (docs/benchmarks.md).
bench-versus: controlplane build
	$(GO) run ./hack/benchversus --flotilla bin/flotilla $(BENCH_FLAGS)

test: controlplane gitea
	$(GO) test $(TEST_FLAGS) ./...

# Pure unit tests only (no control plane).
test-short:
	$(GO) test -short -count=1 ./...

# Every fuzz target for FUZZTIME each (default 15s; docs/fuzzing.md).
fuzz:
	GO=$(GO) bash hack/fuzz.sh

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

generate:
	bash hack/generate.sh
