#!/usr/bin/env bash
# FUSE_HANDLE_KILLPRIV_V2 on an irpfs mount (asked for by memfs and the mirror): the file
# system drops set-ID bits and file capabilities itself, so
# (a) the kernel marks a checked inode S_NOSEC and stops sending a GETXATTR of
#     security.capability before every write (counted as IRP_MJ_QUERY_EA when the mount
#     carries the stats filter);
# (b) the mode the kernel caches follows what the file system dropped: `stat -c %A` asks
#     for the mode alone, which the kernel answers from its cache while it is valid, so a
#     stale set-ID bit would show here (the write's reply carries no attributes);
# (c) on a passthrough mount, a set-ID file is not opened passthrough (its writes must
#     reach the server, which drops the bits); other files still are.
#   killpriv.sh MOUNTED_DIR   ($IRPFS is the irpfs binary)
# shellcheck source=../lib.sh
source "$(dirname "$0")/../lib.sh"
need setpriv fallocate stat dd truncate
[[ -x "${IRPFS:-}" ]] || fail "IRPFS must name the irpfs binary"
[[ $(id -u) -eq 0 ]] || skip "needs root (a second user writes)"

as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups -- "$@"; }
query_ea_count() {
  "$IRPFS" stats "$mount_dir" | awk '$1 == "IRP_MJ_QUERY_EA" { n = $2 } END { print n + 0 }'
}
pt_counter() {
  "$IRPFS" passthrough "$mount_dir" | awk -F': ' -v k="$1" '$1 == k { print $2 }'
}

mkdir -p "$work"
chmod 777 "$work"
cd "$work"

# (a) 200 writes to one file: the capability question is asked once, not per write.
if "$IRPFS" stats "$mount_dir" >/dev/null 2>&1; then
  : >data
  before=$(query_ea_count)
  dd if=/dev/zero of=data bs=4k count=200 conv=notrunc status=none
  asked=$(($(query_ea_count) - before))
  [[ $asked -le 2 ]] || fail "200 writes sent $asked capability queries (killpriv_v2 not in effect?)"
  counted=1
fi

# (b) what another user's change drops, the kernel's cached mode loses at once.
for change in write fallocate truncate-open; do
  : >f
  chmod 6757 f
  expect_eq "$(stat -c %A f)" "-rwsr-srwx" "mode before the $change"
  case $change in
    write) as_nobody sh -c 'echo more >>f' ;;
    fallocate) as_nobody fallocate -l 8192 f ;;
    truncate-open) as_nobody sh -c ': >f' ;;
  esac
  expect_eq "$(stat -c %A f)" "-rwxr-xrwx" "cached mode right after another user's $change"
done
# Root keeps them (CAP_FSETID), and the cache says so too.
chmod 6757 f
echo root >>f
expect_eq "$(stat -c %A f)" "-rwsr-srwx" "mode after root's write"
# Root without CAP_FSETID loses them: the kernel flags its writes, and the file system,
# itself run by root, drops the bits for it.
chmod 6757 f
setpriv --inh-caps=-fsetid --bounding-set=-fsetid -- sh -c 'echo capless >>f'
expect_eq "$(stat -c %A f)" "-rwxr-xrwx" "mode after a write by root without CAP_FSETID"

# (c) passthrough: a set-ID file is served by irpfs, a plain one is not.
# (The stats filter touches data, so a mount that has it opens nothing passthrough.)
if [[ -z "${counted:-}" && "$(pt_counter enabled 2>/dev/null || true)" == yes ]]; then
  chmod 4757 f
  server=$(pt_counter serverOpens)
  as_nobody sh -c 'echo pt >>f'
  [[ $(pt_counter serverOpens) -gt $server ]] || fail "a set-ID file was opened passthrough"
  expect_eq "$(stat -c %A f)" "-rwxr-xrwx" "set-user-ID after a write by another user"
  opens=$(pt_counter passthroughOpens)
  echo plain >>f  # no set-ID bit any more
  [[ $(pt_counter passthroughOpens) -gt $opens ]] || fail "a plain file was not opened passthrough"
  counted=1
fi
# A mount with neither the stats filter nor passthrough would check only (b).
[[ -n "${counted:-}" ]] || fail "mount the file system with --filter stats or passthrough"
pass
