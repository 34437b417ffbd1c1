#!/usr/bin/env bash
# kernel_cache.sh IRPFS memfs|mirror: what the kernel may keep of a file's data across
# opens (FOPEN_KEEP_CACHE) and of a missing name (negative entries), on a real mount,
# counted with the stats filter.
#
# Proves: on memfs, which nothing but the mount changes, both are on by default: a
# missing name looked up again within entry_timeout reaches the server once, a name made
# through the mount shows at once, and a file read again after its attributes expired is
# read from the page cache (no IRP_MJ_READ), while a write through the mount shows in the
# next read; -o nokeep_cache,negative_timeout=0 turns both off. On the mirror, whose host
# directory can change under it, both are off by default (every lookup and every open's
# reads reach the server, and a name or content made on the host shows at once); with
# -o keep_cache,negative_timeout=S they are on, and a host change shows once the
# timeouts pass.
# shellcheck source=../robust/common.sh
source "$(dirname "$0")/../robust/common.sh"

irpfs_bin=${1:?usage: kernel_cache.sh IRPFS memfs|mirror}
kind=${2:?usage: kernel_cache.sh IRPFS memfs|mirror}
scratch=$(mktemp -d "${TMPDIR:-/tmp}/irpfs-kcache-scratch.XXXXXX")
scratch_paths+=("$scratch")

mount_kind() {
  MOUNT_KIND=$kind mount_daemon "$irpfs_bin" --filter stats -o "$1"
}

unmount_kind() {
  local out
  out=$(timeout 20 "$irpfs_bin" unmount "$mnt" 2>&1) || fail "irpfs unmount failed: $out"
  for _ in $(seq 50); do is_alive "$daemon_pid" || break; sleep 0.1; done
  daemon_pid=
}

# sent MAJOR: IRPs of that major the server handled since the last reset.
sent() {
  "$irpfs_bin" stats "$mnt" >"$scratch/stats" || fail "irpfs stats failed"
  awk -v major="$1" '$1 == major { n = $2 } END { print n + 0 }' "$scratch/stats"
}

reset_stats() {
  "$irpfs_bin" stats "$mnt" --reset >/dev/null || fail "irpfs stats --reset failed"
}

# lookups_of_a_missing_name NAME: looks NAME up three times in a row (each fails) and
# prints how many of the lookups reached the server.
lookups_of_a_missing_name() {
  reset_stats
  local i
  for i in 1 2 3; do
    stat "$mnt/$1" >/dev/null 2>&1 && fail "$1 exists before it was made"
  done
  sent IRP_MJ_QUERY_OPEN
}

# reads_of_a_second_pass FILE: reads FILE, waits for its attributes to expire, reads it
# again and prints the IRP_MJ_READs of the second pass.
reads_of_a_second_pass() {
  cat "$1" >/dev/null || fail "reading $1 failed"
  sleep 0.4
  reset_stats
  cat "$1" >/dev/null || fail "reading $1 again failed"
  sent IRP_MJ_READ
}

# host_write FILE TEXT: the host side of a mirror file, rewritten in place.
host_write() { printf '%s' "$2" >"$mirror_source/$1"; }
# host_fill FILE CHAR: the host file rewritten in place with 64 KiB of CHAR.
host_fill() { head -c 65536 /dev/zero | tr '\0' "$2" >"$mirror_source/$1"; }

cached_mount=attr_timeout=0.3,entry_timeout=0.3
# The mirror's reads must reach the server to be counted: no passthrough.
[[ $kind == mirror ]] && cached_mount+=,nopassthrough
if [[ $kind == memfs ]]; then
  mount_kind "$cached_mount"
else
  mount_kind "$cached_mount,keep_cache,negative_timeout=0.3"
fi
note "mounted $kind with both caches at $mnt (daemon $daemon_pid)"
n=$(lookups_of_a_missing_name probe)
[[ $n -eq 1 ]] || fail "three lookups of a missing name sent $n QUERY_OPENs, expected 1"
: >"$mnt/probe" || fail "create of a remembered missing name failed"
[[ -e $mnt/probe ]] || fail "a name made through the mount does not show at once"
head -c 65536 /dev/urandom >"$mnt/data" || fail "write failed"
n=$(reads_of_a_second_pass "$mnt/data")
[[ $n -eq 0 ]] || fail "a second read of an unchanged file sent $n READs, expected none"
printf 'CHANGED' | dd of="$mnt/data" conv=notrunc status=none || fail "rewrite failed"
[[ $(head -c 7 "$mnt/data") == CHANGED ]] || fail "a write through the mount does not show at once"
if [[ $kind == mirror ]]; then
  # Behind the kernel: shown once the timeouts pass.
  stat "$mnt/made-on-the-host" >/dev/null 2>&1 && fail "made-on-the-host exists already"
  host_write made-on-the-host v1
  host_fill data y
  sleep 0.4
  [[ -e $mnt/made-on-the-host ]] || fail "a host create does not show after the timeout"
  [[ $(head -c 7 "$mnt/data") == yyyyyyy ]] || fail "a host rewrite does not show after the timeout"
fi
unmount_kind

if [[ $kind == memfs ]]; then
  mount_kind "$cached_mount,nokeep_cache,negative_timeout=0"
else
  mount_kind "$cached_mount"
fi
note "mounted $kind without either cache"
n=$(lookups_of_a_missing_name probe)
[[ $n -eq 3 ]] || fail "three lookups of a missing name sent $n QUERY_OPENs, expected 3"
head -c 65536 /dev/urandom >"$mnt/data" || fail "write failed"
n=$(reads_of_a_second_pass "$mnt/data")
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
echo "PASS [$test_name]"
