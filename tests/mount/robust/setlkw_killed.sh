#!/usr/bin/env bash
# setlkw_killed.sh IRPFS FCNTL_LOCK: a process blocked in fcntl(F_SETLKW) on a memfs file
# (a mirror file with MOUNT_KIND=mirror: the wait is then a host F_OFD_SETLKW) is killed
# with SIGKILL, round after round, on a mount with --threads 2.
#
# Each round: A holds a write lock; B blocks in F_SETLKW on the same range; kill -9 B.
# Proves per round: B dies promptly (the kernel's FUSE_INTERRUPT for B's SETLKW was
# answered: a request the server never answers keeps a killed process in D state); A's
# lock survives B's death (a third process C still blocks); when A lets go, C gets the
# lock promptly (B's canceled wait did not turn into a phantom lock). 2 x threads + 1
# rounds: a worker thread lost per round would leave none by the last one. At the end
# the mount still answers stat.
# shellcheck source=common.sh
source "$(dirname "$0")/common.sh"

irpfs_bin=${1:?usage: setlkw_killed.sh IRPFS FCNTL_LOCK}
lock_helper=${2:?usage: setlkw_killed.sh IRPFS FCNTL_LOCK}
[[ -x "$lock_helper" ]] || fail "fcntl_lock helper not found at $lock_helper"
readonly threads=2
readonly rounds=$((2 * threads + 1))

mount_daemon "$irpfs_bin" --threads "$threads"
note "mounted $mnt with --threads $threads, daemon pid $daemon_pid"

# wait_gone PID MS: polls until PID is gone; fails the test after MS milliseconds.
wait_gone() {
  local deadline=$(($(now_ms) + $2))
  while is_alive "$1"; do
    [[ $(now_ms) -lt $deadline ]] || return 1
    sleep 0.005
  done
}

file="$mnt/lockfile"
: >"$file" || fail "cannot create $file"
worst_kill_ms=0
worst_grant_ms=0
for round in $(seq "$rounds"); do
  rm -f "$mnt/ready" "$mnt/release" "$mnt/granted"
  "$lock_helper" hold "$file" 0 100 "$mnt/ready" "$mnt/release" &
  holder=$!
  background_pids+=("$holder")
  for _ in $(seq 200); do [[ -e "$mnt/ready" ]] && break; sleep 0.05; done
  [[ -e "$mnt/ready" ]] || fail "round $round: the holder did not take the lock"

  "$lock_helper" wait "$file" 0 100 >/dev/null 2>&1 &
  blocked=$!
  background_pids+=("$blocked")
  sleep 0.3
  is_alive "$blocked" || fail "round $round: F_SETLKW returned while the range is held"

  killed_at=$(now_ms)
  kill -9 "$blocked"
  wait_gone "$blocked" 5000 ||
    fail "round $round: the process killed in F_SETLKW still exists after 5 s ($(cat /proc/"$blocked"/wchan 2>/dev/null))"
  kill_ms=$(($(now_ms) - killed_at))
  ((kill_ms > worst_kill_ms)) && worst_kill_ms=$kill_ms

  # C waits behind A: the lock A holds must have survived B's death.
  (timeout 10 "$lock_helper" wait "$file" 0 100 >"$mnt/granted.tmp" && mv "$mnt/granted.tmp" "$mnt/granted") &
  next=$!
  background_pids+=("$next")
  sleep 0.3
  [[ -e "$mnt/granted" ]] && fail "round $round: C got the lock while A still holds it"

  released_at=$(now_ms)
  touch "$mnt/release"
  wait_gone "$holder" 5000 || fail "round $round: the holder did not exit after release"
  wait_gone "$next" 5000 || fail "round $round: C still waits 5 s after A let go (lock lost or worker stuck)"
  grant_ms=$(($(now_ms) - released_at))
  ((grant_ms > worst_grant_ms)) && worst_grant_ms=$grant_ms
  [[ "$(cat "$mnt/granted" 2>/dev/null)" == "setlkw=granted" ]] ||
    fail "round $round: C did not get the lock: $(cat "$mnt/granted.tmp" 2>/dev/null)"
  for pid in "$holder" "$blocked" "$next"; do wait "$pid" 2>/dev/null; done
  background_pids=()
  note "round $round: killed waiter gone in ${kill_ms} ms; C granted ${grant_ms} ms after release"
done

out=$(timeout 5 stat -c %s "$file" 2>&1) || fail "stat after $rounds rounds failed or hung: $out"
out=$(timeout 5 "$lock_helper" try "$file" 0 100) || fail "the range is still locked at the end: $out"
note "worst: killed waiter gone in ${worst_kill_ms} ms, C granted ${worst_grant_ms} ms after release (holder polls every 20 ms)"
out=$(timeout 20 "$irpfs_bin" unmount "$mnt" 2>&1) || fail "irpfs unmount failed: $out"
is_mounted && fail "$mnt still mounted after irpfs unmount"
daemon_pid=
echo "PASS [$test_name]"
