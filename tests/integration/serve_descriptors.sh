#!/bin/bash
# Out of file descriptors: meshcall serve under `ulimit -n 256` while an
# attacker holds every descriptor it can (idle connections from 127.0.0.10-13,
# tests/node/serve_descriptors.js): /health from 127.0.0.1 and a call's
# signaling stay served, a new client can still join, the server does not
# spin (CPU under 10 % over the attack) and logs one warning per episode,
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

CLK_TCK=$(getconf CLK_TCK) run_node serve_descriptors.js "$PORT" "$pid" $limit 192 128 15
server_alive srv
n_emfile=$(grep -c "cannot accept connections" "$WORK/srv.log")
n_warn=$(grep -c "WARN" "$WORK/srv.log")
log "server log: $n_warn warning lines, $n_emfile about descriptors"
[ "$n_emfile" -ge 1 ] || fail "no warning about running out of descriptors"
[ "$n_emfile" -le 2 ] || fail "$n_emfile warnings about running out of descriptors (one per episode expected)"
# Besides: max-connections lowered at start, and one for the sessions refused at it.
[ "$n_warn" -le $((n_emfile + 2)) ] || fail "$n_warn warning lines in the server log"
stop_server srv
log "PASS"
