#!/usr/bin/env bash
# Run the packet-parser fuzzer for a bounded time. Builds nothing.
#
#   scripts/run-fuzz.sh BUILD_DIR SECONDS
#
# BUILD_DIR must hold fuzz/fuzz_sio_packet, built with
#   CC=clang-14 cmake -S . -B BUILD_DIR -DMESHCALL_FUZZ=ON -DBUILD_TESTING=OFF
#   cmake --build BUILD_DIR --target fuzz_sio_packet
# The seed corpus is a copy of tests/corpus/sio (the checked-in corpus is never
# modified). Exits 0 when the fuzzer ran SECONDS without finding anything,
# non-zero on a crash, leak, timeout or sanitizer report; the input that
# triggered it is kept in BUILD_DIR/fuzz/artifacts/ and its path printed.
set -euo pipefail

if [[ $# -ne 2 || ! $2 =~ ^[0-9]+$ || $2 -lt 1 ]]; then
  echo "usage: $0 BUILD_DIR SECONDS" >&2
  exit 2
fi
root=$(cd "$(dirname "$0")/.." && pwd)
if [[ ! -d $1 ]]; then
  echo "run-fuzz.sh: build directory $1 does not exist" >&2
  exit 2
fi
build=$(cd "$1" && pwd)
seconds=$2
fuzzer=$build/fuzz/fuzz_sio_packet

if [[ ! -x $fuzzer ]]; then
  echo "run-fuzz.sh: $fuzzer not found; build it first:" >&2
  echo "  CC=clang-14 cmake -S $root -B $1 -DMESHCALL_FUZZ=ON -DBUILD_TESTING=OFF && cmake --build $1 --target fuzz_sio_packet" >&2
  exit 2
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/meshcall-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/corpus" "$build/fuzz/artifacts"
cp "$root"/tests/corpus/sio/* "$work/corpus/"

# Tokens of the wire format, so mutations reach the deeper parser states quickly.
cat >"$work/sio.dict" <<'DICT'
sep="\x1e"
b64="b"
probe="probe"
nsp="/admin,"
att="1-"
ph="{\"_placeholder\":true,\"num\":0}"
placeholder="\"_placeholder\""
num="\"num\":"
true="true"
false="false"
null="null"
esc_u="\\u"
pair="\\ud83d\\ude00"
lone="\\udc00"
nul="\\u0000"
exp="e+"
open="0{\"sid\":\"x\",\"upgrades\":[\"websocket\"],\"pingInterval\":25000}"
event="42[\"join-call\","
ack="431["
connect="\"connect\""
big="2147483648"
DICT

echo "run-fuzz.sh: fuzzing for ${seconds} s with $(ls "$work/corpus" | wc -l) seed inputs"
set +e
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1} \
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
  "$fuzzer" \
    -max_total_time="$seconds" \
    -timeout=10 \
    -rss_limit_mb=2048 \
    -max_len=4096 \
    -dict="$work/sio.dict" \
    -artifact_prefix="$build/fuzz/artifacts/" \
    -print_final_stats=1 \
    "$work/corpus" >"$work/fuzz.log" 2>&1
rc=$?
set -e

if [[ $rc -ne 0 ]]; then
  tail -n 60 "$work/fuzz.log"
  echo "run-fuzz.sh: FAILED (exit $rc); the failing input is in $build/fuzz/artifacts/:" >&2
  ls -t "$build/fuzz/artifacts/" | head -n 3 | sed "s|^|  $build/fuzz/artifacts/|" >&2
  echo "  reproduce with: $fuzzer INPUT_FILE" >&2
  exit 1
fi
grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb)|^Done ' "$work/fuzz.log" || true
echo "run-fuzz.sh: ok, no failures in ${seconds} s"
