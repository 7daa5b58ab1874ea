#!/usr/bin/env bash
# A browser participant on the official Firebase JS SDK (npm firebase 12,
# onSnapshot listeners, tests/node/firestore_peer.html, written from
# docs/firestore.md alone) in headless Chromium, in one call with two
# `meshcall join --signal firestore://...` participants through the real
# Firestore emulator running conf/firestore.rules (so every write the page
# and meshcall make is one the rules allow):
#   mc1 joins, then the browser (it offers to mc1), then mc2 (it offers to
#   the browser); all three decode each other's video and audio; neither the
#   browser nor the rules refuse anything; the browser leaves (its document
#   and inbox deleted) and both meshcall participants drop it at once; what
#   they sent it meanwhile they delete from its inbox.
source "$(dirname "$0")/firestore_lib.bash"
source "$(dirname "$0")/browser_lib.bash"

start_emulator --rules "$MESHCALL_SOURCE_DIR/conf/firestore.rules"
CALL_ID=mixed

start_fs_join mc1
has_participant() { case " $(fs_participants "$CALL_ID") " in *" $1 "*) return 0 ;; esac; return 1; }
wait_until 15 "mc1's participant document" has_participant mc1
start_browser web --signal "firestore://$FS_PROJECT" --peer web --name "Chromium on the SDK" --stats-file "$WORK/web.json"
wait_event web 30 '"event":"joined"' "the browser to join through Firestore"
start_fs_join mc2
expect_stats 40 --peers 2 --min-frames 10 --min-audio 10 --width 320 --height 240 --rising \
  "$WORK/web.json" "$WORK/mc1.json" "$WORK/mc2.json"
log "the SDK browser and both meshcall participants decode each other"

# Who offers: the later joiner.
grep -q '"event":"offer-sent","remote":"mc1"' "$WORK/web.log" || fail "the browser did not offer to mc1 (it joined later)"
grep -q '"event":"answer-sent","remote":"mc2"' "$WORK/web.log" || fail "the browser did not answer mc2's offer"
no_event web '"event":"(sdp-error|candidate-rejected|protocol-error|send-error|firestore-error|call-error|fatal|page-error|inbox-dropped)"' \
  "the browser refused something, or Firestore (its rules) refused the browser"
no_event web '"event":"(rejoining|peer-stale)"' "the browser lost its place in the call"
for n in mc1 mc2; do
  grep -Eq "HTTP 403|refused" "$WORK/$n.log" && fail "$n was refused by the rules: $(grep -E 'HTTP 403|refused' "$WORK/$n.log" | head -n 3)"
done
node -e '
  const fs = require("fs");
  const web = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
  const ids = web.peers.map((p) => p.peerId).sort().join(" ");
  if (ids !== "mc1 mc2") { console.error(`the browser lists ${ids}`); process.exit(1); }
  for (const f of process.argv.slice(2)) {
    const mc = JSON.parse(fs.readFileSync(f, "utf8"));
    const w = mc.peers.find((p) => p.peerId === "web");
    if (!w || w.name !== "Chromium on the SDK") { console.error(`${f}: the browser is ${JSON.stringify(w && w.name)}`); process.exit(1); }
  }
  console.log(web.peers.map((p) => `browser got ${p.videoFramesDecoded} frames ${p.width}x${p.height} from ${p.peerId}`).join("; "));
' "$WORK/web.json" "$WORK/mc1.json" "$WORK/mc2.json" || fail "wrong participants"

stop_proc web
grep -q '"event":"left"' "$WORK/web.log" || fail "the browser did not leave through Firestore"
expect_stats 10 --peers 1 --absent web "$WORK/mc1.json" "$WORK/mc2.json"
two_left() { [ "$(fs_participants "$CALL_ID")" = "mc1 mc2" ]; }
wait_until 5 "the browser's document deleted" two_left
grep -q '"event":"left","inboxDeleted":[0-9]' "$WORK/web.log" || fail "the browser did not clear its inbox when leaving"
# What mc1 and mc2 sent it after it read its inbox the last time, they delete.
wait_until 10 "the browser's inbox empty" fs_inbox_from web ""
expect_stats 10 --peers 1 --rising "$WORK/mc1.json" "$WORK/mc2.json"
log "the browser left; mc1 and mc2 dropped it and still decode each other"
log "PASS"
