# A cable pulled and plugged back (issue 11), in network namespaces: each
# participant behind its own veth "cable" to a switch namespace where
# `meshcall serve` runs. First two participants, a's cable out for 5 s; then
# three, a's cable out for 20 s. Each time: the others' connections to each
# other are never disturbed; everyone keeps a's tile (listed throughout,
# the same connection: connectedAt unchanged, no new pipeline) and marks it
# reconnecting; within 5 s of the cable coming back, media flows again both
# ways between a and everyone (the first packet after the gap, as the stats'
# lastMediaGapEndedAt dates it).
source "$(dirname "$0")/call_lib.bash"
source "$(dirname "$0")/wait.bash"
source "$(dirname "$0")/netlab.bash"

lab_start
lab_add a
lab_add b
lab_serve
lab_join a
lab_join b
expect_stats 30 --peers 1 --min-frames 10 --min-audio 10 --rising $(stats_files a b)
log "a and b decode each other through the lab"

# outage NAME SECONDS OTHER...: NAME's cable out for SECONDS, then back.
outage() {
  local name=$1 secs=$2 o interrupted_of_name=() back_ms elapsed
  shift 2
  for o in "$@"; do interrupted_of_name+=(--interrupted "$o"); done
  rm -f "$WORK/stop"
  # The others among themselves: undisturbed. Everyone about NAME: the same connection, kept.
  node "$NODE_DIR/media_watch.js" --stop-file "$WORK/stop" --max-seconds $((secs + 60)) --interrupted "$name" \
    $(stats_files "$@") >"$WORK/watch-others.out" 2>&1 &
  PIDS[watch_others]=$!
  node "$NODE_DIR/media_watch.js" --stop-file "$WORK/stop" --max-seconds $((secs + 60)) "${interrupted_of_name[@]}" \
    "$WORK/$name.json" >"$WORK/watch-$name.out" 2>&1 &
  PIDS[watch_name]=$!
  sleep 1.5   # the watchers take their baseline while everything is connected

  lab_cable "$name" down
  expect_stats 10 --state "$name:reconnecting" $(stats_files "$@")
  log "the others mark $name reconnecting"
  sleep "$secs"   # the length of the outage is the stimulus, not a wait for an event
  lab_cable "$name" up
  back_ms=$(now_ms)
  # Media again (connectionState connected, which needs media within the
  # media timeout), seen through stats files written once a second.
  expect_stats 6 --min-frames 1 $(stats_files "$name" "$@")
  elapsed=$(( $(now_ms) - back_ms ))
  log "media back between $name and everyone $elapsed ms after the cable (stats written every 1 s)"
  # Exactly, from the first packet after the gap (lastMediaGapEndedAt, both
  # ways): within 5 s of the cable, and after it (this outage's gap).
  node -e '
    const fs = require("fs");
    const [name, back] = [process.argv[1], Number(process.argv[2])];
    const bad = [];
    for (const f of process.argv.slice(3)) {
      const d = JSON.parse(fs.readFileSync(f, "utf8"));
      for (const p of d.peers.filter((q) => d.peerId === name || q.peerId === name)) {
        const ended = p.lastMediaGapEndedAt == null ? null : Math.round(p.lastMediaGapEndedAt * 1000 - back);
        if (ended == null || ended < -500 || ended > 5000)
          bad.push(`${d.peerId} from ${p.peerId}: media gap ended ${ended} ms after the cable`);
        else console.log(`${d.peerId} from ${p.peerId}: first packet ${ended} ms after the cable (gap ${p.lastMediaGapS} s)`);
      }
    }
    if (bad.length) { console.error(bad.join("; ")); process.exit(1); }' "$name" "$back_ms" $(stats_files "$name" "$@") ||
    fail "media did not come back within 5 s of $name's cable"
  expect_stats 10 --rising $(stats_files "$name" "$@")

  touch "$WORK/stop"
  wait "${PIDS[watch_others]}" || { cat "$WORK/watch-others.out"; fail "the others were disturbed by $name's outage"; }
  wait "${PIDS[watch_name]}" || { cat "$WORK/watch-$name.out"; fail "$name's connections were not kept through its outage"; }
  unset 'PIDS[watch_others]' 'PIDS[watch_name]'
  log "$secs s outage of $name: others undisturbed, $name's tiles and connections kept"
}

outage a 5 b

lab_add c
lab_join c
expect_stats 30 --peers 2 --min-frames 10 --min-audio 10 --rising $(stats_files a b c)
log "three participants"
outage a 20 b c

grep -q "reconnected to a" "$WORK/b.log" || fail "b did not say it reconnected to a"
! grep -q "a left" "$WORK/b.log" "$WORK/c.log" || fail "a was reported as having left"
log "PASS"
