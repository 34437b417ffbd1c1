#!/usr/bin/env bash
# killed_server.sh IRPFS: kill -9 of the irpfs daemon in the middle of a workload.
#
# Proves: every client of the dead mount gets an error at once (ENOTCONN, or ECONNABORTED
# for a request the kernel had in flight when the connection died) instead of hanging;
# new calls get ENOTCONN; `irpfs unmount` removes the dead mount; a new mount at the same
# place works. Prints the time from the kill to the last client's exit.
# shellcheck source=common.sh
source "$(dirname "$0")/common.sh"

irpfs_bin=${1:?usage: killed_server.sh IRPFS}
readonly enotconn="Transport endpoint is not connected"
readonly econnaborted="Software caused connection abort"
scratch=$(mktemp -d "${TMPDIR:-/tmp}/irpfs-robust-scratch.XXXXXX")
scratch_paths+=("$scratch")

mount_daemon "$irpfs_bin"
note "mounted $mnt, daemon pid $daemon_pid"

# client NAME COMMAND...: runs the command in a loop against the mount, counting rounds in
# NAME.rounds (a line per round); the first failure's stderr goes to NAME.err and ends the loop.
client() {
  local name=$1
  shift
  (
    while true; do
      if ! "$@" >/dev/null 2>"$scratch/$name.stderr"; then
        now_ms >"$scratch/$name.at"
        mv "$scratch/$name.stderr" "$scratch/$name.err"
        exit 0
      fi
      echo >>"$scratch/$name.rounds"
    done
  ) &
  background_pids+=($!)
}

dd if=/dev/urandom of="$mnt/big" bs=64k count=64 status=none || fail "first write failed"
client writer bash -c "dd if=/dev/urandom of='$mnt/big' bs=64k count=64 status=none conv=fsync"
client reader dd if="$mnt/big" of=/dev/null bs=64k status=none
# The creator works in a subdirectory: ls -la of a directory whose entries vanish between
# readdir and lstat fails with ENOENT, as on any file system.
mkdir "$mnt/sub" || fail "mkdir failed"
client creator bash -c "echo data >'$mnt/sub/small' && cat '$mnt/sub/small' && rm '$mnt/sub/small'"
client lister ls -la "$mnt"
client statter stat "$mnt"

# At least 1.5 s of workload, and until every client has finished a round (10 s at most:
# the machine may be busy).
sleep 1.5
for name in writer reader creator lister statter; do
  for _ in $(seq 85); do [[ -s "$scratch/$name.rounds" ]] && break; sleep 0.1; done
  [[ -e "$scratch/$name.err" ]] && fail "client $name failed before the kill: $(cat "$scratch/$name.err")"
  [[ -s "$scratch/$name.rounds" ]] || fail "client $name made no progress in 10 s before the kill"
done

killed_at=$(now_ms)
kill -9 "$daemon_pid" || fail "cannot kill the daemon $daemon_pid"

# Every client must notice within 10 s; a hang shows as a client still running.
deadline=$((killed_at + 10000))
while :; do
  running=0
  for pid in "${background_pids[@]}"; do is_alive "$pid" && running=$((running + 1)); done
  [[ $running -eq 0 ]] && break
  [[ $(now_ms) -lt $deadline ]] || fail "$running client(s) still running 10 s after the kill (hung)"
  sleep 0.01
done
clients_done_ms=$(($(now_ms) - killed_at))
background_pids=()

for name in writer reader creator lister statter; do
  [[ -e "$scratch/$name.err" ]] || fail "client $name ended without an error"
  err=$(cat "$scratch/$name.err")
  if [[ "$err" != *"$enotconn"* && "$err" != *"$econnaborted"* ]]; then
    fail "client $name: expected ENOTCONN or ECONNABORTED, got: $err"
  fi
  note "client $name failed $(($(cat "$scratch/$name.at") - killed_at)) ms after the kill," \
    "after $(wc -l <"$scratch/$name.rounds") rounds: ${err//$'\n'/ | }"
done
note "all clients failed within ${clients_done_ms} ms of the kill"

# New calls on the dead mount: ENOTCONN, promptly.
probe_at=$(now_ms)
out=$(timeout 10 stat "$mnt/big" 2>&1) && fail "stat on the dead mount succeeded: $out"
[[ $? -ne 124 ]] || fail "stat on the dead mount hung for 10 s"
[[ "$out" == *"$enotconn"* ]] || fail "stat on the dead mount: expected ENOTCONN, got: $out"
out=$(timeout 10 ls "$mnt" 2>&1) && fail "ls on the dead mount succeeded: $out"
[[ "$out" == *"$enotconn"* ]] || fail "ls on the dead mount: expected ENOTCONN, got: $out"
note "stat and ls on the dead mount: ENOTCONN in $(($(now_ms) - probe_at)) ms"

out=$(timeout 20 "$irpfs_bin" unmount "$mnt" 2>&1)
rc=$?
[[ $rc -eq 0 ]] || fail "irpfs unmount of the dead mount failed (exit $rc): $out"
is_mounted && fail "irpfs unmount succeeded but $mnt is still mounted"
note "irpfs unmount of the dead mount: ok"
daemon_pid=

# A new mount at the same place serves data.
mount_daemon "$irpfs_bin"
head -c 1048576 /dev/urandom >"$scratch/data"
cp "$scratch/data" "$mnt/data" || fail "write on the new mount failed"
cmp "$scratch/data" "$mnt/data" || fail "the new mount returned other bytes than written"
[[ $(ls "$mnt") == data ]] || fail "the new mount is not empty: $(ls "$mnt")"
out=$(timeout 20 "$irpfs_bin" unmount "$mnt" 2>&1) || fail "irpfs unmount of the new mount: $out"
is_mounted && fail "$mnt still mounted after the second unmount"
for _ in $(seq 50); do is_alive "$daemon_pid" || break; sleep 0.1; done
is_alive "$daemon_pid" && fail "the second daemon ($daemon_pid) did not exit after unmount"
daemon_pid=
note "remount at the same place: 1 MiB written and read back, unmounted"
echo "PASS [$test_name]"
