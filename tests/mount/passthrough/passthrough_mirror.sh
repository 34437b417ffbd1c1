#!/usr/bin/env bash
# FUSE passthrough on an irpfs mirror mount (on by default): opens of regular files are
# answered with backing files, so the kernel reads and writes the host file itself and
# sends no READ or WRITE. Checks data (dd/cmp, fio --verify, mmap, O_DIRECT, one file open
# twice and from two processes) and, over the control socket (`irpfs passthrough`), that
# opens went passthrough and that the reads sent no READ request.
#   passthrough_mirror.sh MOUNTED_DIR   ($IRPFS is the irpfs binary)
# shellcheck source=../lib.sh
source "$(dirname "$0")/../lib.sh"
need fio dd cmp
[[ -x "${IRPFS:-}" ]] || fail "IRPFS must name the irpfs binary"

# counter NAME: one value of `irpfs passthrough`.
counter() {
  "$IRPFS" passthrough "$mount_dir" | awk -F': ' -v k="$1" '$1 == k { print $2 }'
}
[[ "$(counter enabled)" == yes ]] || skip "passthrough is not available on this kernel/process"
mkdir -p "$work"

# (a) dd + cmp: a 16 MiB file written and read back through the mount.
dd if=/dev/urandom of="$scratch/data" bs=1M count=16 status=none
opens=$(counter passthroughOpens)
dd if="$scratch/data" of="$work/data" bs=1M status=none conv=fsync
reads=$(counter readRequests)
writes=$(counter writeRequests)
echo 3 >/proc/sys/vm/drop_caches
cmp "$scratch/data" "$work/data" || fail "data read back differs"
cat "$work/data" >/dev/null
expect_eq "$(counter readRequests)" "$reads" "READ requests while reading passthrough files"
expect_eq "$(counter writeRequests)" "$writes" "WRITE requests after the passthrough write"
[[ $(counter passthroughOpens) -ge $((opens + 3)) ]] || fail "opens did not go passthrough"
sleep 0.2  # RELEASE is asynchronous
expect_eq "$(counter liveBackingIds)" 0 "backing ids left after every file was closed"

# A backing id lives while its node has passthrough opens, one per node.
exec 3<"$work/data" 4<"$work/data"
expect_eq "$(counter liveBackingIds)" 1 "backing ids with one file open twice"
expect_eq "$(counter livePassthroughOpens)" 2 "passthrough opens of one file"
exec 3<&- 4<&-
sleep 0.2  # RELEASE is asynchronous
expect_eq "$(counter liveBackingIds)" 0 "backing ids after the two closes"

# fio with verification (its own files, created through CREATE).
fio --output="$scratch/fio.log" --directory="$work" --verify_state_save=0 \
  --ioengine=psync --verify=crc32c --do_verify=1 --verify_fatal=1 --group_reporting \
  --name=pt --rw=randrw --bs=4k --size=16M --numjobs=2 >/dev/null ||
  { cat "$scratch/fio.log" >&2; fail "fio failed"; }
errors=$(grep -o 'err= *[0-9]*' "$scratch/fio.log" | tr -d ' ' | sort -u)
expect_eq "$errors" "err=0" "fio job errors"
expect_eq "$(counter writeRequests)" "$writes" "WRITE requests after fio"

# (c) shared mmap and O_DIRECT on passthrough files.
out=$("$(helper mmap_check)" "$work/mapped") || fail "mmap_check: $out"
expect_eq "$out" "ok" "mmap_check"
out=$("$(helper odirect_check)" "$work/direct") || fail "odirect_check: $out"
expect_eq "$out" "ok" "odirect_check"

# (d) the same file open read-only and read-write at once, and from two processes.
printf 'hello passthrough\n' >"$work/shared"
exec 5<"$work/shared" 6<>"$work/shared"
printf 'HELLO' >&6
expect_eq "$(head -c 5 <&5)" "HELLO" "a write through the rw open seen by the r open"
exec 5<&- 6<&-
for i in 1 2; do
  (for n in $(seq 1 200); do printf '%08d\n' "$n"; done >"$work/proc.$i" &&
    cmp <(seq -f '%08g' 1 200) "$work/proc.$i") &
  background_pids+=($!)
done
wait "${background_pids[@]}" || fail "concurrent writers/readers"
background_pids=()
(dd if="$work/data" bs=64k status=none | cmp - "$scratch/data") &
p1=$!
(dd if="$work/data" bs=1M status=none | cmp - "$scratch/data") &
p2=$!
wait $p1 || fail "reader 1 saw wrong data"
wait $p2 || fail "reader 2 saw wrong data"
expect_eq "$(counter readRequests)" "$reads" "READ requests after all of the above"
expect_eq "$(counter registerFailures)" 0 "backing registrations that failed"
rm -rf "$work"
pass
