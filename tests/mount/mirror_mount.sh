#!/usr/bin/env bash
# Serves a fresh tmpfs through `irpfs mount mirror` at MOUNTPOINT, in the foreground, so the
# mount tests compare mirror-over-tmpfs with tmpfs itself.
#   usage: mirror_mount.sh IRPFS MOUNTPOINT [irpfs mount options...]
#
# The backing tmpfs is detached (umount -l) as soon as the mirror's mount is live: the
# mirror holds its root open and never goes back to the path, and the kernel frees a
# detached tmpfs when its last user closes it. So the tmpfs cannot outlive the mirror
# even when this wrapper is killed with SIGKILL and no trap of its own runs.
set -u
irpfs=$1 mnt=$2
shift 2
src=$(mktemp -d /tmp/irpfs-mirror-src.XXXXXX) || exit 1
detached=0
detach_source() {
  [[ $detached -eq 1 ]] && return
  umount -l "$src" 2>/dev/null
  rmdir "$src" 2>/dev/null
  detached=1
}
trap detach_source EXIT
trap 'kill "$child" 2>/dev/null' TERM INT
mount -t tmpfs irpfs-mirror-src "$src" || exit 77

mnt_real=$(realpath -m "$mnt")
is_live() {
  awk -v m="$mnt_real" '$5 == m && $0 ~ / - fuse/ { found = 1 } END { exit !found }' \
    /proc/self/mountinfo
}

"$irpfs" mount mirror "$src" "$mnt" "$@" --foreground &
child=$!
while kill -0 "$child" 2>/dev/null; do
  if is_live; then
    detach_source
    break
  fi
  sleep 0.05
done
wait "$child"
rc=$?
# A signal interrupts the first wait; wait again for the mirror to finish unmounting.
kill -0 "$child" 2>/dev/null && wait "$child"
exit $rc
