#!/usr/bin/env bash
# O_DIRECT writes and reads with aligned buffers, cross-checked with buffered I/O
# (helpers/odirect_check.cpp). A file system may refuse O_DIRECT with EINVAL: that is a SKIP,
# unless REQUIRE_ODIRECT=1 (set for irpfs, which must support it).
# shellcheck source=../lib.sh
source "$(dirname "$0")/../lib.sh"
check=$(helper odirect_check)
rc=0
out=$("$check" "$work/direct") || rc=$?
case $rc in
  0) expect_eq "$out" "ok" "odirect_check" ;;
  77)
    [[ "${REQUIRE_ODIRECT:-0}" == 1 ]] && fail "O_DIRECT refused but REQUIRE_ODIRECT=1: $out"
    skip "$out"
    ;;
  *) fail "odirect_check exited $rc: $out" ;;
esac
expect_eq "$(stat -c %s "$work/direct")" "$((8 * 256 * 1024))" "file size"
pass
