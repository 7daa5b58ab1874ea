# `meshcall join --status-listen`: GET /health and /stats of a running
# call (docs/status.md). Bad --status-listen values exit 2 with a message
# and a port in use exits 1 saying so; /health is 503 (too-few-peers) while
# alone with --status-min-peers 1 and 200 with ?min-peers=0; 200 once a
# peer is connected; /stats is the --stats-json document; SIGKILL the peer:
# it leaves and /health is 503 again; SIGSTOP another: it stays listed,
# media stops and /health is 503 naming it (no-media or not connected);
# SIGCONT: it comes back and /health is 200.
source "$(dirname "$0")/call_lib.bash"
source "$(dirname "$0")/wait.bash"

command -v curl >/dev/null || fail "curl is not on PATH"

# code_of URL: the HTTP status of a GET; the body in $WORK/body.json.
code_of() { curl -s -o "$WORK/body.json" -w '%{http_code}' --max-time 5 "$1"; }
# health_is CODE [QUERY]: /health answers CODE.
health_is() { [ "$(code_of "$STATUS/health${2:-}")" = "$1" ]; }
# reason_is CODE PEER: /health is 503 with a reason CODE (about PEER when given).
reason_is() {
  health_is 503 || return 1
  node -e '
    const d = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const [code, peer] = [process.argv[2], process.argv[3]];
    const hit = d.reasons.some((r) => code.split("|").includes(r.code) && (!peer || r.peerId === peer));
    process.exit(d.status === "unhealthy" && hit ? 0 : 1);' "$WORK/body.json" "$1" "${2:-}"
}

# ---- refusals --------------------------------------------------------------------------
refuse() {
  local want=$1 message=$2 rc
  shift 2
  "$MESHCALL_BIN" join c1 --headless --video test --audio test "$@" >"$WORK/refusal.out" 2>&1
  rc=$?
  [ "$rc" = "$want" ] || fail "meshcall join $* exited $rc, want $want: $(cat "$WORK/refusal.out")"
  grep -qF -- "$message" "$WORK/refusal.out" || fail "meshcall join $* did not say '$message': $(cat "$WORK/refusal.out")"
}
refuse 2 "'abc' is not a port number" --status-listen 127.0.0.1:abc
refuse 2 "'70000' is not a port number" --status-listen 127.0.0.1:70000
refuse 2 "with a port from 1 to 65535" --status-listen 127.0.0.1:0
refuse 2 "with a port from 1 to 65535" --status-listen 127.0.0.1
refuse 2 "'status.local' is not an IP address" --status-listen status.local:9100
refuse 2 "--status-min-peers -1: expected 0 to 64" --status-listen 9100 --status-min-peers -1
log "bad --status-listen values exit 2 with a message"

start_server
SERVE_PORT=$(cat "$WORK/port")
refuse 1 "--status-listen 127.0.0.1:$SERVE_PORT: another program (or another meshcall) already listens there; choose another port" --signal "$SIGNAL_URL" \
  --status-listen "127.0.0.1:$SERVE_PORT"
log "a port in use exits 1 saying so"

# ---- a call ---------------------------------------------------------------------------------
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
STATUS="http://127.0.0.1:$PORT"
start_join alice --status-listen "127.0.0.1:$PORT" --status-min-peers 1 --media-timeout 3
wait_until 15 "alice's /health to answer 503 too-few-peers (alone, min-peers 1)" reason_is too-few-peers
health_is 200 '?min-peers=0' || fail "alone with ?min-peers=0: /health $(cat "$WORK/body.json"), want 200"
[ "$(code_of "$STATUS/metrics")" = 404 ] || fail "/metrics is not 404"
[ "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$STATUS/health")" = 405 ] || fail "POST /health is not 405"
log "alone: 503 too-few-peers, 200 with ?min-peers=0; 404, 405"

start_join bob
wait_until 20 "alice's /health to answer 200 with bob connected" health_is 200
node -e '
  const d = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  if (d.status !== "ok" || d.peersConnected !== 1 || d.peers[0].peerId !== "bob" || d.reasons.length !== 0)
    { console.error(JSON.stringify(d)); process.exit(1); }' "$WORK/body.json" || fail "/health 200 body is wrong"
log "bob connected: /health 200"

# /stats is the --stats-json document, built by the same code at another moment: the same
# members in the same order at every level, the same call, participants and peers and their
# states (counters and get-stats values move between the two).
same_stats() {
  [ -s "$WORK/alice.json" ] && curl -s --max-time 5 "$STATUS/stats" >"$WORK/stats.json" &&
    node -e '
      const fs = require("fs");
      const [a, b] = process.argv.slice(1).map((p) => JSON.parse(fs.readFileSync(p, "utf8")));
      const shape = (v) => Array.isArray(v) ? v.map(shape) : v && typeof v === "object"
        ? Object.keys(v).map((k) => [k, shape(v[k])]) : typeof v === "number" ? "number" : v === null ? "number" : typeof v;
      const who = (d) => JSON.stringify([d.callId, d.peerId, d.participants, d.signalingState,
        d.peers.map((p) => [p.peerId, p.name, p.connectionState])]);
      process.exit(JSON.stringify(shape(a)) === JSON.stringify(shape(b)) && who(a) === who(b) ? 0 : 1);' \
      "$WORK/stats.json" "$WORK/alice.json"
}
wait_until 10 "/stats to be the document of alice's --stats-json file" same_stats
log "/stats is the --stats-json document"

kill -KILL "${PIDS[bob]}"
wait "${PIDS[bob]}" 2>/dev/null
unset 'PIDS[bob]'
wait_until 10 "/health 503 too-few-peers after bob was killed" reason_is too-few-peers
expect_stats 5 --peers 0 --absent bob $(stats_files alice)
log "bob SIGKILLed: alice saw him leave, /health 503"

start_join carol
wait_until 20 "/health 200 with carol connected" health_is 200
log "carol connected: /health $(cat "$WORK/body.json")"
kill -STOP "${PIDS[carol]}"
wait_until 15 "/health 503 naming carol (no-media or peer-not-connected)" reason_is 'no-media|peer-not-connected' carol
grep -q '"peerId" : "carol"' "$WORK/alice.json" || fail "carol is not listed in alice's stats while stopped"
log "carol SIGSTOPped: still listed, /health 503 ($(node -e 'const d=JSON.parse(require("fs").readFileSync(process.argv[1]));console.log(d.reasons.map((r)=>r.code+": "+r.message).join("; "))' "$WORK/body.json"))"
kill -CONT "${PIDS[carol]}"
wait_until 60 "/health 200 again after carol was continued" health_is 200
log "carol continued: /health 200 again"
log "PASS"
