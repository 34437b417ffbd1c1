#!/usr/bin/env bash
# The POSIX semantics suite on its own (posix_suite.cpp): root cases and, as nobody, the
# permission cases. Each case is checked against what Linux documents.
# shellcheck source=../lib.sh
source "$(dirname "$0")/../lib.sh"
suite=$(helper posix_suite)
[[ $(id -u) -eq 0 ]] || skip "posix_suite needs root"
"$suite" "$work" >"$scratch/root.txt" || fail "root cases failed, see MISMATCH lines above"
"$suite" --as-uid "${POSIX_UID:-65534}" --as-gid "${POSIX_GID:-65534}" "$work" \
  >"$scratch/user.txt" || fail "permission cases failed, see MISMATCH lines above"
echo "posix_suite: $(cat "$scratch/root.txt" "$scratch/user.txt" | wc -l) cases matched"
pass
