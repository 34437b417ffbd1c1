#!/usr/bin/env bash
# fio with verification on an irpfs mount while the stats and faults (latency only)
# filters are attached and detached over and over through the control socket: every
# attach and detach must succeed and no I/O may fail or read back wrong data.
#   live_stack_fio.sh MOUNTED_DIR   (an irpfs mount; $IRPFS is the irpfs binary)
# shellcheck source=../lib.sh
source "$(dirname "$0")/../lib.sh"
need fio
[[ -x "${IRPFS:-}" ]] || fail "IRPFS must name the irpfs binary"
"$IRPFS" devstack "$mount_dir" >/dev/null || fail "$mount_dir has no control channel"

cd "$scratch"
fio --output="$scratch/fio.log" --directory="$work" --verify_state_save=0 \
  --ioengine=psync --verify=crc32c --do_verify=1 --verify_fatal=1 --group_reporting \
  --name=randrw --rw=randrw --bs=4k --size=32M --numjobs=2 --runtime=60 &
fio_pid=$!
background_pids+=("$fio_pid")

changes=0
change() {
  "$IRPFS" "$@" >"$scratch/change.out" 2>&1 ||
    { cat "$scratch/change.out" >&2; kill "$fio_pid" 2>/dev/null; fail "irpfs $* failed"; }
  changes=$((changes + 1))
}
while kill -0 "$fio_pid" 2>/dev/null; do
  change attach "$mount_dir" stats
  change attach "$mount_dir" faults:latency=read\|write:200us
  sleep 0.05
  change detach "$mount_dir" stats
  sleep 0.05
  change detach "$mount_dir" faults
done
wait "$fio_pid" || { cat "$scratch/fio.log" >&2; fail "fio exited with an error"; }
if grep -qi 'verify.*\(bad\|fail\)' "$scratch/fio.log"; then fail "fio reported verification errors"; fi
errors=$(grep -o 'err= *[0-9]*' "$scratch/fio.log" | tr -d ' ' | sort -u)
expect_eq "$errors" "err=0" "fio job errors"
[[ $changes -ge 8 ]] || fail "only $changes stack changes happened while fio ran"
echo "stack changed $changes times during fio"
pass
