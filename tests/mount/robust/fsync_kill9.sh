#!/usr/bin/env bash
# fsync_kill9.sh IRPFS: kill -9 of a mirror's server right after fsync returns.
#
# Proves: what fsync(2) acknowledged through a mirror mount is in the host directory even
# when the server dies the instant after, without a clean unmount: several rounds, each
# writing a file (odd sizes, several writes) and a file in a new subdirectory (fsync of the
# file and of the new directories), then SIGKILL from the writing process itself as soon
# as the last fsync returned; the host files' SHA-256 must match what was written. Runs
# with the mirror's default mount options (FUSE passthrough or not, whichever is default),
# then with -o writeback_cache, where the data sits in the kernel's page cache until
# fsync sends it: there a missing flush would lose it.
# shellcheck source=common.sh
source "$(dirname "$0")/common.sh"

irpfs_bin=${1:?usage: fsync_kill9.sh IRPFS}
rounds=${ROUNDS:-3}  # per set of mount options
command -v python3 >/dev/null || { echo "SKIP [$test_name]: no python3"; exit 77; }
source_dir=$(mktemp -d "${TMPDIR:-/tmp}/irpfs-kill9-source.XXXXXX")
scratch=$(mktemp -d "${TMPDIR:-/tmp}/irpfs-kill9-scratch.XXXXXX")
scratch_paths+=("$source_dir" "$scratch")

# mount_mirror [irpfs mount options...]
mount_mirror() {
  local out
  out=$("$irpfs_bin" mount mirror "$source_dir" "$mnt" "$@" 2>&1) || fail "irpfs mount failed: $out"
  daemon_pid=$(sed -n 's/.*(pid \([0-9]*\),.*/\1/p' <<<"$out")
  [[ -n "$daemon_pid" ]] || fail "no pid in the mount output: $out"
  local log
  log=$(sed -n 's/.*, log \(.*\))$/\1/p' <<<"$out")
  [[ -n "$log" ]] && daemon_logs+=("$log")
  is_mounted || fail "irpfs mount returned but $mnt is not in the mount table"
}

for round in $(seq $((2 * rounds))); do
  options=()
  [[ $round -gt $rounds ]] && options=(-o writeback_cache)
  mount_mirror "${options[@]}"
  # The writer prints "relative-path sha256" per file, then kills the server itself, so
  # nothing runs between the last fsync's return and the SIGKILL.
  python3 - "$mnt" "$round" "$daemon_pid" >"$scratch/expected" <<'PY'
import hashlib, os, signal, sys
mnt, round_, pid = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])

def write_file(path, size):
    data = os.urandom(size)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    # Several writes of odd sizes, the last one partial.
    step = 65536 + 4097 * round_
    for at in range(0, size, step):
        os.pwrite(fd, data[at:at + step], at)
    os.fsync(fd)
    return fd, hashlib.sha256(data).hexdigest()

def fsync_dir(path):
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    os.fsync(fd)
    os.close(fd)

sub = "new%d/deeper" % round_
os.makedirs(os.path.join(mnt, sub))
fd1, sum1 = write_file(os.path.join(mnt, sub, "file"), (1 << 20) + 333 * round_)
fsync_dir(os.path.join(mnt, sub))
fsync_dir(os.path.join(mnt, "new%d" % round_))
fsync_dir(mnt)
fd2, sum2 = write_file(os.path.join(mnt, "top%d" % round_), (3 << 20) + 4095 * round_)
os.kill(pid, signal.SIGKILL)
print(sub + "/file", sum1)
print("top%d" % round_, sum2)
sys.stdout.flush()
os._exit(0)  # the descriptors close on a dead mount; nothing more to say
PY
  [[ $? -eq 0 ]] || fail "round $round: the writer failed"
  for _ in $(seq 100); do is_alive "$daemon_pid" || break; sleep 0.05; done
  is_alive "$daemon_pid" && fail "round $round: the daemon survived SIGKILL"
  [[ $(wc -l <"$scratch/expected") -eq 2 ]] || fail "round $round: the writer reported $(cat "$scratch/expected")"
  while read -r path sum; do
    [[ -f "$source_dir/$path" ]] || fail "round $round: $path is not in the host directory"
    got=$(sha256sum "$source_dir/$path" | cut -d' ' -f1)
    [[ "$got" == "$sum" ]] || fail "round $round: host $path has other bytes (sha256 $got, wrote $sum)"
  done <"$scratch/expected"
  out=$(timeout 20 "$irpfs_bin" unmount "$mnt" 2>&1) || fail "round $round: unmount of the dead mount: $out"
  is_mounted && fail "round $round: $mnt still mounted"
  daemon_pid=
  note "round $round (options: ${options[*]:-default}): server killed after fsync;" \
    "$(wc -l <"$scratch/expected") files intact on the host"
done
echo "PASS [$test_name]"
