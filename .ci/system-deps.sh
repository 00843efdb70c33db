#!/usr/bin/env bash
# Install the system programs MiniBot needs, the same way for CI, `make test` and `make demo`.
# Usage: .ci/system-deps.sh PROGRAM...   (espeak-ng, sox, chromium, chromedriver)
# As root (CI, containers) the missing ones are installed with apt-get; otherwise the script stops
# at once and prints the one command to run.
set -euo pipefail
need=()
for bin in "$@"; do command -v "$bin" >/dev/null || need+=("$bin"); done
((${#need[@]})) || exit 0
pkgs=()
for b in "${need[@]}"; do case "$b" in chromedriver) pkgs+=(chromium-driver);; *) pkgs+=("$b");; esac; done
if [ "$(id -u)" != 0 ]; then
  echo "missing: ${need[*]}. Install them with:" >&2
  echo "  sudo apt-get install -y ${pkgs[*]}" >&2
  exit 1
fi
if ! command -v apt-get >/dev/null; then
  echo "missing: ${need[*]} (packages ${pkgs[*]}); this is not a Debian system: install them with its package manager" >&2
  exit 1
fi
echo "installing ${pkgs[*]} (apt-get)" >&2
apt-get update -q || true
DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${pkgs[@]}"
