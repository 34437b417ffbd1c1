#!/usr/bin/env bash
# truncate(1) growing and shrinking, and dd with seek= leaving holes: size, content of the
# holes (zeros) and data, and, reported only, whether the holes are unallocated.
# shellcheck source=../lib.sh
source "$(dirname "$0")/../lib.sh"
need truncate dd cmp du stat

cd "$work"
printf 'abcdefghij' >t
truncate -s 4 t
expect_eq "$(stat -c %s t)" "4" "truncate -s 4"
expect_eq "$(cat t)" "abcd" "content after shrinking"
truncate -s 1M t
expect_eq "$(stat -c %s t)" "1048576" "truncate -s 1M"
{ printf 'abcd'; head -c $((1048576 - 4)) /dev/zero; } >"$scratch/t.expected"
cmp t "$scratch/t.expected" || fail "content after growing is not zero filled"
truncate -s -1000 t
expect_eq "$(stat -c %s t)" "1047576" "truncate -s -1000"
truncate -s 0 t
expect_eq "$(stat -c %s t)" "0" "truncate -s 0"

# 64 KiB of data at 0, 1 MiB and 5 MiB, nothing in between: a 5 MiB + 64 KiB sparse file.
seq 1 20000 >"$scratch/block"
truncate -s 65536 "$scratch/block"
for off in 0 16 80; do
  dd if="$scratch/block" of=holes bs=64K seek="$off" conv=notrunc status=none
done
expect_eq "$(stat -c %s holes)" "$((81 * 65536))" "size after dd seek"
{
  cat "$scratch/block"
  head -c $((15 * 65536)) /dev/zero
  cat "$scratch/block"
  head -c $((63 * 65536)) /dev/zero
  cat "$scratch/block"
} >"$scratch/holes.expected"
cmp holes "$scratch/holes.expected" || fail "dd with holes: content differs"

# Reading a hole with dd skip= returns zeros.
dd if=holes of="$scratch/hole-part" bs=64K skip=40 count=2 status=none
cmp "$scratch/hole-part" <(head -c 131072 /dev/zero) || fail "hole does not read as zeros"

# dd with seek beyond the end but no data: conv=notrunc keeps size; without, extends.
dd if=/dev/null of=extend bs=1 seek=12345 status=none
expect_eq "$(stat -c %s extend)" "12345" "dd seek without data extends the file"

# Overwrite in the middle without truncating.
printf 'XYZ' | dd of=holes bs=1 seek=10 conv=notrunc status=none
expect_eq "$(head -c 13 holes | tail -c 3)" "XYZ" "dd conv=notrunc overwrite"
expect_eq "$(stat -c %s holes)" "$((81 * 65536))" "size after overwrite"

allocated=$(du -k holes | cut -f1)
if [[ $allocated -lt $((81 * 64)) ]]; then
  echo "note [$test_name]: holes are sparse (${allocated} KiB allocated of $((81 * 64)))"
else
  echo "note [$test_name]: holes are allocated (${allocated} KiB); allowed"
fi
pass
