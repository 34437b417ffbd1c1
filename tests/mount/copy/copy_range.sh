#!/usr/bin/env bash
# copy_range.sh IRPFS memfs|mirror: server-side copy_file_range on a real mount.
#
# Proves: python3 os.copy_file_range (whole files, ranges at odd offsets, past the end,
# a file with holes) and `cp` of a multi-MiB file give the right bytes (cmp), and the
# server saw FSCTL_IRPFS_COPY_RANGE IRPs (IRP_MJ_FILE_SYSTEM_CONTROL in the stats filter)
# instead of READ/WRITE pairs: no WRITE and (almost) no READ while copying. On memfs the
# copy of a file with holes keeps them (st_blocks); on the mirror the host files match.
# shellcheck source=../robust/common.sh
source "$(dirname "$0")/../robust/common.sh"

irpfs_bin=${1:?usage: copy_range.sh IRPFS memfs|mirror}
kind=${2:?usage: copy_range.sh IRPFS memfs|mirror}
command -v python3 >/dev/null || { echo "SKIP [$test_name]: no python3"; exit 77; }
scratch=$(mktemp -d "${TMPDIR:-/tmp}/irpfs-copy-scratch.XXXXXX")
scratch_paths+=("$scratch")

# Mounts KIND at $mnt as a daemon with the stats filter; sets daemon_pid (common.sh).
mount_with_stats() {
  local out
  case $kind in
    memfs) out=$("$irpfs_bin" mount memfs "$mnt" --filter stats 2>&1) ;;
    mirror)
      source_dir=$(mktemp -d "${TMPDIR:-/tmp}/irpfs-copy-source.XXXXXX")
      scratch_paths+=("$source_dir")
      out=$("$irpfs_bin" mount mirror "$source_dir" "$mnt" --filter stats 2>&1)
      ;;
    *) fail "unknown kind $kind" ;;
  esac
  [[ $? -eq 0 ]] || fail "irpfs mount failed: $out"
  daemon_pid=$(sed -n 's/.*(pid \([0-9]*\),.*/\1/p' <<<"$out")
  local log
  log=$(sed -n 's/.*, log \(.*\))$/\1/p' <<<"$out")
  [[ -n "$log" ]] && daemon_logs+=("$log")
  is_mounted || fail "irpfs mount returned but $mnt is not in the mount table"
}

# stat_of MAJOR COLUMN: a column of `irpfs stats` (2 count, 3 errors, 4 bytes), 0 if absent.
stat_of() {
  awk -v major="$1" -v col="$2" '$1 == major { print $col; found = 1 } END { if (!found) print 0 }' \
    "$scratch/stats"
}

mount_with_stats
note "mounted $kind at $mnt (daemon $daemon_pid)"

# The inputs, written through the mount: a dense 6 MiB file and a 16 MiB file with two
# data extents (holes before, between and after).
head -c $((6 << 20)) /dev/urandom >"$scratch/dense"
cp "$scratch/dense" "$mnt/dense" || fail "writing the dense file failed"
python3 - "$mnt/holes" "$scratch/holes" <<'PY' || fail "writing the file with holes failed"
import os, sys
tail = os.urandom(256 << 10)
for path in sys.argv[1:]:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.ftruncate(fd, 16 << 20)
    os.pwrite(fd, b"\xa5" * (1 << 20), 4 << 20)
    os.pwrite(fd, tail, (12 << 20) + 5)
    os.close(fd)
PY
sync
"$irpfs_bin" stats "$mnt" --reset >/dev/null || fail "irpfs stats --reset failed"

python3 - "$mnt" <<'PY' || fail "copy_file_range through the mount failed"
import os, sys
mnt = sys.argv[1]

def copy_all(src, dst, offset_in=None, offset_out=None, length=1 << 40):
    """copy_file_range until it returns 0 (end of file) or length is done."""
    s = os.open(os.path.join(mnt, src), os.O_RDONLY)
    d = os.open(os.path.join(mnt, dst), os.O_WRONLY | os.O_CREAT, 0o644)
    done = 0
    while done < length:
        n = os.copy_file_range(s, d, length - done,
                               None if offset_in is None else offset_in + done,
                               None if offset_out is None else offset_out + done)
        if n == 0:
            break
        done += n
    os.close(s)
    os.close(d)
    return done

assert copy_all("dense", "whole") == 6 << 20
# An odd range into the middle of an existing file.
assert copy_all("dense", "part", 0, 0, 100) == 100
assert copy_all("dense", "part", 12345, 777, (1 << 20) + 3) == (1 << 20) + 3
# Past the source's end: nothing.
assert copy_all("dense", "part", 7 << 20, 0, 4096) == 0
# The file with holes, whole.
assert copy_all("holes", "holes_copy") == 16 << 20
# Overlap within one file is EINVAL.
fd = os.open(os.path.join(mnt, "whole"), os.O_RDWR)
try:
    os.copy_file_range(fd, fd, 4096, 0, 100)
    sys.exit("overlapping copy_file_range succeeded")
except OSError as e:
    assert e.errno == 22, e
os.close(fd)
PY
cp "$mnt/dense" "$mnt/cp_copy" || fail "cp failed"
"$irpfs_bin" stats "$mnt" >"$scratch/stats" || fail "irpfs stats failed"

fsctl=$(stat_of IRP_MJ_FILE_SYSTEM_CONTROL 2)
fsctl_errors=$(stat_of IRP_MJ_FILE_SYSTEM_CONTROL 3)
writes=$(stat_of IRP_MJ_WRITE 2)
read_bytes=$(stat_of IRP_MJ_READ 4)
note "while copying 28 MiB: $fsctl FILE_SYSTEM_CONTROL IRPs ($fsctl_errors refused)," \
  "$writes WRITE IRPs, $read_bytes bytes READ"
# Four python copies and cp: at least five IRPs. The copy past the end of file and the
# overlapping one never reach the server: the kernel answers them itself (0, EINVAL).
[[ $fsctl -ge 5 ]] || fail "expected copy-range IRPs, saw $fsctl FILE_SYSTEM_CONTROL: $(cat "$scratch/stats")"
[[ $fsctl_errors -eq 0 ]] || fail "$fsctl_errors copy-range IRPs failed"
[[ $writes -eq 0 ]] || fail "the copies went through $writes WRITE IRPs: $(cat "$scratch/stats")"
[[ $read_bytes -lt $((1 << 20)) ]] || fail "the copies read $read_bytes bytes through READ"

# The bytes.
cmp "$scratch/dense" "$mnt/whole" || fail "whole-file copy differs"
cmp "$scratch/dense" "$mnt/cp_copy" || fail "cp copy differs"
cmp "$scratch/holes" "$mnt/holes_copy" || fail "copy of the file with holes differs"
python3 - "$scratch/dense" "$mnt/part" <<'PY' || fail "range copy differs"
import sys
src = open(sys.argv[1], "rb").read()
# 100 bytes at 0, a gap of zeros, then the range placed at 777.
want = src[:100] + b"\0" * 677 + src[12345:12345 + (1 << 20) + 3]
got = open(sys.argv[2], "rb").read()
sys.exit(0 if got == want else "range copy: %d bytes, expected %d" % (len(got), len(want)))
PY
if [[ $kind == memfs ]]; then
  # memfs copies chunk by chunk and leaves the source's holes as holes.
  blocks_src=$(stat -c %b "$mnt/holes")
  blocks_copy=$(stat -c %b "$mnt/holes_copy")
  note "file with holes: $blocks_src blocks, its copy $blocks_copy blocks (16 MiB = 32768)"
  [[ $blocks_copy -le $((blocks_src + 256)) ]] || fail "the copy filled the holes ($blocks_copy blocks)"
else
  cmp "$scratch/dense" "$source_dir/whole" || fail "host file of the whole copy differs"
  cmp "$scratch/dense" "$source_dir/cp_copy" || fail "host file of the cp copy differs"
fi

out=$(timeout 20 "$irpfs_bin" unmount "$mnt" 2>&1) || fail "irpfs unmount failed: $out"
for _ in $(seq 50); do is_alive "$daemon_pid" || break; sleep 0.1; done
daemon_pid=
echo "PASS [$test_name]"
