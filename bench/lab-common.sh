# Shared by the network-lab benchmarks (sourced: bench/adapt-call.sh,
# bench/net-recovery.sh): the tests' own call, wait and namespace helpers
# (tests/integration/*.bash), run from the repository's root. Needs root.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export MESHCALL_SOURCE_DIR=$PWD
export MESHCALL_BUILD_DIR=${MESHCALL_BUILD_DIR:-$PWD/build}
source tests/integration/call_lib.bash
source tests/integration/wait.bash
source tests/integration/netlab.bash
set +e   # a bench measures what fails too; its own checks say so

# write_results NAME COMMAND SCENARIO FILE: the results of a run, one JSON
# object per element of the array `results` (the caller's), with the load
# averages `load_before`/`load_after` the caller read, into FILE.
write_results() {
  local name=$1 command=$2 scenario=$3 file=$4 i
  {
    echo "{"
    echo "  \"bench\": \"$name\","
    echo "  \"date\": \"$(date -u +%FT%TZ)\","
    echo "  \"command\": \"$command\","
    echo "  \"commit\": \"$(git rev-parse --short HEAD)\","
    echo "  \"load_average_before\": \"$load_before\", \"load_average_after\": \"$load_after\","
    echo "  \"scenario\": \"$scenario\","
    echo "  \"runs\": ["
    for i in "${!results[@]}"; do
      [ "$i" -gt 0 ] && echo ","
      echo -n "    ${results[$i]}"
    done
    echo
    echo "  ]"
    echo "}"
  } >"$file"
  log "wrote $file"
  cat "$file"
}
