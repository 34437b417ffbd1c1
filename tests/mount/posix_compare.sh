#!/usr/bin/env bash
# posix_compare.sh DIR_A DIR_B: runs posix_suite in both directories, as root and as an
# unprivileged user, and diffs the outputs. Exit 0 only when the outputs are identical and
# every case in both matched the outcome Linux documents.
#
# Environment: POSIX_SUITE (path of the posix_suite binary; default: found on PATH),
# POSIX_UID / POSIX_GID (unprivileged identity, default 65534 = nobody/nogroup).
set -euo pipefail

if [[ $# -ne 2 ]]; then
  echo "usage: $0 DIR_A DIR_B" >&2
  exit 2
fi
dir_a=$1
dir_b=$2
suite=${POSIX_SUITE:-$(command -v posix_suite || true)}
uid=${POSIX_UID:-65534}
gid=${POSIX_GID:-65534}

if [[ -z "$suite" || ! -x "$suite" ]]; then
  echo "posix_compare: posix_suite not found (set POSIX_SUITE)" >&2
  exit 2
fi
if [[ $(id -u) -ne 0 ]]; then
  echo "SKIP: posix_compare needs root (chown cases and the privilege drop)" >&2
  exit 77
fi

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

status=0
run() {  # run NAME DIR [suite args...]
  local name=$1 dir=$2
  shift 2
  local rc=0
  "$suite" "$@" "$dir" >"$out/$name.txt" 2>"$out/$name.err" || rc=$?
  if [[ $rc -ne 0 ]]; then
    echo "posix_compare: suite $name in $dir exited $rc" >&2
    cat "$out/$name.err" >&2
    status=1
  fi
}

run a-root "$dir_a"
run b-root "$dir_b"
run a-user "$dir_a" --as-uid "$uid" --as-gid "$gid"
run b-user "$dir_b" --as-uid "$uid" --as-gid "$gid"

for part in root user; do
  if ! diff -u --label "$dir_a ($part)" --label "$dir_b ($part)" \
      "$out/a-$part.txt" "$out/b-$part.txt"; then
    status=1
  fi
done

cases=$(cat "$out/a-root.txt" "$out/a-user.txt" | wc -l)
if [[ $status -eq 0 ]]; then
  echo "posix_compare: $cases cases, identical outputs"
else
  echo "posix_compare: outputs differ or cases mismatched" >&2
fi
exit $status
