#!/usr/bin/env bash
# An irpfs mirror mount with the stats filter, which must see every READ and WRITE: it
# refuses the backing descriptor query, so passthrough turns itself off and the reads
# reach the stack (stats counts them). Then the filter is detached and attached live
# around a file held open, which shows the mixed-mode rule (docs/mirror.md).
#   passthrough_filtered.sh MOUNTED_DIR   (mounted with --filter stats; $IRPFS is irpfs)
# shellcheck source=../lib.sh
source "$(dirname "$0")/../lib.sh"
need dd cmp
[[ -x "${IRPFS:-}" ]] || fail "IRPFS must name the irpfs binary"

counter() {
  "$IRPFS" passthrough "$mount_dir" | awk -F': ' -v k="$1" '$1 == k { print $2 }'
}
# stats_reads: IRP_MJ_READ count of the stats filter (0 when none yet).
stats_reads() {
  "$IRPFS" stats "$mount_dir" | awk '$1 == "IRP_MJ_READ" { n = $2 } END { print n + 0 }'
}
[[ "$(counter enabled)" == yes ]] || skip "passthrough is not available on this kernel/process"
"$IRPFS" devstack "$mount_dir" | grep -q stats || fail "the mount has no stats filter"
mkdir -p "$work"

dd if=/dev/urandom of="$scratch/data" bs=1M count=4 status=none
dd if="$scratch/data" of="$work/data" bs=1M status=none conv=fsync
echo 3 >/proc/sys/vm/drop_caches
reads=$(counter readRequests)
before=$(stats_reads)
cmp "$scratch/data" "$work/data" || fail "data read back differs"
expect_eq "$(counter passthroughOpens)" 0 "passthrough opens under the stats filter"
[[ $(counter serverOpens) -ge 2 ]] || fail "opens were not counted as served by the stack"
[[ $(counter readRequests) -gt $reads ]] || fail "no READ request reached the server"
[[ $(stats_reads) -gt $before ]] || fail "the stats filter saw no IRP_MJ_READ"

# Live detach and attach around an open file. The kernel wants every open of an inode
# with passthrough opens to be passthrough too, so an open made after the attach inherits
# the node's backing file (the filter does not see it) until the file's opens are closed.
"$IRPFS" detach "$mount_dir" stats >/dev/null || fail "detach stats"
sleep 0.2  # the RELEASEs of the cached opens above are asynchronous
exec 3<"$work/data"
expect_eq "$(counter livePassthroughOpens)" 1 "passthrough opens once the filter is gone"
"$IRPFS" attach "$mount_dir" stats >/dev/null || fail "attach stats"
inherited=$(counter inheritedOpens)
cmp "$scratch/data" "$work/data" || fail "data read by a second open differs"
expect_eq "$(counter inheritedOpens)" "$((inherited + 1))" "opens that inherited passthrough"
cmp <(cat <&3) "$scratch/data" || fail "data read through the first open differs"
exec 3<&-
sleep 0.2  # RELEASE is asynchronous
expect_eq "$(counter liveBackingIds)" 0 "backing ids after the last close"
# All closed: the next open goes through the filter again.
echo 3 >/proc/sys/vm/drop_caches
opens=$(counter passthroughOpens)
before=$(stats_reads)
cmp "$scratch/data" "$work/data" || fail "data read through the filter differs"
expect_eq "$(counter passthroughOpens)" "$opens" "passthrough opens with the filter back"
[[ $(stats_reads) -gt $before ]] || fail "reads did not reach the re-attached filter"
rm -rf "$work"
pass
