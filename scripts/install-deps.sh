#!/usr/bin/env bash
# Installs the Debian packages irpfs needs to build and test. Safe to run again: it only
# calls apt-get when something is missing. Needs root (or sudo) on a fresh machine.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config clang clang-format
  libgtest-dev libgmock-dev libbenchmark-dev liburing-dev
  nlohmann-json3-dev libcli11-dev libsodium-dev libclang-rt-14-dev
  fuse3 libfuse3-dev
  fio sqlite3 attr git util-linux coreutils tar e2fsprogs procps psmisc python3
)
here=$(cd "$(dirname "$0")/.." && pwd)
if [ -f "$here/tests/mount/PACKAGES" ]; then
  while read -r p; do [ -n "$p" ] && [ "${p#\#}" = "$p" ] && packages+=("$p"); done \
    <"$here/tests/mount/PACKAGES"
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "irpfs: installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
