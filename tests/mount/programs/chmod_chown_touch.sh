#!/usr/bin/env bash
# chmod (octal, symbolic, recursive), chown/chgrp (including -h on a symlink) and touch with
# fixed dates read back to the nanosecond.
# shellcheck source=../lib.sh
source "$(dirname "$0")/../lib.sh"
need chmod chown touch stat
[[ $(id -u) -eq 0 ]] || skip "chown needs root"

cd "$work"
: >f
chmod 640 f
expect_eq "$(stat -c %a f)" "640" "chmod 640"
chmod u+x,g-r,o+w f
expect_eq "$(stat -c %a f)" "702" "symbolic chmod"
chmod 4755 f
expect_eq "$(stat -c %a f)" "4755" "chmod with set-user-ID"
mkdir -p tree/a/b && : >tree/a/b/leaf
chmod -R go-rwx tree
expect_eq "$(stat -c %a tree/a/b) $(stat -c %a tree/a/b/leaf)" "700 600" "chmod -R"

chown 1001:1002 f
expect_eq "$(stat -c '%u:%g %a' f)" "1001:1002 755" "chown (and set-user-ID dropped)"
chgrp 2002 f
expect_eq "$(stat -c '%u:%g' f)" "1001:2002" "chgrp"
chown -R 3003:3004 tree
expect_eq "$(stat -c '%u:%g' tree/a/b/leaf)" "3003:3004" "chown -R"
ln -s f link
chown -h 4004:4005 link
expect_eq "$(stat -c '%u:%g' link) $(stat -c '%u:%g' f)" "4004:4005 1001:2002" "chown -h on a symlink"

touch -d '2001-02-03 04:05:06.123456789 UTC' f
expect_eq "$(TZ=UTC stat -c '%y|%x' f)" \
  "2001-02-03 04:05:06.123456789 +0000|2001-02-03 04:05:06.123456789 +0000" "touch -d"
touch -m -d '2020-12-31 23:59:59 UTC' f
expect_eq "$(TZ=UTC stat -c '%y|%x' f)" \
  "2020-12-31 23:59:59.000000000 +0000|2001-02-03 04:05:06.123456789 +0000" "touch -m"
touch -a -d '1999-01-01 00:00:00.000000001 UTC' f
expect_eq "$(TZ=UTC stat -c '%x' f)" "1999-01-01 00:00:00.000000001 +0000" "touch -a"
: >ref
touch -r f ref
expect_eq "$(stat -c '%Y.%y' ref)" "$(stat -c '%Y.%y' f)" "touch -r"
touch -h -d '2002-02-02 02:02:02 UTC' link
expect_eq "$(TZ=UTC stat -c '%y' link)" "2002-02-02 02:02:02.000000000 +0000" "touch -h on a symlink"
touch new-by-touch
[[ -f new-by-touch ]] || fail "touch did not create a file"
before=$(date +%s)
touch f
[[ $(stat -c %Y f) -ge $((before - 1)) ]] || fail "touch without a date did not set now"
pass
