#!/usr/bin/env bash
# host_locks.sh IRPFS: locks on a mirror mount are host locks. A process on the mount and a
# process on the host directory behind it see each other's locks, in both directions:
# flock(1) for flock(2), python's fcntl.lockf for POSIX record locks (F_SETLK/F_SETLKW).
# flock and record locks never conflict with each other, as on any Linux file system.
# shellcheck source=../robust/common.sh
source "$(dirname "$0")/../robust/common.sh"

irpfs_bin=${1:?usage: host_locks.sh IRPFS}
command -v flock >/dev/null || fail "missing tool flock"
command -v python3 >/dev/null || fail "missing tool python3"
MOUNT_KIND=mirror mount_daemon "$irpfs_bin" --threads 2
note "mirror of $mirror_source mounted on $mnt, daemon pid $daemon_pid"

# hold_flock FILE MODE FLAGDIR: holds flock MODE (-x/-s) on FILE until FLAGDIR/release.
hold_flock() {
  rm -f "$3/ready" "$3/release"
  flock "$2" "$1" -c "touch '$3/ready'; while [ ! -e '$3/release' ]; do sleep 0.02; done" &
  background_pids+=($!)
  for _ in $(seq 250); do [[ -e "$3/ready" ]] && return 0; sleep 0.02; done
  fail "the flock holder on $1 did not start"
}

# lockf FILE try|hold|wait START LEN [FLAGDIR]: python fcntl.lockf, exclusive.
#   try: exit 0 when granted at once, 1 when refused; hold: until FLAGDIR/release;
#   wait: block until granted (F_SETLKW), print "granted".
lockf() {
  python3 - "$@" <<'PY'
import errno, fcntl, os, sys, time
path, mode, start, length = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
with open(path, "r+") as f:
    if mode == "wait":
        fcntl.lockf(f, fcntl.LOCK_EX, length, start)
        print("granted", flush=True)
        sys.exit(0)
    try:
        fcntl.lockf(f, fcntl.LOCK_EX | fcntl.LOCK_NB, length, start)
    except OSError as e:
        if e.errno in (errno.EAGAIN, errno.EACCES):
            sys.exit(1)
        raise
    if mode == "hold":
        flags = sys.argv[5]
        open(os.path.join(flags, "ready"), "w").close()
        while not os.path.exists(os.path.join(flags, "release")):
            time.sleep(0.02)
PY
}

hold_lockf() {
  rm -f "$3/ready" "$3/release"
  lockf "$1" hold "$2" 100 "$3" &
  background_pids+=($!)
  for _ in $(seq 250); do [[ -e "$3/ready" ]] && return 0; sleep 0.02; done
  fail "the lockf holder on $1 did not start"
}

flags=$(mktemp -d "${TMPDIR:-/tmp}/irpfs-host-locks.XXXXXX")
scratch_paths+=("$flags")
on_host="$mirror_source/f"
on_mount="$mnt/f"
echo data >"$on_mount" || fail "cannot create $on_mount"
[[ -e "$on_host" ]] || fail "$on_host does not exist behind the mount"

# ---- flock, mount -> host.
hold_flock "$on_mount" -x "$flags"
flock -n "$on_host" true && fail "host flock -n granted while a mount process holds flock -x"
flock -s -n "$on_host" true && fail "host flock -s -n granted against the mount's flock -x"
lockf "$on_host" try 0 100 || fail "host record lock refused: flock must not conflict with it"
touch "$flags/release"
# The kernel releases a FUSE file asynchronously after close: allow the flock a moment.
flock -w 10 "$on_host" true || fail "host flock not granted after the mount's holder exited"
wait
background_pids=()

# ---- flock, host -> mount.
hold_flock "$on_host" -s "$flags"
flock -x -n "$on_mount" true && fail "mount flock -x -n granted against the host's flock -s"
flock -s -n "$on_mount" true || fail "mount flock -s -n refused next to a shared host flock"
touch "$flags/release"
flock -x -w 10 "$on_mount" true || fail "mount flock -x not granted after the host let go"
wait
background_pids=()

# ---- record locks, mount -> host: bytes [0, 100) held on the mount.
hold_lockf "$on_mount" 0 "$flags"
lockf "$on_host" try 50 10 && fail "host lockf granted inside the mount's locked range"
lockf "$on_host" try 100 10 || fail "host lockf refused outside the mount's locked range"
flock -n "$on_host" true || fail "host flock refused: record locks must not conflict with it"
touch "$flags/release"
wait
background_pids=()
for _ in $(seq 250); do lockf "$on_host" try 0 100 && break; sleep 0.02; done
lockf "$on_host" try 0 100 || fail "host lockf still refused after the mount's holder exited"

# ---- record locks, host -> mount, and a mount F_SETLKW that waits for the host.
hold_lockf "$on_host" 0 "$flags"
lockf "$on_mount" try 10 10 && fail "mount lockf granted inside the host's locked range"
lockf "$on_mount" try 200 10 || fail "mount lockf refused outside the host's locked range"
rm -f "$flags/waited"
lockf "$on_mount" wait 10 10 >"$flags/waited" &
waiter=$!
background_pids+=("$waiter")
sleep 0.5
[[ -s "$flags/waited" ]] && fail "mount F_SETLKW granted while the host holds the range"
touch "$flags/release"
for _ in $(seq 250); do [[ -s "$flags/waited" ]] && break; sleep 0.02; done
expect=$(cat "$flags/waited")
[[ "$expect" == granted ]] || fail "mount F_SETLKW not granted after the host let go: '$expect'"
wait
background_pids=()

out=$(timeout 20 "$irpfs_bin" unmount "$mnt" 2>&1) || fail "irpfs unmount failed: $out"
is_mounted && fail "$mnt still mounted after irpfs unmount"
daemon_pid=
echo "PASS [$test_name]"
