#!/usr/bin/env bash
# Shared writable mmap: two mappings and a second process see each other's stores, msync
# makes them visible to read(), write() is seen by mappings (helpers/mmap_check.cpp).
# shellcheck source=../lib.sh
source "$(dirname "$0")/../lib.sh"
check=$(helper mmap_check)
out=$("$check" "$work/mapped") || fail "mmap_check: $out"
expect_eq "$out" "ok" "mmap_check"
expect_eq "$(stat -c %s "$work/mapped")" "262144" "size of the mapped file"
pass
