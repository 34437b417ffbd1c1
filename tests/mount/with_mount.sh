#!/usr/bin/env bash
# with_mount.sh: mounts a file system on a fresh temporary directory, runs a command with the
# mount point substituted for a placeholder, and unmounts on every exit path.
#
#   with_mount.sh [--tmpfs] [--placeholder @MNT@] -- COMMAND ARGS...
#   with_mount.sh --mount 'irpfs mount memfs @MNT@' [--unmount 'irpfs unmount @MNT@'] \
#                 [--background] [--wait SECONDS] -- COMMAND ARGS...
#
# --mount runs its command with bash after substituting the placeholder; with --background
# the command is started in the background (a --foreground daemon) and killed at the end if
# it outlives the unmount. The command's exit status is the script's; 77 means skipped
# (not root, no permission to mount, no /dev/fuse for --mount).
# Placeholders let runs nest: with_mount.sh --placeholder @A@ -- with_mount.sh
# --placeholder @B@ -- posix_compare.sh @A@ @B@ gets two mounts.
set -uo pipefail

placeholder=@MNT@
mount_cmd=
unmount_cmd=
background=0
wait_seconds=20
while [[ $# -gt 0 ]]; do
  case $1 in
    --tmpfs) mount_cmd=; shift ;;
    --mount) mount_cmd=$2; shift 2 ;;
    --unmount) unmount_cmd=$2; shift 2 ;;
    --background) background=1; shift ;;
    --wait) wait_seconds=$2; shift 2 ;;
    --placeholder) placeholder=$2; shift 2 ;;
    --) shift; break ;;
    *) echo "with_mount: unknown option $1" >&2; exit 2 ;;
  esac
done
if [[ $# -eq 0 ]]; then
  echo "with_mount: no command given" >&2
  exit 2
fi

if [[ $(id -u) -ne 0 ]]; then
  echo "SKIP: with_mount needs root to mount" >&2
  exit 77
fi
if [[ -n "$mount_cmd" && ! -w /dev/fuse ]]; then
  echo "SKIP: /dev/fuse is not available" >&2
  exit 77
fi

mnt=$(mktemp -d "${TMPDIR:-/tmp}/irpfs-mnt.XXXXXX")
daemon_pid=
command_pid=

# Reads the mount table instead of stat'ing the mount point: a hung daemon must not hang us.
is_mounted() {
  awk -v m="$mnt" '$5 == m { found = 1 } END { exit !found }' /proc/self/mountinfo
}

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [[ -n "$command_pid" ]] && kill -0 "$command_pid" 2>/dev/null; then
    kill "$command_pid" 2>/dev/null || true
    wait "$command_pid" 2>/dev/null || true
  fi
  if is_mounted; then
    if [[ -n "$unmount_cmd" ]]; then
      timeout 20 bash -c "${unmount_cmd//$placeholder/$mnt}" || true
    fi
    is_mounted && { timeout 20 umount "$mnt" || true; }
    is_mounted && { umount -l "$mnt" || true; }
  fi
  if [[ -n "$daemon_pid" ]] && kill -0 "$daemon_pid" 2>/dev/null; then
    # Give a --foreground daemon a moment to exit after its unmount before forcing it.
    for _ in $(seq 50); do kill -0 "$daemon_pid" 2>/dev/null || break; sleep 0.1; done
    # A wrapper (mirror_mount.sh) cleans up in its own EXIT trap, which SIGKILL would skip.
    kill "$daemon_pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$daemon_pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$daemon_pid" 2>/dev/null || true
    wait "$daemon_pid" 2>/dev/null || true
  fi
  if is_mounted; then
    echo "with_mount: $mnt is still mounted" >&2
    [[ $rc -eq 0 ]] && rc=1
  else
    rmdir "$mnt" 2>/dev/null || true
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [[ -z "$mount_cmd" ]]; then
  if ! mount -t tmpfs -o size=1g,mode=0755 tmpfs "$mnt"; then
    echo "SKIP: cannot mount tmpfs here" >&2
    exit 77
  fi
else
  cmd=${mount_cmd//$placeholder/$mnt}
  if [[ $background -eq 1 ]]; then
    bash -c "$cmd" &
    daemon_pid=$!
  elif ! bash -c "$cmd"; then
    echo "with_mount: mount command failed: $cmd" >&2
    exit 1
  fi
  for _ in $(seq $((wait_seconds * 10))); do
    is_mounted && break
    if [[ -n "$daemon_pid" ]] && ! kill -0 "$daemon_pid" 2>/dev/null; then
      echo "with_mount: mount daemon exited before mounting" >&2
      exit 1
    fi
    sleep 0.1
  done
  if ! is_mounted; then
    echo "with_mount: $mnt not mounted after ${wait_seconds}s" >&2
    exit 1
  fi
fi

args=()
for a in "$@"; do args+=("${a//$placeholder/$mnt}"); done
# In the background so a TERM (ctest timeout) runs the trap at once instead of after the
# command; the command's stdin is kept.
"${args[@]}" <&0 &
command_pid=$!
wait "$command_pid"
rc=$?
command_pid=
exit $rc
