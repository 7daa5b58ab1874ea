#!/bin/bash
# Out of file descriptors: meshcall serve under `ulimit -n 256` while an
# attacker holds every descriptor it can (idle connections from 127.0.0.10-13,
# tests/node/serve_descriptors.js): /health from 127.0.0.1 and a call's
# signaling stay served, a new client can still join, the server does not
# spin (CPU under 10 % over the attack), a media call between two meshcall
# participants it set up keeps its frame rate, and it logs one warning per episode,
# not one per failed accept. At start it lowers max-connections to fit its
# descriptors (192 of 256: sessions cannot take the last 64), with a warning.
source "$(dirname "$0")/serve_lib.bash"

limit=256
# The attacker and the node clients need more descriptors than the server gets.
ulimit -S -n "$(ulimit -H -n)"
cat >"$WORK/meshcall-limited" <<SH
#!/bin/bash
ulimit -n $limit
exec "$MESHCALL_BIN" "\$@"
SH
chmod +x "$WORK/meshcall-limited"
MESHCALL_BIN="$WORK/meshcall-limited" start_server srv
pid=${PIDS[srv]}
[ "$(awk '/^Max open files/ { print $4 }' "/proc/$pid/limits")" = $limit ] || fail "the server does not run with $limit descriptors"
grep -q "max-connections 4096 lowered to 192" "$WORK/srv.log" || fail "no start-up warning that max-connections was lowered"

# A running media call through this server: two meshcall participants
# (the machine the issue measured fell to 1.9 fps while the server spun).
fps=10
for m in m1 m2; do
  "$MESHCALL_BIN" join media --signal "ws://127.0.0.1:$PORT" --peer-id $m --name $m --headless --video test \
    --audio test --size 160x120 --fps $fps --no-audio-processing --stats-json "$WORK/$m.json" \
    </dev/null >"$WORK/$m.log" 2>&1 &
  PIDS[$m]=$!
done
node "$NODE_DIR/media_check.js" --timeout 30 --peers 1 --min-frames 10 --min-audio 10 --rising \
  "$WORK/m1.json" "$WORK/m2.json" || fail "the media call did not come up"
# frames: the video frames each decoded from the other, summed.
frames() {
  node -e 'let n = 0; for (const f of process.argv.slice(1)) for (const p of JSON.parse(require("fs").readFileSync(f, "utf8")).peers) n += p.videoFramesDecoded; console.log(n);' \
    "$WORK/m1.json" "$WORK/m2.json"
}
f0=$(frames)
t0=$(date +%s%N)

CLK_TCK=$(getconf CLK_TCK) run_node serve_descriptors.js "$PORT" "$pid" $limit 192 128 15 2
server_alive srv
f1=$(frames)
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
rate=$(( (f1 - f0) * 1000 / ms / 2 ))
log "the media call over the attack: $rate fps each way (sent at $fps; $((f1 - f0)) frames in $ms ms)"
[ "$rate" -ge $((fps * 7 / 10)) ] || fail "the media call fell to $rate fps each way during the attack (sent at $fps)"
node "$NODE_DIR/media_check.js" --timeout 10 --peers 1 --rising --signaling joined "$WORK/m1.json" "$WORK/m2.json" ||
  fail "the media call is not whole after the attack"
n_emfile=$(grep -c "cannot accept connections" "$WORK/srv.log")
n_warn=$(grep -c "WARN" "$WORK/srv.log")
log "server log: $n_warn warning lines, $n_emfile about descriptors"
[ "$n_emfile" -ge 1 ] || fail "no warning about running out of descriptors"
[ "$n_emfile" -le 2 ] || fail "$n_emfile warnings about running out of descriptors (one per episode expected)"
# Besides: max-connections lowered at start, and one for the sessions refused at it.
[ "$n_warn" -le $((n_emfile + 2)) ] || fail "$n_warn warning lines in the server log"
stop_server srv
log "PASS"
