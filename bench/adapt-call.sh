#!/usr/bin/env bash
# Send adaptation under a cap (issue 9), side by side with Chromium, in the
# network lab of the tests (tests/integration/netlab.bash; needs root). Two
# participants, s and r, both sending 640x480@30; r's downlink (the
# switch's end of its cable, which carries only what s sends r) gets a tbf
# from the start, first wide open (1 Gbit/s), then for 30 s the issue's cap
# (600 kbit/s, burst 6000 B, latency 50 ms: `tc qdisc change`, so its
# counters run on), then open again for 20 s. Per system and round, from
# the network (bench/adapt_sample.js reads `tc -s -j qdisc` every 250 ms):
#   settle_s                     cap -> the first 1-s window whose offered rate (delivered + dropped)
#                                is within 70..105 % of the cap (105 %: the cap plus its 50 ms queue)
#   windows_inside_share         from 8 s after the cap to the lift, the share of 1-s windows inside that
#   utilisation_after_settling   delivered rate over the same span / the cap
#   queue_drops_pct_capped       packets the tbf dropped / packets offered, cap to lift
#   longest_without_new_frames_s r's longest time between stats writes (once a second) with new frames
#                                from s, cap onwards: a freeze of F s shows as about F + 1
#   recover_to_80pct_s           lift -> the first 1-s window delivering 0.8 x the rate before the cap
# First two Chromium pages (Debian chromium through tests/node/browser_peer.js,
# --all-interfaces: their ICE runs over the lab's addresses), then two
# meshcall processes, then a Chromium sender facing a meshcall receiver
# (does meshcall's feedback, receiver reports and transport-cc, make a
# browser adapt?), in each round. SYSTEMS picks among those three and a
# fourth, chromium-to-meshcall-low: the Chromium sender under a cap of
# LOW_CAP kbit/s (300): its fake camera ramps only to about 600 kbit/s in
# the open phase, so only a lower cap makes it adapt.
#   sudo bench/adapt-call.sh [ROUNDS]     (default 1)
#   SYSTEMS="chromium-to-meshcall-low chromium-to-meshcall" OUT=bench/results/adapt-browser.json \
#     sudo -E bench/adapt-call.sh
# Writes bench/results/adapt-call.json (or OUT; with the load average before
# and after: the machine is shared). Summary: docs/bench-call.md.
source "$(dirname "$0")/lab-common.sh"
rounds=${1:-1}
out=${OUT:-bench/results/adapt-call.json}
read -r -a systems <<<"${SYSTEMS:-chromium meshcall chromium-to-meshcall}"

CAP=600
LOW_CAP=${LOW_CAP:-300}
FREE_S=40   # Chromium takes 20-30 s to ramp above the cap
CAP_S=30
LIFT_S=20
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

lab_start
lab_add s
lab_add r
lab_serve
read -r R_NS R_DEV <<<"$(lab_dev r down)"

open_link() { tc -n "$R_NS" qdisc "$1" dev "$R_DEV" root tbf rate 1gbit burst 1mb latency 50ms; }
# cap_link KBPS
cap_link() { tc -n "$R_NS" qdisc change dev "$R_DEV" root tbf rate "$1"kbit burst 6000 latency 50ms; }

start_chromium() {
  local name=$1
  ip netns exec "$(lab_ns "$name")" env TMPDIR="$WORK" NODE_PATH="$NODE_PATH" node "$NODE_DIR/browser_peer.js" \
    --signal "ws://10.77.0.1:$LAB_PORT" --call "$2" --peer "$name" --name "$name" --size 640x480 --fps 30 \
    --all-interfaces --stats-file "$WORK/$name.json" >"$WORK/$name-browser.log" 2>&1 &
  PIDS[$name]=$!
}

stop_pair() {
  local name
  for name in s r; do
    kill -TERM "${PIDS[$name]}" 2>/dev/null
    for _ in $(seq 50); do kill -0 "${PIDS[$name]}" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "${PIDS[$name]}" 2>/dev/null
    unset "PIDS[$name]"
  done
  rm -f "$WORK/s.json" "$WORK/r.json"
}

# cap_of SYSTEM: the cap in kbit/s its run gets.
cap_of() { if [ "$1" = chromium-to-meshcall-low ]; then echo "$LOW_CAP"; else echo "$CAP"; fi; }

# run SYSTEM ROUND: one scenario; prints its figures (JSON).
run() {
  local system=$1 call="adapt-$1-$2" cap
  cap=$(cap_of "$system")
  case $system in
    chromium) start_chromium s "$call"; start_chromium r "$call" ;;
    chromium-to-meshcall*) start_chromium s "$call"; CALL_ID=$call lab_join r --size 640x480 --fps 30 >&2 ;;
    *) CALL_ID=$call lab_join s --size 640x480 --fps 30 >&2; CALL_ID=$call lab_join r --size 640x480 --fps 30 >&2 ;;
  esac
  node "$NODE_DIR/media_check.js" --timeout 60 --peers 1 --min-frames 30 --rising "$WORK/s.json" "$WORK/r.json" >&2 ||
    { echo '{"error": "the pair did not decode each other"}'; stop_pair; return; }
  open_link replace
  rm -f "$WORK/stop" "$WORK/phases"
  touch "$WORK/phases"
  node bench/adapt_sample.js --ns "$R_NS" --dev "$R_DEV" --stats "$WORK/r.json" --peer s --phases "$WORK/phases" \
    --cap-kbps "$cap" --stop "$WORK/stop" >"$WORK/figures.json" &
  local sampler=$!
  sleep $FREE_S   # the phases' lengths are the stimulus
  echo "cap $(date +%s%3N)" >>"$WORK/phases"
  cap_link "$cap"
  sleep $CAP_S
  echo "lift $(date +%s%3N)" >>"$WORK/phases"
  open_link change
  sleep $LIFT_S
  touch "$WORK/stop"
  wait $sampler
  tc -n "$R_NS" qdisc del dev "$R_DEV" root
  stop_pair
  cat "$WORK/figures.json"
}

results=()
for round in $(seq "$rounds"); do
  for system in "${systems[@]}"; do
    fig=$(run "$system" "$round")
    log "$system round $round: $fig"
    results+=("{\"system\": \"$system\", \"round\": $round, \"cap_kbps\": $(cap_of "$system"), \"figures\": $fig}")
  done
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

command="sudo bench/adapt-call.sh $rounds"
[ -z "${SYSTEMS:-}" ] || command="SYSTEMS=\\\"$SYSTEMS\\\" OUT=$out sudo -E bench/adapt-call.sh $rounds"
write_results adapt-call "$command" \
  "2 participants 640x480@30 both ways; r's downlink tbf ${CAP}kbit (chromium-to-meshcall-low: ${LOW_CAP}kbit) burst 6000 latency 50ms for ${CAP_S} s after ${FREE_S} s open, then open ${LIFT_S} s" \
  "$out"
