# wait_until SECONDS DESCRIPTION COMMAND...: poll COMMAND every WAIT_POLL
# seconds (default 0.05; more for costly checks such as screenshots) until it
# succeeds; after SECONDS, fail (the sourcing library's fail()) naming what
# was awaited. Sourced by the *_lib.bash helpers; not a test itself.
wait_until() {
  local timeout=$1 what=$2
  shift 2
  local deadline=$(($(date +%s%N) + timeout * 1000000000))
  while ! "$@"; do
    [ "$(date +%s%N)" -lt "$deadline" ] || fail "timed out after ${timeout}s waiting for $what"
    sleep "${WAIT_POLL:-0.05}"
  done
}
