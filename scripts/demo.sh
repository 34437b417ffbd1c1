#!/usr/bin/env bash
# The main job: build irpfs, mount the default memfs through the kernel's FUSE device and
# run a short, visible workload on it. The volume stays mounted for you to explore; the
# last line says how to unmount it.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
cmake -S . -B build/plain -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
ninja -C build/plain irpfs >/dev/null
irpfs=$(pwd)/build/plain/src/tools/irpfs
mnt=${1:-/tmp/irpfs-demo}
trace=/tmp/irpfs-demo.trace

show() { printf '\n$ %s\n' "$*"; "$@"; }

if mountpoint -q "$mnt"; then "$irpfs" unmount "$mnt"; fi
mkdir -p "$mnt"
rm -f "$trace"
show "$irpfs" mount memfs "$mnt" --filter "trace:format=text,file=$trace"
cd "$mnt"
show mkdir -p docs/notes
show sh -c 'echo "hello from irpfs" > docs/hello.txt'
show cat docs/hello.txt
show cp -a /etc/hostname /etc/os-release docs/notes/
show ln -s hello.txt docs/link.txt
show dd if=/dev/zero of=sparse.img bs=1 count=1 seek=1G status=none
show ls -la . docs docs/notes
show stat -c '%n: %s bytes, %b blocks allocated' sparse.img
show df -h "$mnt"
cd /
sleep 0.2  # the trace file sink writes every 50 ms
printf '\nThe trace filter above memfs saw %s IRPs; the last few, down and up:\n' "$(wc -l <"$trace")"
tail -n 6 "$trace"
printf '\nmemfs is mounted at %s. Unmount with:\n  %s unmount %s\n' "$mnt" "$irpfs" "$mnt"
