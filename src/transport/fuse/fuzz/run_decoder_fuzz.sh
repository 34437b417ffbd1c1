#!/bin/sh
# Builds the FUSE decoder fuzzer with clang (libFuzzer + ASan + UBSan) and runs it.
#   usage: run_decoder_fuzz.sh [SECONDS] [BUILD_DIR]
# SECONDS defaults to 60. The seed corpus (a few well-formed requests) is written into
# BUILD_DIR/decoder_corpus on every run; new inputs libFuzzer finds are kept there.
set -eu
seconds=${1:-60}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../../.." && pwd)
build=${2:-$root/build-fuzz}

if ! ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1; then
  echo "libFuzzer runtime missing: apt-get install -y libclang-rt-14-dev" >&2
  exit 1
fi
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_COMPILER=clang++ -DIRPFS_FUZZ=ON >/dev/null
ninja -C "$build" -j2 irpfs_fuse_decoder_fuzz

corpus="$build/decoder_corpus"
mkdir -p "$corpus"
python3 - "$corpus" <<'PY'
import os, struct, sys
out = sys.argv[1]
def request(opcode, unique, body, nodeid=1):
    header = struct.pack("<IIQQIIIHH", 40 + len(body), opcode, unique, nodeid, 0, 0, 1, 0, 0)
    return header + body
seeds = {
    "lookup": request(1, 2, b"name\0"),
    "getattr": request(3, 4, struct.pack("<IIQ", 0, 0, 0)),
    "mkdir": request(9, 6, struct.pack("<II", 0o755, 0o22) + b"dir\0"),
    "rename": request(12, 8, struct.pack("<Q", 1) + b"a\0b\0"),
    "symlink": request(6, 10, b"link\0target\0"),
    "write": request(16, 12, struct.pack("<QQIIQII", 1, 0, 5, 0, 0, 0, 0) + b"hello"),
    "setxattr": request(21, 14, struct.pack("<II", 3, 0) + b"user.a\0xyz"),
    "batch_forget": request(42, 16, struct.pack("<II", 2, 0) + struct.pack("<QQQQ", 5, 1, 6, 2)),
    "init": request(26, 18, struct.pack("<IIII", 7, 45, 65536, 0) + bytes(48)),
    "interrupt": request(36, 21, struct.pack("<Q", 20)),
    "ioctl": request(39, 22, struct.pack("<QIIQII", 1, 0, 0x1234, 0, 4, 0) + b"abcd"),
    "readdir": request(28, 24, struct.pack("<QQIIQII", 1, 0, 4096, 0, 0, 0, 0)),
    "ext": request(1, 26, b"x\0" + bytes(6)),
}
for name, data in seeds.items():
    with open(os.path.join(out, "seed_" + name), "wb") as f:
        f.write(data)
PY
exec "$build/src/transport/fuse/irpfs_fuse_decoder_fuzz" -max_total_time="$seconds" \
  -print_final_stats=1 "$corpus"
