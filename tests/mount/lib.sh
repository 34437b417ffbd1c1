# shellcheck shell=bash
# Shared by the scripts in programs/: argument check, a work directory inside the mount, a
# scratch directory outside it, and cleanup on every exit path. Source it first.
#
# Exit codes: 0 pass, 1 fail, 77 skip (with a SKIP line saying why).
set -euo pipefail

if [[ $# -lt 1 || ! -d "$1" ]]; then
  echo "usage: $0 MOUNTED_DIR" >&2
  exit 2
fi
test_name=$(basename "$0" .sh)
mount_dir=$(cd "$1" && pwd)
work="$mount_dir/$test_name.$$"
scratch=$(mktemp -d "${TMPDIR:-/tmp}/mount-$test_name.XXXXXX")
background_pids=()

fail() {
  echo "FAIL [$test_name]: $*" >&2
  exit 1
}

skip() {
  echo "SKIP [$test_name]: $*"
  exit 77
}

pass() {
  echo "PASS [$test_name]"
  exit 0
}

# expect_eq ACTUAL EXPECTED WHAT
expect_eq() {
  [[ "$1" == "$2" ]] || fail "$3: expected '$2', got '$1'"
}

need() {
  local tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null || fail "missing tool '$tool' (install tests/mount/PACKAGES)"
  done
}

# helper NAME: path of a compiled helper from tests/mount/helpers (MOUNT_HELPERS is its dir).
helper() {
  local path="${MOUNT_HELPERS:-}/$1"
  [[ -x "$path" ]] || fail "helper $1 not found; set MOUNT_HELPERS to the build's helpers dir"
  echo "$path"
}

# Runs "$@" in the background and remembers the pid so cleanup can stop it.
start_background() {
  "$@" &
  background_pids+=($!)
}

# wait_for_file PATH [SECONDS]: polls until PATH exists.
wait_for_file() {
  local i
  for ((i = 0; i < ${2:-20} * 10; i++)); do
    [[ -e "$1" ]] && return 0
    sleep 0.1
  done
  fail "timed out waiting for $1"
}

lib_cleanup() {
  local rc=$?
  trap - EXIT
  local pid
  for pid in "${background_pids[@]}"; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  # Removing the tree is part of the test: a file system that cannot rm -rf what it holds fails.
  if [[ -e "$work" ]] && ! rm -rf "$work"; then
    echo "FAIL [$test_name]: rm -rf of the work directory failed" >&2
    [[ $rc -eq 0 ]] && rc=1
  fi
  rm -rf "$scratch"
  exit $rc
}
trap lib_cleanup EXIT

mkdir "$work"
