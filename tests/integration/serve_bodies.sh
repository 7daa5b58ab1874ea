#!/bin/bash
# Request bodies meshcall serve does not take are refused before they are
# read: a 300 MB POST and a 1 GB chunked POST to /health are answered 413
# {"error": ...} with Connection: close, the server's peak memory (VmHWM)
# grows by less than 16 MB over all of this, it spends little CPU, and it
# keeps serving; so are a 300 MB POST and a 1 GB chunked POST to the call
# page (/). Curl is told not to wait for 100-continue (an attacker does
# not); with it, curl sends nothing. Also /stats, an unknown path, a GET with
# a body to /socket.io/, and Engine.IO polling POSTs over max-payload
# (engine.io's 413, announced or chunked; the session is dropped).
source "$(dirname "$0")/serve_lib.bash"

start_server srv --max-payload 65536
pid=${PIDS[srv]}
base="http://127.0.0.1:$PORT"
kb() { awk -v k="$1:" '$1 == k { print $2 }' "/proc/$pid/status"; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$pid/stat"; }

health_ok() {
  local code
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$base/health")
  [ "$code" = 200 ] || fail "/health answered $code after $1"
}

# post WHAT EXPECTED_CODE CURL_ARGS...: one upload; its answer is in $WORK/answer.txt.
post() {
  local what=$1 want=$2 got
  shift 2
  got=$(curl -sS -D "$WORK/headers.txt" -o "$WORK/answer.txt" --max-time 30 \
          -w '%{http_code} %{size_upload} %{time_total}' "$@") || fail "$what: curl failed"
  log "$what: HTTP ${got% * *}, curl uploaded ${got#* } s"
  [ "${got%% *}" = "$want" ] || fail "$what: answered ${got%% *}, expected $want: $(cat "$WORK/answer.txt")"
  grep -qi '^Connection: close' "$WORK/headers.txt" || fail "$what: the answer does not say Connection: close"
}

health_ok "start"
hwm0=$(kb VmHWM)
cpu0=$(cpu_ticks)
log "before: VmRSS $(kb VmRSS) kB, VmHWM $hwm0 kB"

truncate -s 300M "$WORK/300M"   # sparse: no disk used
post "300 MB POST /health" 413 -H 'Expect:' -X POST -T "$WORK/300M" "$base/health"
grep -q '^{"error":"this endpoint takes no request body"}$' "$WORK/answer.txt" \
  || fail "300 MB POST: answer body $(cat "$WORK/answer.txt")"
health_ok "the 300 MB POST"
log "after 300 MB: VmRSS $(kb VmRSS) kB, VmHWM $(kb VmHWM) kB"

# -T - streams stdin with Transfer-Encoding: chunked (no size known).
head -c 1G /dev/zero | post "1 GB chunked POST /health" 413 -H 'Expect:' -X POST -T - "$base/health"
health_ok "the 1 GB chunked POST"
log "after 1 GB chunked: VmRSS $(kb VmRSS) kB, VmHWM $(kb VmHWM) kB"

post "300 MB POST /health with Expect: 100-continue" 413 -X POST -T "$WORK/300M" "$base/health"
read -r _ sent _ < <(curl -s -o /dev/null -w '%{http_code} %{size_upload} x' -X POST -T "$WORK/300M" "$base/health")
[ "$sent" = 0 ] || fail "with Expect: 100-continue curl still uploaded $sent bytes"

post "POST /stats" 413 -H 'Expect:' -X POST -T "$WORK/300M" "$base/stats"
# The call page (/ and its query) takes none either.
post "POST /" 413 -H 'Expect:' -X POST -T "$WORK/300M" "$base/"
head -c 1G /dev/zero | post "1 GB chunked POST /?call=c1" 413 -H 'Expect:' -X POST -T - "$base/?call=c1"
grep -q '^{"error":"this endpoint takes no request body"}$' "$WORK/answer.txt" \
  || fail "chunked POST /: answer body $(cat "$WORK/answer.txt")"
post "POST /no-such-page" 413 -H 'Expect:' -X POST -T "$WORK/300M" "$base/no-such-page"
post "GET /socket.io/ with a body" 413 -H 'Expect:' -X GET -T "$WORK/300M" "$base/socket.io/?EIO=4&transport=polling"

# Engine.IO polling: a POST announced over max-payload, then one chunked over it.
for kind in announced chunked; do
  open=$(curl -sS --max-time 5 "$base/socket.io/?EIO=4&transport=polling") || fail "polling handshake failed"
  sid=$(sed -E 's/.*"sid":"([^"]+)".*/\1/' <<<"$open")
  [ -n "$sid" ] && [ "$sid" != "$open" ] || fail "no sid in the polling handshake: $open"
  url="$base/socket.io/?EIO=4&transport=polling&sid=$sid"
  if [ $kind = announced ]; then
    post "polling POST over max-payload ($kind)" 413 -H 'Expect:' -X POST -T "$WORK/300M" "$url"
  else
    head -c 1G /dev/zero | post "polling POST over max-payload ($kind)" 413 -H 'Expect:' -X POST -T - "$url"
  fi
  grep -q '^{"code":3,"message":"Payload too large"}$' "$WORK/answer.txt" \
    || fail "polling POST ($kind): answer body $(cat "$WORK/answer.txt")"
  # The session is gone: its next poll is answered "Session ID unknown".
  gone=$(curl -s --max-time 5 "$url")
  [ "$gone" = '{"code":1,"message":"Session ID unknown"}' ] || fail "session $sid still answers: $gone"
done
health_ok "the polling POSTs"

hwm1=$(kb VmHWM)
cpu1=$(cpu_ticks)
hz=$(getconf CLK_TCK)
log "after all: VmRSS $(kb VmRSS) kB, VmHWM $hwm1 kB (+$((hwm1 - hwm0)) kB); CPU $(((cpu1 - cpu0) * 1000 / hz)) ms"
[ $((hwm1 - hwm0)) -lt 16384 ] || fail "VmHWM grew by $((hwm1 - hwm0)) kB (limit 16384 kB)"
[ $(((cpu1 - cpu0) * 1000 / hz)) -lt 2000 ] || fail "the server spent $(((cpu1 - cpu0) * 1000 / hz)) ms of CPU (limit 2000 ms)"

stats=$(curl -s "$base/stats")
refused=$(sed -E 's/.*"bodiesRefused":([0-9]+).*/\1/' <<<"$stats")
[ "$refused" -eq 11 ] || fail "/stats counts $refused refused bodies, expected 11: $stats"
grep -q "over maxPayload" "$WORK/srv.log" || fail "no maxPayload line in the server log"
server_alive srv
stop_server srv
log "PASS"
