#!/usr/bin/env bash
# Installs the system packages flotilla's build, demo and tests need, when
# they are missing: git (the git test server runs `git http-backend`, and
# go-git runs git-upload-pack for file:// repositories), Debian's chromium
# (the web UI's browser tests drive it headless) and ssh (the git SSH
# transport test). Go itself must be on PATH. Needs root (or sudo) only when
# something is missing.
set -euo pipefail

missing=()
command -v git >/dev/null 2>&1 || missing+=(git)
command -v make >/dev/null 2>&1 || missing+=(make)
command -v ssh >/dev/null 2>&1 || missing+=(openssh-client)
[[ -x /usr/bin/chromium ]] || missing+=(chromium)
if ! command -v go >/dev/null 2>&1; then
	echo "install-deps: Go is not on PATH; install Go 1.26 first" >&2
	exit 1
fi
if ((${#missing[@]} == 0)); then
	exit 0
fi
echo "install-deps: installing ${missing[*]}"
sudo=""
if [[ $(id -u) != 0 ]]; then sudo=sudo; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
