#!/usr/bin/env bash
# fio with data verification: two jobs of random mixed reads and writes on 32 MB files with
# crc32c checksums verified after the write phase, and one sequential job with large blocks.
# shellcheck source=../lib.sh
source "$(dirname "$0")/../lib.sh"
need fio

# fio drops verify state files into its working directory: keep them out of the caller's.
cd "$scratch"
fio --output="$scratch/fio.log" --directory="$work" --verify_state_save=0 \
  --ioengine=psync --verify=crc32c --do_verify=1 --verify_fatal=1 --group_reporting \
  --name=randrw --rw=randrw --bs=4k --size=32M --numjobs=2 \
  --name=seq --rw=write --bs=1M --size=32M --numjobs=1 ||
  { cat "$scratch/fio.log" >&2; fail "fio exited with an error"; }
if grep -qi 'verify.*\(bad\|fail\)' "$scratch/fio.log"; then fail "fio reported verification errors"; fi
errors=$(grep -o 'err= *[0-9]*' "$scratch/fio.log" | tr -d ' ' | sort -u)
expect_eq "$errors" "err=0" "fio job errors"
pass
