#!/usr/bin/env bash
# sqlite3 in WAL mode (shared-memory mmap of the -shm file, POSIX locks) with two writer
# processes inserting at once and a reader; final row counts and integrity_check must hold.
# shellcheck source=../lib.sh
source "$(dirname "$0")/../lib.sh"
need sqlite3

db="$work/test.db"
expect_eq "$(sqlite3 "$db" 'PRAGMA journal_mode=WAL;')" "wal" "journal_mode"
sqlite3 "$db" 'CREATE TABLE t(id INTEGER PRIMARY KEY, writer TEXT NOT NULL, n INTEGER NOT NULL,
                              pad TEXT NOT NULL);'

rows=400
writer() {  # each insert is its own transaction, so the two writers interleave
  {
    echo ".timeout 30000"
    for i in $(seq 1 "$rows"); do
      echo "INSERT INTO t(writer, n, pad) VALUES('$1', $i, printf('%0200d', $i));"
    done
  } | sqlite3 "$db"
}
reader() {
  local i
  for i in $(seq 1 40); do
    sqlite3 -cmd ".timeout 30000" "$db" 'SELECT count(*) FROM t;' >/dev/null || return 1
  done
}

writer a &
pid_a=$!
writer b &
pid_b=$!
reader &
pid_r=$!
background_pids+=("$pid_a" "$pid_b" "$pid_r")
wait "$pid_a" || fail "writer a failed"
wait "$pid_b" || fail "writer b failed"
wait "$pid_r" || fail "reader failed"

expect_eq "$(sqlite3 "$db" 'SELECT count(*) FROM t;')" "$((2 * rows))" "row count"
expect_eq "$(sqlite3 "$db" "SELECT count(DISTINCT n) FROM t WHERE writer='a';")" "$rows" \
  "rows of writer a"
expect_eq "$(sqlite3 "$db" "SELECT sum(n) FROM t WHERE writer='b';")" \
  "$((rows * (rows + 1) / 2))" "sum of writer b"
expect_eq "$(sqlite3 "$db" 'PRAGMA integrity_check;')" "ok" "integrity_check"
expect_eq "$(sqlite3 "$db" 'PRAGMA journal_mode;')" "wal" "WAL mode persists across connections"

expect_eq "$(sqlite3 "$db" 'PRAGMA wal_checkpoint(TRUNCATE);' | cut -d'|' -f1)" "0" "checkpoint"
expect_eq "$(sqlite3 "$db" 'PRAGMA journal_mode=DELETE;')" "delete" "leave WAL mode"
expect_eq "$(sqlite3 "$db" 'PRAGMA integrity_check; SELECT count(*) FROM t;' | tr '\n' ' ')" \
  "ok $((2 * rows)) " "after checkpoint"
pass
