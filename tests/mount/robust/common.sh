# shellcheck shell=bash
# Shared by the robustness tests (robust/*.sh): skip checks, a fresh mount point, a
# mount-table probe that never touches the (possibly dead) mount, and an irpfs daemon
# mount/unmount pair that leaves nothing mounted on any exit path. Source it first.
#
# Exit codes: 0 pass, 1 fail, 77 skip.
set -uo pipefail

test_name=$(basename "$0" .sh)

fail() {
  echo "FAIL [$test_name]: $*" >&2
  exit 1
}

note() {
  echo "[$test_name] $*"
}

if [[ $(id -u) -ne 0 ]]; then
  echo "SKIP [$test_name]: needs root to mount"
  exit 77
fi
if [[ ! -w /dev/fuse ]]; then
  echo "SKIP [$test_name]: /dev/fuse is not available"
  exit 77
fi

mnt=$(mktemp -d "${TMPDIR:-/tmp}/irpfs-robust.XXXXXX")
background_pids=()
daemon_pid=
daemon_logs=()    # the log file of each daemon mounted; shown on failure, then removed
scratch_paths=()  # removed by the cleanup, after the background processes are gone

# Reads the mount table instead of stat'ing the mount point: a dead daemon must not hang us.
is_mounted() {
  awk -v m="$mnt" '$5 == m { found = 1 } END { exit !found }' /proc/self/mountinfo
}

# True while PID runs; a zombie (exited, not yet waited for) counts as gone.
is_alive() {
  local state
  state=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) || return 1
  [[ -n "$state" && "$state" != Z ]]
}

now_ms() {
  echo $(($(date +%s%N) / 1000000))
}

# mount_daemon IRPFS [ARGS...]: `irpfs mount memfs MNT ARGS` in daemon mode; sets daemon_pid
# from the line the tool prints ("... (pid N, log ...)"). With MOUNT_KIND=mirror it mounts
# `irpfs mount mirror SOURCE MNT ARGS` instead, over a fresh directory it puts in
# mirror_source (removed at exit).
mirror_source=
mount_daemon() {
  local irpfs=$1
  shift
  local what=(memfs)
  if [[ "${MOUNT_KIND:-memfs}" == mirror ]]; then
    mirror_source=$(mktemp -d "${TMPDIR:-/tmp}/irpfs-robust-src.XXXXXX")
    chmod 755 "$mirror_source"
    scratch_paths+=("$mirror_source")
    what=(mirror "$mirror_source")
  fi
  local out
  out=$("$irpfs" mount "${what[@]}" "$mnt" "$@" 2>&1) || fail "irpfs mount failed: $out"
  daemon_pid=$(sed -n 's/.*(pid \([0-9]*\),.*/\1/p' <<<"$out")
  [[ -n "$daemon_pid" ]] || fail "no pid in the mount output: $out"
  local log
  log=$(sed -n 's/.*, log \(.*\))$/\1/p' <<<"$out")
  [[ -n "$log" ]] && daemon_logs+=("$log")
  is_mounted || fail "irpfs mount returned but $mnt is not in the mount table"
}

robust_cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  # Kill the clients now but reap them last: one stuck in a request waits (uninterruptibly)
  # until the daemon is gone or the mount is aborted.
  local pid
  for pid in "${background_pids[@]}"; do
    pkill -9 -P "$pid" 2>/dev/null || true
    kill -9 "$pid" 2>/dev/null || true
  done
  if is_mounted; then
    [[ -n "${irpfs_bin:-}" ]] && { timeout 20 "$irpfs_bin" unmount "$mnt" >/dev/null 2>&1 || true; }
    is_mounted && { timeout 20 umount "$mnt" 2>/dev/null || true; }
    is_mounted && { umount -l "$mnt" || true; }
  fi
  if [[ -n "$daemon_pid" ]] && kill -0 "$daemon_pid" 2>/dev/null; then
    kill "$daemon_pid" 2>/dev/null || true
    sleep 0.5
    kill -9 "$daemon_pid" 2>/dev/null || true
  fi
  for pid in "${background_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  local path
  for path in "${scratch_paths[@]}"; do rm -rf "$path"; done
  # A sanitizer build's daemon reports into its log (a clean unmount runs LeakSanitizer).
  for path in "${daemon_logs[@]}"; do
    if grep -q "Sanitizer" "$path" 2>/dev/null; then
      echo "FAIL [$test_name]: sanitizer report in the daemon log $path" >&2
      [[ $rc -eq 0 ]] && rc=1
    fi
    if [[ $rc -ne 0 && -s "$path" ]]; then
      echo "---- $path (last 30 lines)" >&2
      tail -n 30 "$path" >&2
    fi
    rm -f "$path"
  done
  if is_mounted; then
    echo "FAIL [$test_name]: $mnt is still mounted" >&2
    [[ $rc -eq 0 ]] && rc=1
  else
    rmdir "$mnt" 2>/dev/null || true
  fi
  exit "$rc"
}
trap robust_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
