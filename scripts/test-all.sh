#!/usr/bin/env bash
# Builds irpfs three ways (plain, ASan+UBSan, TSan) and runs every test suite:
# unit tests in all three, kernel mount tests (label "mount") in the plain build, where
# the machine allows mounting. Ends with one "total: N passed, N failed" line.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

scripts/install-deps.sh || { echo "irpfs: could not install build dependencies" >&2; exit 1; }

jobs=$(nproc)
configs=${IRPFS_TEST_CONFIGS:-"plain asan tsan"}
passed=0
failed=0
status=0

configure_and_build() {  # name, cmake args...
  local name=$1; shift
  cmake -S "$root" -B "$root/build/$name" -G Ninja "$@" >"$root/build/$name.configure.log" 2>&1 ||
    { cat "$root/build/$name.configure.log"; return 1; }
  ninja -C "$root/build/$name" -j "$jobs" >"$root/build/$name.build.log" 2>&1 ||
    { tail -n 60 "$root/build/$name.build.log"; return 1; }
}

run_ctest() {  # name, ctest args...
  local name=$1; shift
  local log="$root/build/$name.ctest.log"
  (cd "$root/build/$name" && ctest --output-on-failure -j "$jobs" --timeout 600 "$@") 2>&1 | tee "$log"
  local rc=${PIPESTATUS[0]}
  local line
  line=$(grep -E 'tests passed, [0-9]+ tests? failed out of [0-9]+' "$log" | tail -n 1)
  if [ -n "$line" ]; then
    local total fail
    total=$(sed -E 's/.*out of ([0-9]+).*/\1/' <<<"$line")
    fail=$(sed -E 's/.*tests passed, ([0-9]+) tests? failed.*/\1/' <<<"$line")
    passed=$((passed + total - fail))
    failed=$((failed + fail))
  fi
  [ "$rc" -eq 0 ] || status=1
}

mkdir -p build
for config in $configs; do
  echo "=== irpfs: $config build"
  case $config in
    plain) args=(-DCMAKE_BUILD_TYPE=RelWithDebInfo) ;;
    asan) args=(-DCMAKE_BUILD_TYPE=Debug -DIRPFS_SANITIZE=address) ;;
    tsan) args=(-DCMAKE_BUILD_TYPE=Debug -DIRPFS_SANITIZE=thread) ;;
    *) echo "unknown configuration $config" >&2; exit 2 ;;
  esac
  if ! configure_and_build "$config" "${args[@]}"; then
    echo "irpfs: the $config build failed" >&2
    status=1
    failed=$((failed + 1))
    continue
  fi
  echo "=== irpfs: $config tests"
  if [ "$config" = plain ]; then
    run_ctest "$config"
  else
    # Mount tests run once, in the plain build; the sanitizers watch the unit suites.
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
      run_ctest "$config" -LE mount
  fi
done

# The FUSE request decoder under libFuzzer (ASan + UBSan), for a bounded time.
fuzz_seconds=${IRPFS_FUZZ_SECONDS:-60}
if [ "$fuzz_seconds" -gt 0 ]; then
  echo "=== irpfs: decoder fuzzing for ${fuzz_seconds}s"
  if src/transport/fuse/fuzz/run_decoder_fuzz.sh "$fuzz_seconds" "$root/build/fuzz" \
      >"$root/build/fuzz.log" 2>&1; then
    tail -n 3 "$root/build/fuzz.log"
    passed=$((passed + 1))
  else
    tail -n 40 "$root/build/fuzz.log"
    echo "irpfs: the decoder fuzzer failed" >&2
    failed=$((failed + 1))
    status=1
  fi
fi

echo "total: $passed passed, $failed failed"
exit $status
