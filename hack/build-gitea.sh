#!/usr/bin/env bash
# Builds a Gitea server from its Go module into the cache folder, once, for
# the pull-request and SCM-provider tests against a real forge.
# The folder is $FLOTILLA_CACHE_DIR (default: .cache in the repo root), which
# is git-ignored. Gitea 1.27 uses a pure-Go SQLite driver, so no cgo is needed;
# the module's source stays beside the binary because Gitea reads its
# templates and locales from there (STATIC_ROOT_PATH) when built without
# bindata.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cache=${FLOTILLA_CACHE_DIR:-$root/.cache}
dir=$cache/gitea
version=v1.27.3

stamp=$(echo "$version" | cat - "$0" | sha256sum | cut -c1-16)
if [[ -f $dir/.stamp && $(cat "$dir/.stamp") == "$stamp" && -x $dir/bin/gitea ]]; then
	echo "gitea $version up to date in $dir"
	exit 0
fi

start=$(date +%s)
# Asked outside any module, so no go.mod around changes what is fetched.
scratch=$(mktemp -d)
src=$(cd "$scratch" && GOFLAGS=-mod=mod go mod download -json "code.gitea.io/gitea@$version" | sed -n 's/.*"Dir": "\(.*\)",/\1/p')
rmdir "$scratch"
if [[ -z $src || ! -f $src/go.mod ]]; then
	echo "could not download code.gitea.io/gitea@$version from the Go module proxy" >&2
	exit 1
fi
rm -rf "$dir" && mkdir -p "$dir/bin"
cp -r "$src" "$dir/src" && chmod -R u+w "$dir/src"
echo "building gitea $version into $dir/bin"
(cd "$dir/src" && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.Version=${version#v}" -o "$dir/bin/gitea" .)
echo "$stamp" > "$dir/.stamp"
echo "gitea built in $(( $(date +%s) - start ))s"
