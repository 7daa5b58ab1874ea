#!/usr/bin/env bash
# The whole test suite, exactly as CI runs it (.ci/run calls this script):
#   1. install dependencies (scripts/setup.sh --deps, idempotent)
#   2. build with -Wall -Wextra -Werror and run every ctest test (unit tests
#      nproc at a time, then the rest one at a time; the Debian
#      package's build and lintian among them)
#   2b. install that package on a clean Debian 12 and run the kiosk under
#      systemd (scripts/test-deb-container.sh)
#   3. build the unit tests with ASan+UBSan and run them
#   4. run the unit tests under valgrind (no leaks)
#   5. run every fuzzer (one per network-facing parser) for a bounded time
# Environment: MESHCALL_TEST_FILTER=REGEX limits step 2 (ctest -R),
# MESHCALL_FUZZ_SECONDS (per fuzzer, default 20), MESHCALL_SKIP="container asan valgrind fuzz".
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
skip=" ${MESHCALL_SKIP:-} "
jobs=$(nproc)

step() { printf '\n=== %s (%s) ===\n' "$*" "$(date -u +%T)"; }
# Every ctest summary line is collected for the closing count.
summary=$(mktemp)
trap 'rm -f "$summary"' EXIT
counted() { "$@" | tee -a "$summary"; }

step "dependencies"
scripts/setup.sh --deps

step "build (warnings are errors) and run all tests"
cmake -S . -B build-ci -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMESHCALL_WERROR=ON >/dev/null
cmake --build build-ci -j"$jobs"
# Unit tests nproc at a time (each is one process on its own data); the
# integration tests one at a time (media and timing share the machine).
counted ctest --test-dir build-ci --output-on-failure -j"$jobs" -L unit ${MESHCALL_TEST_FILTER:+-R "$MESHCALL_TEST_FILTER"}
counted ctest --test-dir build-ci --output-on-failure -LE unit ${MESHCALL_TEST_FILTER:+-R "$MESHCALL_TEST_FILTER"}

if [[ "$skip" != *" container "* ]]; then
  step "the Debian package on a clean Debian 12 under systemd"
  # The package ctest built (it builds one itself when that test was filtered out).
  scripts/test-deb-container.sh $(ls build-ci/deb/meshcall_*.deb 2>/dev/null | head -n 1)
fi

if [[ "$skip" != *" asan "* ]]; then
  step "unit tests under AddressSanitizer + UndefinedBehaviorSanitizer"
  cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DMESHCALL_WERROR=ON -DMESHCALL_SANITIZE=ON >/dev/null
  cmake --build build-asan -j"$jobs" --target unit-tests
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:fast_unwind_on_malloc=0 \
  LSAN_OPTIONS=suppressions=$root/tests/lsan.supp:print_suppressions=0 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    counted ctest --test-dir build-asan --output-on-failure -j"$jobs" -L unit
fi

if [[ "$skip" != *" valgrind "* ]]; then
  step "unit tests under valgrind (leak check)"
  G_SLICE=always-malloc G_DEBUG=gc-friendly \
    ctest --test-dir build-ci --output-on-failure -j"$jobs" -L unit -LE no-valgrind -T memcheck \
      --overwrite MemoryCheckCommand=/usr/bin/valgrind \
      --overwrite "MemoryCheckCommandOptions=--leak-check=full --errors-for-leak-kinds=definite --error-exitcode=1 --num-callers=30 --suppressions=/usr/share/glib-2.0/valgrind/glib.supp --suppressions=$root/tests/valgrind.supp" \
      >build-ci/memcheck.log 2>&1 || { cat build-ci/memcheck.log; echo "valgrind found errors (see above)"; exit 1; }
  tail -n 5 build-ci/memcheck.log
  grep -E 'tests passed, [0-9]+ tests failed out of' build-ci/memcheck.log >>"$summary"
fi

if [[ "$skip" != *" fuzz "* ]]; then
  step "fuzzing every network-facing parser for ${MESHCALL_FUZZ_SECONDS:-20} s each"
  CC=clang-14 cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=Debug -DMESHCALL_FUZZ=ON -DBUILD_TESTING=OFF >/dev/null
  cmake --build build-fuzz -j"$jobs" --target fuzzers
  scripts/run-fuzz.sh build-fuzz "${MESHCALL_FUZZ_SECONDS:-20}"
fi

step "all test steps passed"
# ctest prints "NN% tests passed, F tests failed out of N" per run; add them up.
awk '/tests failed out of/ { f += $4; n += $NF } END { printf "tests: %d passed, %d failed\n", n - f, f }' "$summary"
