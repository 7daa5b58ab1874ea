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
