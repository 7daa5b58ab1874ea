# Three participants are in a call; a fourth joins late and decodes video from
# every one of them within 2 s of its join (the existing participants force a
# keyframe for it), and they all decode it.
source "$(dirname "$0")/call_lib.bash"

start_server
for n in early1 early2 early3; do start_join "$n"; done
expect_stats 30 --peers 2 --min-frames 10 $(stats_files early1 early2 early3)
log "three in the call"

start_join late
expect_stats 15 --peers 3 --min-frames 1 --width 320 --height 240 --max-first-frame 2.0 $(stats_files late)
node -e '
  const d = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  for (const p of d.peers) console.log(`late: first frame from ${p.name} ${(p.firstFrameAt - d.joinedAt).toFixed(3)} s after joining`);
' "$WORK/late.json"
expect_stats 10 --peers 3 --min-frames 5 --width 320 --height 240 $(stats_files early1 early2 early3)
log "everyone decodes the late joiner"
log "PASS"
