# shellcheck shell=bash
# For tests that count what reaches the server: an irpfs daemon of $kind (memfs or
# mirror) with the stats filter at $mnt, and the IRP counts it reports. Source it after
# common.sh, with irpfs_bin and kind set.
# shellcheck disable=SC2154  # mnt, irpfs_bin and kind are the sourcing script's

# mount_kind OPTIONS: the daemon, with the stats filter and -o OPTIONS.
mount_kind() {
  MOUNT_KIND=$kind mount_daemon "$irpfs_bin" --filter stats -o "$1"
}

# unmount_kind: `irpfs unmount`, then waits for the daemon to be gone.
unmount_kind() {
  local out
  out=$(timeout 20 "$irpfs_bin" unmount "$mnt" 2>&1) || fail "irpfs unmount failed: $out"
  for _ in $(seq 50); do is_alive "$daemon_pid" || break; sleep 0.1; done
  daemon_pid=
}

# irp_stats: what `irpfs stats` reports for the mount.
irp_stats() {
  "$irpfs_bin" stats "$mnt" || fail "irpfs stats failed"
}

# irps_sent MAJOR: IRPs of that major (IRP_MJ_...) the server handled since the last reset.
# Called in $(...), where fail ends only the subshell: callers add `|| exit 1`.
irps_sent() {
  local stats
  stats=$(irp_stats) || exit 1
  awk -v major="$1" '$1 == major { n = $2 } END { print n + 0 }' <<<"$stats"
}

reset_irp_stats() {
  "$irpfs_bin" stats "$mnt" --reset >/dev/null || fail "irpfs stats --reset failed"
}
