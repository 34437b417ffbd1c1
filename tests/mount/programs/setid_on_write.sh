#!/usr/bin/env bash
# What a write, a truncate and a chown take from a file, as Linux does it: set-user-ID and
# set-group-ID (with group execute) when the writer is not root, file capabilities
# (security.capability) from any writer. Over FUSE without FUSE_HANDLE_KILLPRIV_V2 the
# kernel asks the file system for each change (GETXATTR, SETATTR, REMOVEXATTR).
# shellcheck source=../lib.sh
source "$(dirname "$0")/../lib.sh"
need setpriv setfattr getfattr truncate stat
[[ $(id -u) -eq 0 ]] || skip "needs root (a second user writes, file capabilities)"

# A version-2 capability set: cap_net_bind_service permitted.
caps=0x0000000200040000000000000000000000000000
as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups -- "$@"; }
has_caps() { getfattr -n security.capability "$1" >/dev/null 2>&1 && echo yes || echo no; }

cd "$work"
chmod 755 "$work"
: >f
chmod 6757 f
if ! setfattr -n security.capability -v "$caps" f 2>/dev/null; then
  skip "the file system under test keeps no security.capability"
fi
expect_eq "$(has_caps f)" "yes" "capabilities set"

as_nobody sh -c 'echo one >>f'
expect_eq "$(stat -c %a f)" "757" "a write by another user drops set-user-ID and set-group-ID"
expect_eq "$(has_caps f)" "no" "a write drops file capabilities"
expect_eq "$(cat f)" "one" "the write itself"

chmod 6757 f
setfattr -n security.capability -v "$caps" f
echo two >>f
expect_eq "$(stat -c %a f)" "6757" "root's write keeps the set-ID bits (CAP_FSETID)"
expect_eq "$(has_caps f)" "no" "root's write drops file capabilities too"

# Without group execute, set-group-ID marks mandatory locking; a write by a member of the
# file's group keeps it. (For a non-member Linux 6.x drops it on local file systems, while
# the FUSE kernel module keeps it, so that case is left out.)
chgrp 65534 f
chmod 2666 f
as_nobody sh -c 'echo four >>f'
expect_eq "$(stat -c %a f)" "2666" "set-group-ID without group execute stays for a member"
chgrp 0 f

chmod 4757 f
setfattr -n security.capability -v "$caps" f
as_nobody truncate -s 3 f
expect_eq "$(stat -c '%a %s' f)" "757 3" "a truncate by another user drops set-user-ID"
expect_eq "$(has_caps f)" "no" "a truncate drops file capabilities"

chmod 4757 f
setfattr -n security.capability -v "$caps" f
as_nobody sh -c ': >f'
expect_eq "$(stat -c '%a %s' f)" "757 0" "an O_TRUNC open by another user drops set-user-ID"

chmod 4755 f
setfattr -n security.capability -v "$caps" f
chown 1234 f
expect_eq "$(stat -c '%a %u' f)" "755 1234" "chown drops set-user-ID, even by root"
expect_eq "$(has_caps f)" "no" "chown drops file capabilities"
pass
