#!/usr/bin/env bash
# An irpfs mount with `-o noxattr`: every xattr request is answered ENOSYS, so
# (a) setfattr, getfattr and listing fail with "Operation not supported" and programs
#     that copy attributes when they can (cp -a) go on without them;
# (b) the kernel stops asking for security.capability: writes that each follow an
#     attribute refresh (which clears the kernel's S_NOSEC mark) send no IRP_MJ_QUERY_EA
#     (with xattrs on, each such write sends one; counted by the stats filter).
#   noxattr.sh MOUNTED_DIR   ($IRPFS is the irpfs binary; the mount carries --filter stats)
# shellcheck source=../lib.sh
source "$(dirname "$0")/../lib.sh"
need setfattr getfattr stat cp
[[ -x "${IRPFS:-}" ]] || fail "IRPFS must name the irpfs binary"
"$IRPFS" stats "$mount_dir" >/dev/null 2>&1 || fail "mount the file system with --filter stats"

ea_irps() {
  "$IRPFS" stats "$mount_dir" |
    awk '$1 == "IRP_MJ_QUERY_EA" || $1 == "IRP_MJ_SET_EA" { n += $2 } END { print n + 0 }'
}

mkdir -p "$work"
cd "$work"
echo data >f

# (a) the calls fail cleanly, every time (the kernel remembers the ENOSYS).
for attempt in 1 2; do
  if out=$(setfattr -n user.color -v blue f 2>&1); then fail "setfattr succeeded (attempt $attempt)"; fi
  [[ $out == *"Operation not supported"* ]] || fail "setfattr said '$out' (attempt $attempt)"
  if out=$(getfattr -n user.color f 2>&1); then fail "getfattr succeeded (attempt $attempt)"; fi
  [[ $out == *"Operation not supported"* ]] || fail "getfattr said '$out' (attempt $attempt)"
done
if out=$(getfattr -d f 2>&1) && [[ -n $out ]]; then fail "getfattr -d listed '$out'"; fi
cp -a f g
expect_eq "$(cat g)" "data" "copy with cp -a"

# (b) 40 appends, each after a stat that refreshes the attributes the write made stale.
before=$(ea_irps)
for i in $(seq 40); do
  echo "line $i" >>f
  stat -c %s f >/dev/null
done
expect_eq "$(wc -l <f)" "41" "lines appended"
after=$(ea_irps)
expect_eq "$((after - before))" "0" "xattr IRPs sent for 40 writes after refreshes"
pass
