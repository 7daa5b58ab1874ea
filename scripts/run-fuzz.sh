#!/usr/bin/env bash
# Runs every fuzzer for a bounded time each. Builds nothing.
#
#   scripts/run-fuzz.sh BUILD_DIR SECONDS [TARGET...]
#
# BUILD_DIR must hold the fuzzers (fuzz/fuzz_*), built with
#   CC=clang-14 cmake -S . -B BUILD_DIR -DMESHCALL_FUZZ=ON -DBUILD_TESTING=OFF
#   cmake --build BUILD_DIR --target fuzzers
# Without TARGETs every fuzz/fuzz_*.c is run, nproc at a time, SECONDS each.
# Each target's seed corpus is a copy of fuzz/corpora/TARGET/ (the checked-in
# corpus is never modified), with fuzz/corpora/TARGET.dict as its dictionary
# when there is one. Exits 0 when every fuzzer ran SECONDS without finding
# anything, non-zero on a crash, leak, timeout or sanitizer report; the input
# that triggered it is kept in BUILD_DIR/fuzz/artifacts/ and its path printed.
set -euo pipefail

if [[ $# -lt 2 || ! $2 =~ ^[0-9]+$ || $2 -lt 1 ]]; then
  echo "usage: $0 BUILD_DIR SECONDS [TARGET...]" >&2
  exit 2
fi
root=$(cd "$(dirname "$0")/.." && pwd)
if [[ ! -d $1 ]]; then
  echo "run-fuzz.sh: build directory $1 does not exist" >&2
  exit 2
fi
build=$(cd "$1" && pwd)
seconds=$2
shift 2
targets=("$@")
if [[ ${#targets[@]} -eq 0 ]]; then
  for src in "$root"/fuzz/fuzz_*.c; do targets+=("$(basename "$src" .c)"); done
fi
for t in "${targets[@]}"; do
  if [[ ! -x $build/fuzz/$t ]]; then
    echo "run-fuzz.sh: $build/fuzz/$t not found; build the fuzzers first:" >&2
    echo "  CC=clang-14 cmake -S $root -B $1 -DMESHCALL_FUZZ=ON -DBUILD_TESTING=OFF && cmake --build $1 --target fuzzers" >&2
    exit 2
  fi
  if [[ ! -d $root/fuzz/corpora/$t ]]; then
    echo "run-fuzz.sh: no seed corpus fuzz/corpora/$t/" >&2
    exit 2
  fi
done

work=$(mktemp -d "${TMPDIR:-/tmp}/meshcall-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$build/fuzz/artifacts"

# run_one TARGET: fuzzes it, leaves its exit code in $work/TARGET.rc.
run_one() {
  local t=$1 dict=()
  mkdir -p "$work/$t"
  cp "$root/fuzz/corpora/$t"/* "$work/$t/"
  [[ -f $root/fuzz/corpora/$t.dict ]] && dict=(-dict="$root/fuzz/corpora/$t.dict")
  set +e
  # The unit tests' LeakSanitizer suppressions (one-time allocations in
  # library constructors, e.g. GLib's quark array that gst_init outgrows);
  # they match only on full allocation stacks.
  ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:fast_unwind_on_malloc=0} \
  LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$root/tests/lsan.supp:print_suppressions=0} \
  UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
    "$build/fuzz/$t" \
      -max_total_time="$seconds" \
      -timeout=10 \
      -rss_limit_mb=2048 \
      -max_len=8192 \
      "${dict[@]}" \
      -artifact_prefix="$build/fuzz/artifacts/$t-" \
      -print_final_stats=1 \
      "$work/$t" >"$work/$t.log" 2>&1
  echo $? >"$work/$t.rc"
  set -e
}

jobs=$(nproc)
echo "run-fuzz.sh: ${#targets[@]} fuzzers, ${seconds} s each, $jobs at a time"
running=0
for t in "${targets[@]}"; do
  run_one "$t" &
  running=$((running + 1))
  if [[ $running -ge $jobs ]]; then
    wait -n || true
    running=$((running - 1))
  fi
done
wait

failed=0
for t in "${targets[@]}"; do
  rc=$(cat "$work/$t.rc")
  runs=$(grep -oE '^stat::number_of_executed_units: *[0-9]+' "$work/$t.log" | grep -oE '[0-9]+$' || echo "?")
  seeds=$(ls "$root/fuzz/corpora/$t" | wc -l)
  if [[ $rc -ne 0 ]]; then
    failed=1
    tail -n 60 "$work/$t.log"
    echo "run-fuzz.sh: $t FAILED (exit $rc); the failing input is in $build/fuzz/artifacts/:" >&2
    ls -t "$build/fuzz/artifacts/" | grep "^$t-" | head -n 3 | sed "s|^|  $build/fuzz/artifacts/|" >&2
    echo "  reproduce with: $build/fuzz/$t INPUT_FILE" >&2
  else
    echo "run-fuzz.sh: $t ok: $runs runs from $seeds seeds in ${seconds} s"
  fi
done
exit $failed
