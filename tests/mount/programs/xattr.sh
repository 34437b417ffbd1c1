#!/usr/bin/env bash
# Extended attributes in the user.* namespace: set, get (text and binary), list, replace,
# remove, on files and directories, and the errors for missing names.
# shellcheck source=../lib.sh
source "$(dirname "$0")/../lib.sh"
need setfattr getfattr

cd "$work"
: >f
mkdir d
setfattr -n user.greeting -v hello f
expect_eq "$(getfattr --only-values -n user.greeting f)" "hello" "text value"
setfattr -n user.binary -v 0x00ff10fe f
expect_eq "$(getfattr -e hex -n user.binary f | sed -n 's/^user.binary=//p')" "0x00ff10fe" \
  "binary value"
setfattr -n user.empty f
expect_eq "$(getfattr -e hex -n user.empty f | grep -c '^user.empty')" "1" "empty value present"
expect_eq "$(getfattr -d -m '^user\.' --absolute-names f | grep -c '^user\.')" "3" "list"

setfattr -n user.greeting -v replaced f
expect_eq "$(getfattr --only-values -n user.greeting f)" "replaced" "replaced value"
big=$(head -c 3000 /dev/zero | tr '\0' 'v')
setfattr -n user.big -v "$big" f
expect_eq "$(getfattr --only-values -n user.big f)" "$big" "3000-byte value"

setfattr -x user.greeting f
if getfattr -n user.greeting f >/dev/null 2>&1; then fail "removed attribute still readable"; fi
if setfattr -x user.greeting f 2>/dev/null; then fail "removing a missing attribute succeeded"; fi
expect_eq "$(getfattr -d -m '^user\.' --absolute-names f | grep -c '^user\.')" "3" \
  "list after removal"

setfattr -n user.on-dir -v dirvalue d
expect_eq "$(getfattr --only-values -n user.on-dir d)" "dirvalue" "attribute on a directory"

# Attributes belong to the inode: visible through a hard link, kept by rename.
ln f f-link
expect_eq "$(getfattr -e hex -n user.binary f-link | sed -n 's/^user.binary=//p')" "0x00ff10fe" \
  "attribute through a hard link"
mv f moved
expect_eq "$(getfattr --only-values -n user.big moved)" "$big" "attribute after rename"
pass
