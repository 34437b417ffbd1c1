#!/usr/bin/env python3
"""Generates the inputs of bench/run's real workloads, the same bytes on every run.

    make_inputs.py DIR [TREE_FILES] [SOURCE_FILES]

DIR/tree: a directory tree of TREE_FILES files (default 4000) in three levels, most of
them small, a few up to 1 MiB (about 130 MiB in all): what bench/run tars up and extracts.
DIR/proj: a C project of SOURCE_FILES translation units (default 50) with a Makefile,
each unit a few dozen functions, so that `make -j2` spends its time compiling and
writing objects the way a real build does.
"""
import os
import random
import sys


def file_size(rng):
    pick = rng.random()
    if pick < 0.80:
        return rng.randint(512, 16 * 1024)
    if pick < 0.98:
        return rng.randint(16 * 1024, 128 * 1024)
    return rng.randint(256 * 1024, 1024 * 1024)


def make_tree(root, count, rng):
    # Random bytes would be as good for the file system; a repeated block is faster to make.
    block = bytes(rng.getrandbits(8) for _ in range(64 * 1024))
    for index in range(count):
        folder = os.path.join(root, f"d{index % 8}", f"e{index % 50:02d}")
        os.makedirs(folder, exist_ok=True)
        size = file_size(rng)
        with open(os.path.join(folder, f"f{index:05d}.dat"), "wb") as stream:
            while size > 0:
                chunk = block[: min(size, len(block))]
                stream.write(chunk)
                size -= len(chunk)


def make_project(root, units, rng):
    os.makedirs(root, exist_ok=True)
    functions = 12
    with open(os.path.join(root, "common.h"), "w") as header:
        header.write("#pragma once\n#include <stdint.h>\n")
        for unit in range(units):
            header.write(f"uint64_t unit{unit}_run(uint64_t seed);\n")
    for unit in range(units):
        lines = ['#include "common.h"', "#include <string.h>", ""]
        for function in range(functions):
            a, b, c = rng.randint(3, 97), rng.randint(1, 31), rng.randint(5, 60)
            lines += [
                f"static uint64_t u{unit}_f{function}(uint64_t x) {{",
                "  uint64_t table[16];",
                f"  for (int i = 0; i < 16; ++i) table[i] = x * {a}u + (uint64_t)i * {b}u;",
                "  uint64_t acc = 0;",
                f"  for (int i = 0; i < {c}; ++i) {{",
                f"    acc ^= table[(acc + (uint64_t)i) & 15] >> (i & 7);",
                f"    acc = (acc << 3) | (acc >> 61);",
                "  }",
                "  return acc;",
                "}",
                "",
            ]
        lines.append(f"uint64_t unit{unit}_run(uint64_t seed) {{")
        lines.append("  uint64_t value = seed;")
        for function in range(functions):
            lines.append(f"  value += u{unit}_f{function}(value);")
        lines += ["  return value;", "}", ""]
        with open(os.path.join(root, f"unit{unit:02d}.c"), "w") as source:
            source.write("\n".join(lines))
    with open(os.path.join(root, "main.c"), "w") as source:
        source.write('#include "common.h"\n#include <stdio.h>\n\nint main(void) {\n')
        source.write("  uint64_t value = 1;\n")
        for unit in range(units):
            source.write(f"  value = unit{unit}_run(value);\n")
        source.write('  printf("%llu\\n", (unsigned long long)value);\n  return 0;\n}\n')
    objects = " ".join([f"unit{unit:02d}.o" for unit in range(units)] + ["main.o"])
    with open(os.path.join(root, "Makefile"), "w") as makefile:
        makefile.write(
            "CC ?= cc\nCFLAGS = -O2 -pipe -Wall\n"
            f"OBJECTS = {objects}\n\n"
            "prog: $(OBJECTS)\n\t$(CC) -o $@ $(OBJECTS)\n\n"
            "%.o: %.c common.h\n\t$(CC) $(CFLAGS) -c -o $@ $<\n\n"
            "clean:\n\trm -f prog $(OBJECTS)\n")


def main():
    if not 2 <= len(sys.argv) <= 4:
        sys.exit("usage: make_inputs.py DIR [TREE_FILES] [SOURCE_FILES]")
    root = sys.argv[1]
    tree_files = int(sys.argv[2]) if len(sys.argv) > 2 else 4000
    source_files = int(sys.argv[3]) if len(sys.argv) > 3 else 50
    rng = random.Random(20261126)
    make_tree(os.path.join(root, "tree"), tree_files, rng)
    make_project(os.path.join(root, "proj"), source_files, rng)


if __name__ == "__main__":
    main()
