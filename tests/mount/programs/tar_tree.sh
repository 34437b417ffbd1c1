#!/usr/bin/env bash
# tar extraction of a sizeable tree: 2000 files, about 30 MB of deterministic content, built
# outside the mount, extracted into it, compared byte for byte, then archived again from the
# mount with the same listing (modes, owners, sizes, times).
# shellcheck source=../lib.sh
source "$(dirname "$0")/../lib.sh"
need tar awk diff cmp

src="$scratch/src/tree"
mkdir -p "$src"
# 40 directories of 50 files; file i holds about 1-29 KB of numbered lines, plus three
# 1.5 MB files that need many large writes.
awk -v root="$src" 'BEGIN {
  for (d = 0; d < 40; d++) {
    dir = sprintf("%s/dir%02d", root, d)
    system("mkdir -p " dir)
    for (f = 0; f < 50; f++) {
      i = d * 50 + f
      path = sprintf("%s/file%04d.txt", dir, i)
      target = 1000 + (i * 7919) % 28000
      written = 0
      for (line = 0; written < target; line++) {
        text = sprintf("file %d line %d %08x\n", i, line, (i * 2654435761 + line * 40503) % 4294967296)
        printf "%s", text > path
        written += length(text)
      }
      close(path)
    }
  }
  for (b = 0; b < 3; b++) {
    path = sprintf("%s/big%d.dat", root, b)
    for (line = 0; line < 50000; line++) printf "big %d %07d abcdefghijklmnop\n", b, line > path
    close(path)
  }
}'
chmod 0600 "$src/dir03/file0150.txt"
chmod 0755 "$src/dir07"
ln -s dir00/file0000.txt "$src/link"

count=$(find "$src" -type f | wc -l)
expect_eq "$count" "2003" "generated file count"
bytes=$(du -sb "$src" | cut -f1)
[[ $bytes -gt 25000000 ]] || fail "generated tree is only $bytes bytes"

tar -C "$scratch/src" -cf "$scratch/tree.tar" tree
tar -C "$work" -xpf "$scratch/tree.tar"
diff -r --no-dereference "$src" "$work/tree" || fail "diff -r after tar extraction"
cmp "$src/big2.dat" "$work/tree/big2.dat" || fail "cmp of a large file"

listing() { tar -tvf "$1" | awk '{ $4 = ""; print }' | LC_ALL=C sort; }
tar -C "$work" -cf "$scratch/again.tar" tree
diff <(listing "$scratch/tree.tar") <(listing "$scratch/again.tar") ||
  fail "tar listing of the mount differs from the source"
expect_eq "$(find "$work/tree" -type f | wc -l)" "2003" "extracted file count"
pass
