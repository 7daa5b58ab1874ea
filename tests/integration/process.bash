# Shared by client_lib.bash and serve_lib.bash (sourced; not a test itself):
# log lines with a timestamp, process-exit checks, and fail(), which shows the
# tail of every log in $WORK before exiting 1.

log() { echo "[$(date +%T.%3N)] $*"; }

# Exited (maybe not yet reaped: a zombie still answers kill -0).
proc_gone() {
  local st
  st=$(sed -E 's/.*\) ([A-Za-z]).*/\1/' "/proc/$1/stat" 2>/dev/null) || return 0
  [ -z "$st" ] || [ "$st" = Z ] || [ "$st" = X ]
}

fail() {
  echo "FAIL: $*" >&2
  local f
  for f in "$WORK"/*.out "$WORK"/*.err "$WORK"/*.log; do
    [ -s "$f" ] || continue
    echo "---- $(basename "$f") (last 40 lines)" >&2
    tail -n 40 "$f" >&2
  done
  exit 1
}
