# Send adaptation (issue 9) in the network lab: a sends 640x480@30 to b and
# c (who send 320x240@15). b's downlink is capped with tbf (600 kbit/s,
# burst 15 kB, 50 ms of queue) while c's stays free. Behaviour checked,
# with bounded waits (timing and throughput targets are bench/adapt-call.sh's):
#  - capped: a's estimate for b falls below the cap, what a sends b (its
#    RTP rate) settles below it, the queue in front of b drops less than
#    10 % over the settled window (a fixed-rate sender loses ~27 %), and b
#    decodes a throughout, never 2 s or more without a frame;
#  - unshaped: c still gets at least 0.8 x its rate from a from before the
#    cap, in a tier of its own at the full size;
#  - recovery: after the cap is lifted, what a sends b climbs back to 0.8 x
#    its rate from before (within 40 s);
#  - loss without a cap: with 3 % of what b receives dropped at its
#    prerouting, a's estimate for b holds (at least half of what it was)
#    and b keeps decoding (3 frames a second or more).
source "$(dirname "$0")/call_lib.bash"
source "$(dirname "$0")/wait.bash"
source "$(dirname "$0")/netlab.bash"

CAP_KBPS=600
W="node $NODE_DIR/adapt_watch.js"
WAIT_POLL=0.5   # each check reads stats files with node; they change once a second

lab_start
lab_add a
lab_add b
lab_add c
lab_serve
lab_join a --size 640x480 --fps 30
lab_join b
lab_join c
expect_stats 40 --peers 2 --min-frames 10 --rising $(stats_files a b c)
log "three participants decode each other"

# value FILE PEER MEMBER: one member of PEER's entry in FILE.
value() { $W get "$WORK/$1.json" "$2" "$3"; }
# at_least A B: A >= B (decimals)
at_least() { node -e 'process.exit(Number(process.argv[1]) >= Number(process.argv[2]) ? 0 : 1)' "$1" "$2"; }
# mean_out FROM TO SECONDS: FROM's mean RTP rate to TO over SECONDS one-second samples.
mean_out() {
  local sum=0 v
  for _ in $(seq "$3"); do
    sleep 1   # one sample per stats write
    v=$(value "$1" "$2" outboundKbps)
    sum=$(node -e 'console.log(Number(process.argv[1]) + Number(process.argv[2] === "null" ? 0 : process.argv[2]))' "$sum" "$v")
  done
  node -e 'console.log((Number(process.argv[1]) / Number(process.argv[2])).toFixed(1))' "$sum" "$3"
}

# The estimates start at the default rate and climb: wait for a to send b
# and c more than the cap (else a cap would not constrain anything).
over_cap() { at_least "$(value a b outboundKbps)" $CAP_KBPS && at_least "$(value a c outboundKbps)" $CAP_KBPS; }
wait_until 30 "a to send b and c more than $CAP_KBPS kbit/s" over_cap
base_b=$(mean_out a b 4)
base_c=$(mean_out a c 4)
log "before the cap: a sends b $base_b, c $base_c kbit/s"

# ---- the cap ------------------------------------------------------------------
rm -f "$WORK/stop"
$W freezes --stop-file "$WORK/stop" "$WORK/b.json" a >"$WORK/freeze-b.out" &
PIDS[freeze]=$!
lab_shape_down b ${CAP_KBPS}kbit 15kb 50ms
estimate_below_cap() { local v; v=$(value a b estimateKbps); [ "$v" != null ] && ! at_least "$v" $CAP_KBPS; }
wait_until 20 "a's estimate for b below the cap" estimate_below_cap
log "a's estimate for b: $(value a b estimateKbps) kbit/s"
sleep 5   # settling: the window below starts here
read -r _ p0 d0 <<<"$(lab_qdisc b down)"
settled_b=$(mean_out a b 6)
settled_c=$(mean_out a c 6)
read -r _ p1 d1 <<<"$(lab_qdisc b down)"
drops=$(node -e 'const p = process.argv[1] - process.argv[2], d = process.argv[3] - process.argv[4];
                 console.log((100 * d / Math.max(1, p + d)).toFixed(2))' "$p1" "$p0" "$d1" "$d0")
log "capped: a sends b $settled_b kbit/s (cap $CAP_KBPS), queue drops $drops %; c gets $settled_c kbit/s"
log "tiers: b in $(value a b tier) ($(value a b tierWidth)x$(value a b tierHeight)@$(value a b tierFps)), c in $(value a c tier) ($(value a c tierWidth)x$(value a c tierHeight))"
! at_least "$settled_b" "$CAP_KBPS" || fail "a sends b $settled_b kbit/s through a $CAP_KBPS kbit/s cap"
! at_least "$drops" 10 || fail "the queue in front of b dropped $drops % of what came (settled window)"
at_least "$settled_c" "$(node -e 'console.log(0.8 * process.argv[1])' "$base_c")" ||
  fail "c, unshaped, got $settled_c kbit/s from a, under 0.8 x its $base_c before b's cap"
[ "$(value a b tier)" != "$(value a c tier)" ] || fail "b and c share a tier: c is held down by b's cap"
[ "$(value a c tierWidth)" = 640 ] || fail "c's tier is $(value a c tierWidth) wide, not the full 640"

# ---- the cap lifted --------------------------------------------------------------
lab_unshape b down
lifted_ms=$(now_ms)
recover_to=$(node -e 'console.log(0.8 * process.argv[1])' "$base_b")
recovered() { at_least "$(value a b outboundKbps)" "$recover_to"; }
# Growth is 8 % a second at most: from the cap back to 0.8 x a rate that
# was 3-5 times it takes 15-20 s (measured: 21 s on a loaded machine).
wait_until 40 "a to send b 0.8 x its rate from before the cap ($recover_to kbit/s)" recovered
log "a sends b $(value a b outboundKbps) kbit/s again, $(( $(now_ms) - lifted_ms )) ms after the lift (stats every 1 s)"
touch "$WORK/stop"
wait "${PIDS[freeze]}"
unset 'PIDS[freeze]'
freeze=$(cat "$WORK/freeze-b.out")
[ "$freeze" != reset ] || fail "b's decoder of a was rebuilt during the cap"
log "b's longest wait for a frame of a (cap and lift), by 1-s stats writes: $freeze s"
! at_least "$freeze" 3 || fail "b went $freeze s without decoding a frame of a (2 s or more without a frame)"

# ---- random loss, no cap ------------------------------------------------------------
before=$(value a b estimateKbps)
f0=$(value b a videoFramesDecoded)
lab_loss b 3
sleep 12   # the stimulus lasts this long
after=$(value a b estimateKbps)
f1=$(value b a videoFramesDecoded)
log "3 % loss into b: a's estimate for b $before -> $after kbit/s ($(lab_loss_dropped b) packets dropped), b decoded $((f1 - f0)) frames of a"
lab_loss b 0
at_least "$after" "$(node -e 'console.log(0.5 * process.argv[1])' "$before")" ||
  fail "a's estimate for b collapsed under 3 % loss: $before -> $after kbit/s"
# Without retransmission a lost packet spoils its frame and what follows
# until the next keyframe: measured 122 of 360 frames. At least 3 a second.
[ $((f1 - f0)) -ge 36 ] || fail "b decoded only $((f1 - f0)) frames of a in 12 s of 3 % loss"
log "PASS"
