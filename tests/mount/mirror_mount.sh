#!/usr/bin/env bash
# Serves a fresh tmpfs through `irpfs mount mirror` at MOUNTPOINT, in the foreground, so the
# mount tests compare mirror-over-tmpfs with tmpfs itself. The backing tmpfs goes away
# when the mirror does.   usage: mirror_mount.sh IRPFS MOUNTPOINT [irpfs mount options...]
set -u
irpfs=$1 mnt=$2
shift 2
src=$(mktemp -d /tmp/irpfs-mirror-src.XXXXXX) || exit 1
cleanup() {
  umount "$src" 2>/dev/null || umount -l "$src" 2>/dev/null
  rmdir "$src" 2>/dev/null
}
trap cleanup EXIT
trap 'kill "$child" 2>/dev/null' TERM INT
mount -t tmpfs irpfs-mirror-src "$src" || exit 77
"$irpfs" mount mirror "$src" "$mnt" "$@" --foreground &
child=$!
wait "$child"
rc=$?
# A signal interrupts the first wait; wait again for the mirror to finish unmounting.
kill -0 "$child" 2>/dev/null && wait "$child"
exit $rc
