#!/bin/bash
# Plain HTTP against meshcall serve: /health and /stats answer JSON, unknown
# paths 404, and several requests in a row from one HTTP client all succeed
# (each response says Connection: close, so no client reuses a connection
# the server will not read again).
source "$(dirname "$0")/serve_lib.bash"

start_server main
base="http://127.0.0.1:$PORT"

# One curl process, three requests: curl would reuse the connection unless told not to.
curl -sS -v "$base/health" "$base/stats" "$base/health" >"$WORK/body.txt" 2>"$WORK/curl.txt" \
  || fail "curl failed: $(cat "$WORK/curl.txt")"
n_ok=$(grep -c '^< HTTP/1.1 200' "$WORK/curl.txt")
[ "$n_ok" -eq 3 ] || fail "expected 3 answers 200, got $n_ok: $(cat "$WORK/curl.txt")"
grep -qi '^< Connection: close' "$WORK/curl.txt" || fail "responses do not say Connection: close"
grep -q 'dead\|Recv failure\|reset' "$WORK/curl.txt" && fail "a request hit a dead connection: $(cat "$WORK/curl.txt")"
grep -q '"status":"ok"' "$WORK/body.txt" || fail "/health body: $(cat "$WORK/body.txt")"

code=$(curl -s -o /dev/null -w '%{http_code}' "$base/no-such-page")
[ "$code" = 404 ] || fail "unknown path answered $code, expected 404"

server_alive main
stop_server main
log "PASS"
