#!/usr/bin/env bash
# dir_cache.sh IRPFS memfs|mirror: the kernel's directory cache (FOPEN_CACHE_DIR) on a
# real mount, counted with the stats filter.
#
# Proves: the first listing after a change is the server's (the kernel keeps nothing),
# the second fills the kernel's cache, and later `ls` of the unchanged directory send no
# IRP_MJ_DIRECTORY_CONTROL (the kernel answered them); an `ls -l` that had to look the
# names up again turns the caching off for the directory; a create, unlink, rename or mkdir through the mount shows in the
# very next listing; on the mirror, a name created or removed in the host directory shows
# once the attribute timeout (here 0.3 s) has passed, and at once with attr_timeout=0;
# with -o dir_cache=off every listing reaches the server again.
# shellcheck source=../robust/common.sh
source "$(dirname "$0")/../robust/common.sh"

irpfs_bin=${1:?usage: dir_cache.sh IRPFS memfs|mirror}
kind=${2:?usage: dir_cache.sh IRPFS memfs|mirror}
scratch=$(mktemp -d "${TMPDIR:-/tmp}/irpfs-dircache-scratch.XXXXXX")
scratch_paths+=("$scratch")

# shellcheck source=../robust/stats_mount.sh
source "$(dirname "$0")/../robust/stats_mount.sh"

# listings_sent: DIRECTORY_CONTROL IRPs the server handled since the last reset.
listings_sent() { irps_sent IRP_MJ_DIRECTORY_CONTROL; }

# expect_names DIR COUNT WHAT: `ls -A DIR` lists COUNT names.
expect_names() {
  local seen
  seen=$(ls -A "$1" | wc -l)
  [[ $seen -eq $2 ]] || fail "$3: ls listed $seen names, expected $2"
}

# The host side of a name in the mount's root: the mirror's source directory.
host_dir() { echo "$mirror_source"; }

mount_kind attr_timeout=0.3,entry_timeout=0.3
note "mounted $kind at $mnt (daemon $daemon_pid)"
mkdir "$mnt/d" || fail "mkdir through the mount failed"
for i in $(seq 500); do : >"$mnt/d/file-$i"; done

reset_irp_stats
expect_names "$mnt/d" 500 "first listing"
first=$(listings_sent) || exit 1
expect_names "$mnt/d" 500 "second listing"
second=$(listings_sent) || exit 1
second=$((second - first))
reset_irp_stats
expect_names "$mnt/d" 500 "third listing"
expect_names "$mnt/d" 500 "fourth listing"
cached=$(listings_sent) || exit 1
note "listings of an unchanged 500-entry directory: $first, $second, then $cached DIRECTORY_CONTROL IRPs"
[[ $first -gt 0 && $second -gt 0 ]] || fail "the first two listings did not reach the server"
[[ $cached -eq 0 ]] || fail "the kernel did not answer the listings itself: $(irp_stats)"

# `ls -l` once the entries expired: the kept listing has no attributes, so its LOOKUPs
# stop the caching, and the next `ls -l` gets the server's READDIRPLUS again.
sleep 0.4
ls -l "$mnt/d" >/dev/null || fail "ls -l failed"
sleep 0.4
reset_irp_stats
ls -l "$mnt/d" >/dev/null || fail "ls -l failed"
[[ $(listings_sent) -gt 0 ]] || fail "ls -l after lookups in a kept listing: still the kernel's"

# Changes through the mount: the kernel drops its listing itself.
: >"$mnt/d/new" || fail "create failed"
expect_names "$mnt/d" 501 "after a create"
rm "$mnt/d/file-1" || fail "unlink failed"
expect_names "$mnt/d" 500 "after an unlink"
mv "$mnt/d/file-2" "$mnt/d/renamed" || fail "rename failed"
ls -A "$mnt/d" | grep -qx renamed || fail "the renamed name is not listed"
ls -A "$mnt/d" | grep -qx file-2 && fail "the old name is still listed after the rename"
mkdir "$mnt/d/sub" || fail "mkdir failed"
expect_names "$mnt/d" 501 "after a mkdir"
mv "$mnt/d/file-3" "$mnt/other" || fail "rename out of the directory failed"
expect_names "$mnt/d" 500 "after a rename out of the directory"
[[ $(listings_sent) -gt 0 ]] || fail "no listing reached the server after the changes"

if [[ $kind == mirror ]]; then
  # Behind the kernel: seen once the directory's attributes (its mtime) expired.
  sleep 0.4
  # Two listings: the kernel now holds this one.
  expect_names "$mnt/d" 500 "before the host changes"
  expect_names "$mnt/d" 500 "before the host changes, again"
  : >"$(host_dir)/d/made-on-the-host"
  rm "$(host_dir)/d/file-4"
  mv "$(host_dir)/d/file-5" "$(host_dir)/d/moved-on-the-host"
  sleep 0.4
  ls -A "$mnt/d" >"$scratch/listing"
  grep -qx made-on-the-host "$scratch/listing" || fail "a host create is not listed after the timeout"
  grep -qx moved-on-the-host "$scratch/listing" || fail "a host rename is not listed after the timeout"
  grep -qx file-4 "$scratch/listing" && fail "a host unlink still lists the name after the timeout"
  grep -qx file-5 "$scratch/listing" && fail "a host rename still lists the old name after the timeout"
  expect_names "$mnt/d" 500 "after the host changes"
fi
unmount_kind

if [[ $kind == mirror ]]; then
  # attr_timeout=0: every listing re-reads the mtime, so a host change shows at once.
  mount_kind attr_timeout=0,entry_timeout=0
  mkdir "$mnt/d" && for i in $(seq 50); do : >"$mnt/d/f-$i"; done
  expect_names "$mnt/d" 50 "uncached attributes, first listing"
  expect_names "$mnt/d" 50 "uncached attributes, second listing"
  : >"$(host_dir)/d/at-once"
  ls -A "$mnt/d" | grep -qx at-once || fail "with attr_timeout=0 a host create is not listed at once"
  unmount_kind
fi

# dir_cache=off: every listing is the server's again.
mount_kind dir_cache=off
mkdir "$mnt/d" && for i in $(seq 50); do : >"$mnt/d/f-$i"; done
expect_names "$mnt/d" 50 "dir_cache=off, first listing"
expect_names "$mnt/d" 50 "dir_cache=off, second listing"
reset_irp_stats
expect_names "$mnt/d" 50 "dir_cache=off, third listing"
[[ $(listings_sent) -gt 0 ]] || fail "dir_cache=off: the third listing did not reach the server"
unmount_kind
echo "PASS [$test_name]"
