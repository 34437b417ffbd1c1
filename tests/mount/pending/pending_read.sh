#!/usr/bin/env bash
# pending_read.sh SERVER CLIENT IRPFS: a read held pending by a test driver, interrupted by
# a signal. Mounts pending_read_server (memfs + the hold filter, foreground, 2 threads,
# `-o sync_read`: without it the kernel never interrupts a READ; docs/fuse-mapping.md),
# runs pending_read_client against it (EINTR within 100 ms of SIGUSR1, then a normal read
# works), unmounts with `irpfs unmount`, and checks the filter's counts: every READ the
# filter held was completed through the cancel-safe queue's cancel path (IoCancelIrp,
# i.e. FUSE_INTERRUPT), none was left for the teardown to release.
# shellcheck source=../robust/common.sh
source "$(dirname "$0")/../robust/common.sh"

server=${1:?usage: pending_read.sh SERVER CLIENT IRPFS}
client=${2:?usage: pending_read.sh SERVER CLIENT IRPFS}
irpfs_bin=${3:?usage: pending_read.sh SERVER CLIENT IRPFS}
server_out=$(mktemp "${TMPDIR:-/tmp}/irpfs-pending-server.XXXXXX")
scratch_paths+=("$server_out")

"$server" "$mnt" 2 sync_read >"$server_out" 2>&1 &
daemon_pid=$!
for _ in $(seq 100); do
  grep -q '^mounted$' "$server_out" && break
  is_alive "$daemon_pid" || fail "the server exited before mounting: $(cat "$server_out")"
  sleep 0.1
done
grep -q '^mounted$' "$server_out" || fail "the server did not mount in 10 s"
is_mounted || fail "the server says mounted but $mnt is not in the mount table"

# In the background, polled: a client stuck in a request that is never answered cannot be
# killed (the kernel waits for the answer), so on a hang the cleanup kills the server,
# which ends the connection and frees the client.
"$client" "$mnt" &
client_pid=$!
background_pids+=("$client_pid")
for _ in $(seq 300); do is_alive "$client_pid" || break; sleep 0.1; done
is_alive "$client_pid" && fail "the client hung for 30 s (an interrupted read never came back)"
wait "$client_pid"
rc=$?
background_pids=()
[[ $rc -eq 0 ]] || fail "the client failed (exit $rc)"

out=$(timeout 5 stat -c %s "$mnt/plain" 2>&1) || fail "stat after the client failed: $out"

out=$(timeout 20 "$irpfs_bin" unmount "$mnt" 2>&1) || fail "irpfs unmount failed: $out"
is_mounted && fail "$mnt is still mounted after irpfs unmount"
for _ in $(seq 100); do is_alive "$daemon_pid" || break; sleep 0.1; done
is_alive "$daemon_pid" && fail "the server did not exit after the unmount"
wait "$daemon_pid" || fail "the server failed: $(cat "$server_out")"
daemon_pid=

counts=$(grep '^hold:' "$server_out") || fail "no counts from the server: $(cat "$server_out")"
note "$counts"
pended=$(sed -n 's/.*pended=\([0-9]*\).*/\1/p' <<<"$counts")
canceled=$(sed -n 's/.*canceled=\([0-9]*\).*/\1/p' <<<"$counts")
released=$(sed -n 's/.*released=\([0-9]*\).*/\1/p' <<<"$counts")
# The client interrupts four reads; the kernel may retry a failed page-cache read once
# (read_folio after readahead), so at least four READs were held.
((pended >= 4)) || fail "the filter held only $pended READs; expected at least 4"
((canceled == pended)) || fail "$canceled of $pended held READs were canceled (expected all)"
((released == 0)) || fail "$released held READs were left for the teardown (not canceled)"
echo "PASS [$test_name]"
