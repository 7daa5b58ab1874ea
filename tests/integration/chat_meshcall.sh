# Chat between meshcall participants (issue 12): alice and bob each --say one
# message on joining; both --chat-log files get both, with the sender's name
# and their own marked local. A late joiner, carol, gets the two from the
# history of one existing peer, each once (de-duplicated by id), in order.
source "$(dirname "$0")/call_lib.bash"
source "$(dirname "$0")/wait.bash"

A_TEXT='hello from alice — ✓ "quoted"'
B_TEXT=$'hi from bob\nsecond line'

# has_chat FILE N: FILE has exactly N lines, and has both texts.
has_chat() {
  node -e '
    const fs = require("fs");
    const [file, n, a, b] = process.argv.slice(1);
    if (!fs.existsSync(file)) process.exit(1);
    const lines = fs.readFileSync(file, "utf8").split("\n").filter(Boolean).map(JSON.parse);
    const texts = lines.map(l => l.text);
    process.exit(lines.length === Number(n) && texts.includes(a) && texts.includes(b) ? 0 : 1);
  ' "$1" "$2" "$A_TEXT" "$B_TEXT"
}

start_server
start_join alice --say "$A_TEXT" --chat-log "$WORK/alice.chat"
expect_stats 20 --peers 0 $(stats_files alice)
start_join bob --say "$B_TEXT" --chat-log "$WORK/bob.chat"
wait_until 30 "both messages in alice's and bob's --chat-log" \
  eval 'has_chat "$WORK/alice.chat" 2 && has_chat "$WORK/bob.chat" 2'
node -e '
  const fs = require("fs");
  const [dir, a, b] = process.argv.slice(1);
  for (const who of ["alice", "bob"]) {
    const lines = fs.readFileSync(`${dir}/${who}.chat`, "utf8").split("\n").filter(Boolean).map(JSON.parse);
    for (const l of lines) {
      const author = l.text === a ? "alice" : "bob";
      if (l.from !== author || l.name !== author) throw new Error(`${who}: ${JSON.stringify(l)} is not from ${author}`);
      if (l.local !== (author === who)) throw new Error(`${who}: local is wrong in ${JSON.stringify(l)}`);
      if (!/^[0-9a-f-]{36}$/.test(l.id) || !(l.sentAt > 1.7e12) || !(l.receivedAt >= l.sentAt - 5000))
        throw new Error(`${who}: bad id or times in ${JSON.stringify(l)}`);
    }
  }
' "$WORK" "$A_TEXT" "$B_TEXT" || fail "the --chat-log lines are wrong"
log "alice and bob chatted both ways"

start_join carol --chat-log "$WORK/carol.chat"
wait_until 30 "the history (2 messages) in carol's --chat-log" has_chat "$WORK/carol.chat" 2
# Still once each after carol is connected to both (the other peer's
# channel opened too, and nothing more came).
expect_stats 20 --peers 2 --min-frames 5 $(stats_files carol)
has_chat "$WORK/carol.chat" 2 || fail "carol's log has more than the two messages: $(cat "$WORK/carol.chat")"
node -e '
  const lines = require("fs").readFileSync(process.argv[1], "utf8").split("\n").filter(Boolean).map(JSON.parse);
  if (lines[0].text !== process.argv[2] || lines[1].text !== process.argv[3]) throw new Error("history out of order");
  if (lines.some(l => l.local)) throw new Error("carol sent nothing");
' "$WORK/carol.chat" "$A_TEXT" "$B_TEXT" || fail "carol's history is wrong: $(cat "$WORK/carol.chat")"
grep -q "chat: asking .* for the recent messages" "$WORK/carol.log" || fail "carol did not ask for the history"
[ "$(grep -c "chat: asking" "$WORK/carol.log")" = 1 ] || fail "carol asked more than one peer"
log "carol got the history from one peer, each message once"
log "PASS"
