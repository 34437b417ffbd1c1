#!/usr/bin/env bash
# mirror_mount.sh (the wrapper the mirror mount tests run) killed with SIGKILL while its
# mirror serves: no trap of the wrapper runs, yet once the mirror is unmounted its backing
# tmpfs must be gone from the mount table and its directory from /tmp. Before the wrapper
# detached the tmpfs as soon as the mirror was live, such a kill (with_mount.sh's last
# resort) left one tmpfs mounted per kill.
#   usage: mirror_wrapper_killed.sh IRPFS
source "$(dirname "$0")/common.sh"
irpfs_bin=$1
wrapper="$(dirname "$0")/../mirror_mount.sh"

"$wrapper" "$irpfs_bin" "$mnt" >/dev/null 2>&1 &
wrapper_pid=$!
background_pids+=("$wrapper_pid")

for _ in $(seq 200); do
  is_mounted && break
  is_alive "$wrapper_pid" || fail "the wrapper exited before the mirror was mounted"
  sleep 0.05
done
is_mounted || fail "the mirror did not mount within 10 s"

# The mirror's command line names the backing directory: irpfs mount mirror SRC MNT ...
daemon_pid=$(pgrep -P "$wrapper_pid" -f "mount mirror") || fail "no mirror daemon under the wrapper"
src=$(tr '\0' '\n' <"/proc/$daemon_pid/cmdline" | sed -n 4p)
[[ "$src" == /tmp/irpfs-mirror-src.* ]] || fail "unexpected backing directory '$src'"
note "wrapper $wrapper_pid, mirror $daemon_pid, backing $src"

echo payload >"$mnt/file" || fail "cannot write through the mirror"
[[ "$(cat "$mnt/file")" == payload ]] || fail "the mirror did not read back what was written"

# The wrapper detaches the tmpfs right after the mount goes live; give it that moment.
for _ in $(seq 100); do
  awk -v s="$src" '$5 == s { found = 1 } END { exit !found }' /proc/self/mountinfo || break
  sleep 0.05
done

kill -9 "$wrapper_pid"
wait "$wrapper_pid" 2>/dev/null
# The detached tmpfs is still the mirror's: files written before the kill stay readable.
[[ "$(cat "$mnt/file")" == payload ]] || fail "the mirror lost its data when the wrapper died"

timeout 20 "$irpfs_bin" unmount "$mnt" >/dev/null 2>&1 || fail "irpfs unmount failed"
for _ in $(seq 100); do
  is_alive "$daemon_pid" || break
  sleep 0.05
done
is_alive "$daemon_pid" && fail "the mirror daemon did not exit after its unmount"

if awk -v s="$src" '$5 == s { found = 1 } END { exit !found }' /proc/self/mountinfo; then
  umount -l "$src"
  rmdir "$src" 2>/dev/null
  fail "the backing tmpfs $src stayed mounted after the wrapper was killed"
fi
if [[ -e "$src" ]]; then
  rmdir "$src" 2>/dev/null
  fail "the backing directory $src was left behind"
fi
note "no backing tmpfs or directory left behind"
