#!/usr/bin/env bash
# Chat between Chromium (the reference page, tests/node/browser_peer.html)
# and meshcall over the "chat" data channel, in both offer directions:
# meshcall's --say reaches the page, and the page's message reaches
# meshcall's --chat-log. Malformed, oversized, spoofed and unasked-for
# messages from the page are dropped (debug lines say why) and the call goes
# on: the good message after them arrives, media keeps flowing.
source "$(dirname "$0")/browser_lib.bash"
source "$(dirname "$0")/wait.bash"

start_server
SIGNAL_URL="ws://127.0.0.1:$(cat "$WORK/port")"

# chat_lines FILE: the number of lines of a --chat-log.
chat_lines() { [ -f "$1" ] && grep -c . "$1" || echo 0; }

# check_chat CALL WEB MC: both ways, then the bad ones are dropped.
check_chat() {
  local call=$1 web=$2 mc=$3
  wait_event "$web" 25 '"event":"chat","remote":"'"$mc"'","data":"\{\\"type\\":\\"chat\\".*from meshcall' \
    "meshcall's --say in the page"
  wait_event "$web" 5 '"event":"chat-open"' "the page's chat channel open"
  # meshcall asked the page for its history; after the answer, a replay is unasked for.
  wait_event "$web" 10 '"event":"chat-history-answered","remote":"'"$mc"'"' "meshcall's history-request answered"
  echo "chat-bad" >"$WORK/$web.control"
  wait_event "$web" 10 '"event":"chat-sent","bad":true,"channels":7' "the 7 bad messages sent"
  echo "say hello from chromium ✓" >"$WORK/$web.control"
  wait_event "$web" 10 '"event":"chat-sent","text":"hello from chromium ✓","channels":1' "the page's message sent"
  wait_until 15 "the page's message in meshcall's --chat-log" grep -q 'hello from chromium' "$WORK/$mc.chat"
  node -e '
    const lines = require("fs").readFileSync(process.argv[1], "utf8").split("\n").filter(Boolean).map(JSON.parse);
    const theirs = lines.filter((l) => !l.local);
    if (theirs.length !== 1 || theirs[0].text !== "hello from chromium ✓" || theirs[0].from !== process.argv[2] ||
        theirs[0].name !== process.argv[3])
      throw new Error("want exactly the good message from the page, got " + JSON.stringify(theirs));
    if (!lines.some((l) => l.local && l.text === "from meshcall " + process.argv[4]))
      throw new Error("meshcall did not log its own --say");
  ' "$WORK/$mc.chat" "$web" "Chromium $call" "$call" || fail "$call: meshcall's --chat-log is wrong"
  [ "$(grep -c "chat from $web dropped: " "$WORK/$mc.log")" -ge 7 ] ||
    fail "$call: want 7 'chat from $web dropped' debug lines: $(grep "chat from $web" "$WORK/$mc.log")"
  for why in 'more than 4096' 'more than 16384' 'control character' \
      '"from" names someone-else' 'a replay nobody asked it for' '"from" is missing'; do
    grep -Eq "chat from $web dropped: .*($why)" "$WORK/$mc.log" || fail "$call: no debug line for the drop of: $why"
  done
  expect_stats 15 --peers 1 --min-frames 15 --rising "$WORK/$mc.json"
  log "$call: chat both ways, the bad messages dropped, media still flowing"
}

# 1. The browser offers (and creates the channel).
CALL_ID=chat-browser-first
start_browser web1 --signal "$SIGNAL_URL" --peer web1 --name "Chromium $CALL_ID" --stats-file "$WORK/web1.json" \
  --control "$WORK/web1.control"
wait_event web1 20 '"event":"join-ack","ack":\{"ok":true' "joined the call"
GST_DEBUG="meshcall*:4,meshcall-media:5" start_join mc1 --say "from meshcall $CALL_ID" --chat-log "$WORK/mc1.chat"
check_chat "$CALL_ID" web1 mc1
stop_proc mc1
stop_proc web1

# 2. meshcall offers (and creates the channel); the page takes it.
CALL_ID=chat-meshcall-first
GST_DEBUG="meshcall*:4,meshcall-media:5" start_join mc2 --say "from meshcall $CALL_ID" --chat-log "$WORK/mc2.chat"
wait_participants "$CALL_ID" 1 10
start_browser web2 --signal "$SIGNAL_URL" --peer web2 --name "Chromium $CALL_ID" --stats-file "$WORK/web2.json" \
  --control "$WORK/web2.control"
check_chat "$CALL_ID" web2 mc2
stop_proc web2
stop_proc mc2
log "PASS"
