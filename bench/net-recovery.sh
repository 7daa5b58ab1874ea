#!/usr/bin/env bash
# How long media takes to come back after the network does (issue 11), in
# the network lab of the tests (tests/integration/netlab.bash: each
# participant behind its own veth "cable" to a switch namespace running
# `meshcall serve`; needs root). Two participants, a and b, 320x240@15.
# Per run:
#   cable D s    a's cable out for D seconds (5 and 20), then back: the time
#                from the cable coming back to the first media packet each
#                way (b's lastMediaGapEndedAt for a, a's for b), and whether
#                the same connection carried on (connections, iceRestarts);
#   readdress    a's address deleted and another added: the time from the
#                change to the first media each way again (a new connection
#                on the new address);
# plus, once, the signaling seat: a's cable out 3 s, the time from the cable
# coming back to a's seat taken back (its log line).
#   bench/net-recovery.sh [RUNS]     (default 3 of each)
# Writes bench/results/net-recovery.json. Summary: docs/bench-call.md.
source "$(dirname "$0")/lab-common.sh"
runs=${1:-3}
out=bench/results/net-recovery.json

lab_start
lab_add a
lab_add b
lab_serve
lab_join a
lab_join b
expect_stats 40 --peers 1 --min-frames 10 --min-audio 10 --rising $(stats_files a b)

now_s() { date +%s.%N; }
# gap_end FILE PEER: that peer's lastMediaGapEndedAt in FILE (or "null").
gap_end() {
  node -e 'const d = JSON.parse(require("fs").readFileSync(process.argv[1]));
           const p = d.peers.find((q) => q.peerId === process.argv[2]);
           console.log(p ? JSON.stringify(p.lastMediaGapEndedAt) + " " + p.mediaGaps + " " + p.connections + " " +
                       p.iceRestarts : "absent");' "$1" "$2"
}
# wait_gap_after FILE PEER N: until PEER's mediaGaps in FILE exceeds N.
wait_gap_after() {
  wait_until 30 "media from $2 again ($1)" bash -c \
    '[ "$(node -e "const d=JSON.parse(require(\"fs\").readFileSync(process.argv[1]));const p=d.peers.find(q=>q.peerId===process.argv[2]);console.log(p?p.mediaGaps:0)" "$1" "$2")" -gt "$3" ]' \
    _ "$1" "$2" "$3"
}

rows=()
for kind in cable5 cable20 readdress; do
  for i in $(seq "$runs"); do
    read -r _ gaps_a conns0 _ < <(gap_end "$WORK/b.json" a)
    read -r _ gaps_b _ _ < <(gap_end "$WORK/a.json" b)
    case $kind in
      cable5|cable20)
        lab_cable a down
        sleep "${kind#cable}"
        t=$(now_s)
        lab_cable a up ;;
      readdress)
        t=$(now_s)
        lab_readdress a ;;
    esac
    wait_gap_after "$WORK/b.json" a "$gaps_a"
    wait_gap_after "$WORK/a.json" b "$gaps_b"
    read -r end_a _ conns _ < <(gap_end "$WORK/b.json" a)
    read -r end_b _ _ restarts < <(gap_end "$WORK/a.json" b)
    rows+=("$(awk -v k="$kind" -v i="$i" -v ea="$end_a" -v eb="$end_b" -v t="$t" -v c0="$conns0" -v c="$conns" -v r="$restarts" \
      'BEGIN { printf "{\"kind\":\"%s\",\"run\":%d,\"a_to_b_s\":%.3f,\"b_to_a_s\":%.3f,\"new_connections\":%d,\"ice_restarts\":%d}", k, i, ea - t, eb - t, c - c0, r }')")
    log "$kind run $i: ${rows[-1]}"
    expect_stats 20 --peers 1 --rising $(stats_files a b)
    sleep 2   # a settled call before the next run
  done
done

# The signaling seat after a 3 s cut.
before=$(grep -c "took our place in call call1 back" "$WORK/a.log")
lab_cable a down
sleep 3
t=$(now_ms)
lab_cable a up
wait_until 15 "a's seat taken back" bash -c "[ \$(grep -c 'took our place in call call1 back' '$WORK/a.log') -gt $before ]"
seat_ms=$(( $(now_ms) - t ))
log "seat taken back $seat_ms ms after the cable (polled every 50 ms)"

python3 - "$out" "$seat_ms" "$(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)" "bench/net-recovery.sh $runs" "${rows[@]}" <<'PY'
import json, statistics, sys, time
out, seat_ms, machine, command, rows = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], [json.loads(r) for r in sys.argv[5:]]
summary = {}
for kind in ('cable5', 'cable20', 'readdress'):
    v = [max(r['a_to_b_s'], r['b_to_a_s']) for r in rows if r['kind'] == kind]
    if v:
        summary[kind] = {'median_both_ways_s': round(statistics.median(v), 3), 'max_s': round(max(v), 3),
                         'runs_on_the_same_connection': sum(1 for r in rows if r['kind'] == kind and r['new_connections'] == 0)}
json.dump({'date': time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime()), 'machine': machine, 'command': command,
           'setup': 'network namespaces: a and b behind veth cables to a switch namespace running meshcall serve; '
                    '320x240@15 VP8 test sources, media-timeout 2 s; times from the cable back (or the address '
                    'changed) to the first media packet after the gap, measured by the receiver',
           'summary': summary, 'seat_taken_back_ms': seat_ms, 'runs': rows}, open(out, 'w'), indent=2)
print(json.dumps(summary), 'seat', seat_ms, 'ms')
PY
