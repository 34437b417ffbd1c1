#!/usr/bin/env bash
# df and stat -f on the mount: a size line with non-zero blocks and sane free counts.
# shellcheck source=../lib.sh
source "$(dirname "$0")/../lib.sh"
need df stat awk

line=$(df -P -k "$mount_dir" | awk 'NR == 2')
[[ -n "$line" ]] || fail "df printed no line for the mount"
read -r _ size used avail _ mounted_on <<<"$line"
[[ $size -gt 0 ]] || fail "df size is $size"
[[ $avail -le $size ]] || fail "df available ($avail) exceeds size ($size)"
[[ $used -le $size ]] || fail "df used ($used) exceeds size ($size)"
[[ "$mount_dir" == "$mounted_on"* ]] || fail "df mount point '$mounted_on' is not above $mount_dir"
expect_eq "$(stat -f -c %l "$mount_dir")" "255" "maximum name length"
[[ $(stat -f -c %S "$mount_dir") -gt 0 ]] || fail "fundamental block size is 0"

# Writing 8 MB shows up in the free count (allowing for other activity: at least 4 MB).
before=$(df -P -k "$mount_dir" | awk 'NR == 2 { print $4 }')
head -c 8M /dev/zero | tr '\0' 'd' >"$work/fill"
sync "$work/fill"
after=$(df -P -k "$mount_dir" | awk 'NR == 2 { print $4 }')
[[ $((before - after)) -ge 4096 ]] ||
  fail "free space moved by $((before - after)) KiB after writing 8 MiB"
pass
