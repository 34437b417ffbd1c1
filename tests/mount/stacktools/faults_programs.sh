#!/usr/bin/env bash
# The faults filter against real programs, set and cleared at run time over the control
# socket:
#   cp reports the injected EIO;
#   sqlite3 reports a disk I/O error while writes to *.db fail, and after the fault is
#   cleared PRAGMA integrity_check says ok;
#   a write past the ENOSPC budget fails with ENOSPC and the data written before is intact.
#   faults_programs.sh MOUNTED_DIR   (an irpfs mount with --filter faults; $IRPFS set)
# shellcheck source=../lib.sh
source "$(dirname "$0")/../lib.sh"
need sqlite3 cmp
[[ -x "${IRPFS:-}" ]] || fail "IRPFS must name the irpfs binary"
faults() { "$IRPFS" faults "$mount_dir" "$@" >/dev/null || fail "irpfs faults $* failed"; }
mkdir -p "$work"

# ---- cp.
head -c 200000 /dev/urandom >"$scratch/source"
faults set 'op=write,status=EIO,path=*.copy'
if cp "$scratch/source" "$work/a.copy" 2>"$scratch/cp.err"; then fail "cp succeeded despite EIO"; fi
grep -q 'Input/output error' "$scratch/cp.err" || fail "cp did not report EIO: $(cat "$scratch/cp.err")"
faults clear
cp "$scratch/source" "$work/a.copy" || fail "cp failed after the fault was cleared"
cmp "$scratch/source" "$work/a.copy" || fail "the copy differs"

# ---- sqlite3.
db="$work/test.db"
sqlite3 "$db" 'CREATE TABLE t(x TEXT); INSERT INTO t VALUES ("before");' ||
  fail "sqlite3 could not create the database"
faults set 'op=write,status=EIO,path=*.db'
if sqlite3 "$db" 'INSERT INTO t VALUES (hex(randomblob(50000)));' 2>"$scratch/sqlite.err"; then
  fail "sqlite3 wrote despite EIO on *.db"
fi
grep -qi 'disk I/O error' "$scratch/sqlite.err" ||
  fail "sqlite3 did not report a disk I/O error: $(cat "$scratch/sqlite.err")"
faults clear
expect_eq "$(sqlite3 "$db" 'PRAGMA integrity_check;')" "ok" "integrity_check after the fault"
expect_eq "$(sqlite3 "$db" 'SELECT x FROM t;')" "before" "rows after the fault"

# ---- ENOSPC.
head -c 65536 /dev/urandom >"$scratch/first"
cp "$scratch/first" "$work/full.bin"
faults set 'enospc_after=64K'
dd if=/dev/zero of="$work/full.bin" bs=4k count=64 oflag=append conv=notrunc,fsync \
  2>/dev/null || true
if dd if=/dev/zero of="$work/full.bin" bs=64k count=4 oflag=append conv=notrunc,fsync \
  2>"$scratch/dd.err"; then
  fail "a write past the ENOSPC budget succeeded"
fi
grep -q 'No space left on device' "$scratch/dd.err" ||
  fail "the write did not fail with ENOSPC: $(cat "$scratch/dd.err")"
faults clear
cmp -n 65536 "$scratch/first" "$work/full.bin" || fail "data before the budget changed"
pass
