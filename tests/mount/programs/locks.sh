#!/usr/bin/env bash
# flock(2) and fcntl(2) record locks between processes: a held lock makes a non-blocking
# attempt fail, a blocking waiter gets the lock when it is released.
# shellcheck source=../lib.sh
source "$(dirname "$0")/../lib.sh"
need flock
lock_helper=$(helper fcntl_lock)

cd "$work"
: >lockfile

# flock: a holder that keeps the lock until the file "release" appears.
start_background flock -x lockfile -c 'touch held; while [ ! -e release ]; do sleep 0.05; done'
wait_for_file held
if flock -n lockfile true; then fail "flock -n succeeded while another process holds it"; fi
if flock -s -n lockfile true; then fail "shared flock -n succeeded against an exclusive lock"; fi
start_background flock -w 30 lockfile -c 'touch got'
sleep 0.5
[[ ! -e got ]] || fail "blocking flock was granted while the lock is held"
touch release
wait_for_file got
flock -n lockfile true || fail "flock -n failed after the holder released"

# Shared locks coexist.
rm -f held release
start_background flock -s lockfile -c 'touch held; while [ ! -e release ]; do sleep 0.05; done'
wait_for_file held
flock -s -n lockfile true || fail "second shared flock refused"
if flock -x -n lockfile true; then fail "exclusive flock granted against a shared one"; fi
touch release

# fcntl record locks: bytes 0-99 held for writing by another process.
rm -f ready release
: >records
start_background "$lock_helper" hold records 0 100 ready release
wait_for_file ready
out=$("$lock_helper" try records 0 100) && fail "overlapping F_SETLK granted: $out"
expect_eq "$out" "$(printf 'getlk=write start=0 len=100 other-pid=yes\nsetlk=conflict')" \
  "F_GETLK/F_SETLK on the held range"
out=$("$lock_helper" try records 50 10 read) && fail "read lock inside a write lock granted"
out=$("$lock_helper" try records 100 50) || fail "lock on the free range refused: $out"
expect_eq "$out" "$(printf 'getlk=unlocked\nsetlk=granted')" "F_SETLK on the free range"

start_background bash -c "\"$lock_helper\" wait records 10 10 >waited"
sleep 0.5
[[ ! -s waited ]] || fail "F_SETLKW granted while the range is held"
touch release
for _ in $(seq 100); do [[ -s waited ]] && break; sleep 0.1; done
expect_eq "$(cat waited)" "setlkw=granted" "F_SETLKW after release"
out=$("$lock_helper" try records 0 100) || fail "range still locked after the holder exited: $out"
pass
