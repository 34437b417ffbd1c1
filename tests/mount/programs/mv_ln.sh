#!/usr/bin/env bash
# mv (within the mount, into it from another file system, directories, over existing files)
# and ln (hard links, symbolic links, ln -sf replacing a link).
# shellcheck source=../lib.sh
source "$(dirname "$0")/../lib.sh"
need mv ln readlink stat

cd "$work"
printf 'one\n' >f1
mv f1 f2
[[ ! -e f1 ]] || fail "mv left the source"
expect_eq "$(cat f2)" "one" "content after mv"

mkdir -p d1/sub && printf 'deep\n' >d1/sub/file
mv d1 d2
expect_eq "$(cat d2/sub/file)" "deep" "content after mv of a directory"

printf 'outside\n' >"$scratch/from-outside"
mv "$scratch/from-outside" ./moved-in
[[ ! -e "$scratch/from-outside" ]] || fail "cross-file-system mv left the source"
expect_eq "$(cat moved-in)" "outside" "content after cross-file-system mv"

printf 'new\n' >replacement
mv -f replacement f2
expect_eq "$(cat f2)" "new" "mv over an existing file"

mv f2 d2/sub/
expect_eq "$(cat d2/sub/f2)" "new" "mv into a directory"

mkdir target-dir
if mv d2 target-dir/ 2>/dev/null; then :; else fail "mv of a directory into another"; fi
[[ -d target-dir/d2/sub ]] || fail "directory tree after mv into a directory"

ln moved-in hard
expect_eq "$(stat -c %h moved-in)" "2" "link count after ln"
echo more >>hard
expect_eq "$(cat moved-in)" "$(printf 'outside\nmore')" "write through one hard link seen by the other"
rm hard
expect_eq "$(stat -c %h moved-in)" "1" "link count after removing a link"

ln -s moved-in soft
expect_eq "$(readlink soft)" "moved-in" "readlink"
expect_eq "$(stat -c %F soft)" "symbolic link" "lstat type of a symlink"
expect_eq "$(cat soft)" "$(cat moved-in)" "read through a symlink"
ln -s target-dir/d2 dirlink
expect_eq "$(cat dirlink/sub/file)" "deep" "path through a directory symlink"
ln -sf target-dir soft
expect_eq "$(readlink soft)" "target-dir" "ln -sf replaced the link"
if ln -s x moved-in 2>/dev/null; then fail "ln -s over an existing name succeeded"; fi
if ln target-dir hard-dir 2>/dev/null; then fail "hard link of a directory succeeded"; fi
pass
