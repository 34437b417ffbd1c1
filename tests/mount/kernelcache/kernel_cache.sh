#!/usr/bin/env bash
# kernel_cache.sh IRPFS memfs|mirror: what the kernel may keep of a file's data across
# opens (FOPEN_KEEP_CACHE) and of a missing name (negative entries), on a real mount,
# counted with the stats filter.
#
# Proves: on memfs, which nothing but the mount changes, both are on by default: a
# missing name looked up again within entry_timeout reaches the server once, a name made
# through the mount shows at once, and a file read again after its attributes expired is
# read from the page cache (no IRP_MJ_READ), while a write through the mount shows in the
# next read; -o nokeep_cache,noauto_cache,negative_timeout=0 turns both off. On the
# mirror, whose host directory can change under it, negative entries are off by default
# and the page cache is kept only at an open that finds the file as the previous open did
# (auto_cache): a file read again is read from the cache, a host rewrite of the same
# size shows at the next open, and every lookup of a missing name reaches the server.
# With -o keep_cache,negative_timeout=S both are on, and a host change shows once the
# timeouts pass; with -o nokeep_cache,noauto_cache every open's reads reach the server. With -o writeback_cache, a write that covers part of a page not in the
# cache, through a write-only open, works (the kernel reads the rest of the page through
# that open).
# shellcheck source=../robust/common.sh
source "$(dirname "$0")/../robust/common.sh"

irpfs_bin=${1:?usage: kernel_cache.sh IRPFS memfs|mirror}
kind=${2:?usage: kernel_cache.sh IRPFS memfs|mirror}
# shellcheck source=../robust/stats_mount.sh
source "$(dirname "$0")/../robust/stats_mount.sh"

# mount_with_caches on|off|auto: both kernel caches on or off, whatever the driver's
# default (on for memfs; auto: auto_cache without negative entries, the mirror's).
# Attributes kept 0.3 s, names 1 s (three lookups in a row fit in it even on a loaded
# machine); the mirror without passthrough, so its reads reach the server.
mount_with_caches() {
  local options=attr_timeout=0.3,entry_timeout=1 default=auto
  [[ $kind == memfs ]] && default=on
  [[ $kind == mirror ]] && options+=,nopassthrough
  if [[ $1 != "$default" ]]; then
    [[ $1 == on ]] && options+=,keep_cache,negative_timeout=1
    [[ $1 == off ]] && options+=,nokeep_cache,noauto_cache,negative_timeout=0
  fi
  mount_kind "$options"
  note "mounted $kind with the caches $1 ($options)"
}

# expect_lookups_sent NAME COUNT: three failing lookups of NAME in a row send COUNT
# QUERY_OPENs to the server.
expect_lookups_sent() {
  local sent
  reset_irp_stats
  for _ in 1 2 3; do
    stat "$mnt/$1" >/dev/null 2>&1 && fail "$1 exists before it was made"
  done
  sent=$(irps_sent IRP_MJ_QUERY_OPEN) || exit 1
  [[ $sent -eq $2 ]] || fail "three lookups of a missing name sent $sent QUERY_OPENs, expected $2"
}

# reads_of_a_second_pass FILE: reads FILE, waits for its attributes to expire, reads it
# again and prints the IRP_MJ_READs of the second pass. Run in $(...), where fail only
# ends the subshell: callers add `|| exit 1` (an empty count would read as 0).
reads_of_a_second_pass() {
  cat "$1" >/dev/null || fail "reading $1 failed"
  sleep 0.4
  reset_irp_stats
  cat "$1" >/dev/null || fail "reading $1 again failed"
  irps_sent IRP_MJ_READ
}

# The host side of the mirror: a file written there, or rewritten with 64 KiB of CHAR.
host_write() { printf '%s' "$2" >"$mirror_source/$1"; }
host_fill() { head -c 65536 /dev/zero | tr '\0' "$2" >"$mirror_source/$1"; }

mount_with_caches on
expect_lookups_sent probe 1
: >"$mnt/probe" || fail "create of a remembered missing name failed"
[[ -e $mnt/probe ]] || fail "a name made through the mount does not show at once"
head -c 65536 /dev/urandom >"$mnt/data" || fail "write failed"
n=$(reads_of_a_second_pass "$mnt/data") || exit 1
[[ $n -eq 0 ]] || fail "a second read of an unchanged file sent $n READs, expected none"
printf 'CHANGED' | dd of="$mnt/data" conv=notrunc status=none || fail "rewrite failed"
[[ $(head -c 7 "$mnt/data") == CHANGED ]] || fail "a write through the mount does not show at once"
if [[ $kind == mirror ]]; then
  # Behind the kernel: shown once the timeouts pass.
  stat "$mnt/made-on-the-host" >/dev/null 2>&1 && fail "made-on-the-host exists already"
  host_write made-on-the-host v1
  host_fill data y
  sleep 1.2
  [[ -e $mnt/made-on-the-host ]] || fail "a host create does not show after the timeout"
  [[ $(head -c 7 "$mnt/data") == yyyyyyy ]] || fail "a host rewrite does not show after the timeout"
fi
unmount_kind

if [[ $kind == mirror ]]; then
  # The mirror's defaults: auto_cache, no negative entries.
  mount_with_caches auto
  expect_lookups_sent probe 3
  head -c 65536 /dev/urandom >"$mnt/data" || fail "write failed"
  n=$(reads_of_a_second_pass "$mnt/data") || exit 1
  [[ $n -eq 0 ]] || fail "auto_cache: a second read of an unchanged file sent $n READs, expected none"
  host_fill data w
  [[ $(head -c 7 "$mnt/data") == wwwwwww ]] ||
    fail "auto_cache: a same-size host rewrite does not show at the next open"
  printf 'CHANGED' | dd of="$mnt/data" conv=notrunc status=none || fail "rewrite failed"
  [[ $(head -c 7 "$mnt/data") == CHANGED ]] || fail "a write through the mount does not show at once"
  n=$(reads_of_a_second_pass "$mnt/data") || exit 1
  [[ $n -eq 0 ]] || fail "auto_cache: reading the file again after a rewrite sent $n READs, expected none"
  unmount_kind
fi

mount_with_caches off
expect_lookups_sent probe 3
head -c 65536 /dev/urandom >"$mnt/data" || fail "write failed"
n=$(reads_of_a_second_pass "$mnt/data") || exit 1
[[ $n -gt 0 ]] || fail "without keep_cache a second open read nothing from the server"
if [[ $kind == mirror ]]; then
  # Behind the kernel, seen at once: each lookup and each open asks the host.
  host_write probe made-on-the-host
  [[ $(cat "$mnt/probe" 2>/dev/null) == made-on-the-host ]] ||
    fail "a name made on the host right after a failed lookup does not show at once"
  host_fill data z
  [[ $(head -c 7 "$mnt/data") == zzzzzzz ]] || fail "a host rewrite does not show at the next open"
fi
unmount_kind

# The writeback cache: the file's pages dropped (written back first), then 5 bytes
# written in the middle of the first page through an O_WRONLY open (dd would open the
# file read-write).
options=writeback_cache
[[ $kind == mirror ]] && options+=,nopassthrough
mount_kind "$options"
note "mounted $kind with $options"
printf 'hello world, this is a file' >"$mnt/partial" || fail "write failed"
sync "$mnt/partial" || fail "sync failed"
dd if="$mnt/partial" iflag=nocache count=0 status=none || fail "dropping the cached pages failed"
python3 -c 'import os, sys
fd = os.open(sys.argv[1], os.O_WRONLY)
os.pwrite(fd, b"HELLO", 6)
os.close(fd)' "$mnt/partial" || fail "a partial-page write through a write-only open failed"
[[ $(cat "$mnt/partial") == 'hello HELLO, this is a file' ]] ||
  fail "a partial-page write left: $(cat "$mnt/partial")"
unmount_kind
echo "PASS [$test_name]"
