#!/usr/bin/env bash
# cp -a of a tree with files, sub directories, symlinks, hard links, a fifo, odd modes and
# set times into the mount and back out; contents, modes, link counts and times must survive.
# shellcheck source=../lib.sh
source "$(dirname "$0")/../lib.sh"
need cp diff stat find

src="$scratch/src"
mkdir -p "$src/a/b/c" "$src/empty-dir" "$src/modes"
printf 'hello\n' >"$src/top.txt"
head -c 300000 /dev/zero | tr '\0' 'x' >"$src/a/big.bin"
seq 1 20000 >"$src/a/b/numbers.txt"
: >"$src/a/b/c/empty"
ln -s ../top.txt "$src/a/link-to-top"
ln -s does-not-exist "$src/a/dangling"
ln "$src/top.txt" "$src/a/b/hardlink"
mkfifo "$src/a/fifo"
for m in 600 640 700 755 444 4755 2755 1777; do
  : >"$src/modes/m$m"
  chmod "$m" "$src/modes/m$m"
done
chmod 0700 "$src/a/b/c"
chown 1234:5678 "$src/a/b/numbers.txt"
touch -h -d '2001-02-03 04:05:06.123456789 UTC' "$src/a/link-to-top"
touch -d '2010-01-01 00:00:00.5 UTC' "$src/top.txt" "$src/a/b/c"

# diff -r cannot compare fifos (it calls any two of them different), so -x fifo leaves the
# fifo to the stat listing.
# %n %F %a %h %s %u %g and mtime with nanoseconds; directory sizes are file system detail.
listing() {
  (cd "$1" && find . -mindepth 1 | LC_ALL=C sort | while read -r p; do
    if [[ -d "$p" && ! -L "$p" ]]; then
      stat -c '%n %F %a %h %u %g %y' "$p"
    else
      stat -c '%n %F %a %h %s %u %g %y' "$p"
    fi
  done)
}

cp -a "$src" "$work/copy"
diff -r --no-dereference -x fifo "$src" "$work/copy" || fail "diff -r after cp -a into the mount"
listing "$src" >"$scratch/src.list"
listing "$work/copy" >"$scratch/copy.list"
diff -u "$scratch/src.list" "$scratch/copy.list" || fail "stat listing differs after cp -a in"

cp -a "$work/copy" "$scratch/back"
diff -r --no-dereference -x fifo "$src" "$scratch/back" || fail "diff -r after cp -a out of the mount"
listing "$scratch/back" >"$scratch/back.list"
diff -u "$scratch/src.list" "$scratch/back.list" || fail "stat listing differs after cp -a out"

# Copy within the mount, then the copies are independent files.
cp -a "$work/copy" "$work/copy2"
diff -r --no-dereference -x fifo "$work/copy" "$work/copy2" || fail "diff -r of a copy within the mount"
echo changed >"$work/copy2/top.txt"
expect_eq "$(cat "$work/copy/top.txt")" "hello" "original after changing the copy"
expect_eq "$(stat -c %h "$work/copy/top.txt")" "2" "hard link count kept by cp -a"
pass
