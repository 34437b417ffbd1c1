#!/usr/bin/env bash
# run_all.sh [--helpers DIR] MOUNTED_DIR [SCRIPT...]: runs every test in programs/ (or the
# named ones) against MOUNTED_DIR, each under `timeout 120`, and prints a summary ending in
# "N passed, N failed, N skipped". Exit status 0 only when nothing failed.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)

if [[ "${1:-}" == "--helpers" ]]; then
  export MOUNT_HELPERS=$2
  shift 2
fi
if [[ $# -lt 1 || ! -d "$1" ]]; then
  echo "usage: $0 [--helpers DIR] MOUNTED_DIR [SCRIPT...]" >&2
  exit 2
fi
dir=$1
shift
if [[ $# -gt 0 ]]; then
  scripts=()
  for name in "$@"; do scripts+=("$here/programs/${name%.sh}.sh"); done
else
  scripts=("$here"/programs/*.sh)
fi

passed=0
failed=0
skipped=0
failed_names=()
for script in "${scripts[@]}"; do
  name=$(basename "$script" .sh)
  start=$SECONDS
  log=$(mktemp)
  timeout --kill-after=10 120 bash "$script" "$dir" >"$log" 2>&1
  rc=$?
  took=$((SECONDS - start))
  case $rc in
    0) verdict=PASS; passed=$((passed + 1)) ;;
    77) verdict=SKIP; skipped=$((skipped + 1)) ;;
    124 | 137) verdict="FAIL (timeout)"; failed=$((failed + 1)); failed_names+=("$name") ;;
    *) verdict="FAIL (exit $rc)"; failed=$((failed + 1)); failed_names+=("$name") ;;
  esac
  printf '%-20s %s  %ss\n' "$name" "$verdict" "$took"
  # Show the script's own output when it did not pass, and any notes and skips.
  if [[ $rc -ne 0 ]]; then
    sed 's/^/    /' "$log"
  else
    grep '^note' "$log" | sed 's/^/    /'
  fi
  rm -f "$log"
done

[[ $failed -gt 0 ]] && echo "failed: ${failed_names[*]}"
echo "$passed passed, $failed failed, $skipped skipped"
[[ $failed -eq 0 ]]
