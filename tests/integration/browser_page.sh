#!/usr/bin/env bash
# The call page of meshcall serve (src/server/web/) with the server's token in
# the link: headless Chromium on the served page (tests/node/call_page.js
# drives its real UI) in a call with two meshcall participants, one already
# in the call (the page answers it) and one joining after (the page offers).
# All three decode each other; mc1's --say reaches the page through the
# history a late joiner asks for, mc2's live; a message typed in the page
# (Enter) reaches both --chat-logs; a file picked in the page's file input
# arrives at both --accept-files dirs with its SHA-256; the Mute button shows
# in both meshcall's --stats-json. Before the call: the page's HTTP answers
# (Content-Type, ETag, Cache-Control, 304, HEAD, 405, 404) with curl.
# KEEP_WORK=1 also keeps a screenshot of the page in the call (page.png).
source "$(dirname "$0")/browser_lib.bash"
source "$(dirname "$0")/wait.bash"

TOKEN=page-s3cret
SERVER_TOKEN=$TOKEN   # for /stats (browser_lib.bash)
start_server --token "$TOKEN"
base=$SIGNAL_URL

# ---- HTTP: the page and its files --------------------------------------------------
# header FILE NAME: the value of header NAME in a curl -D dump.
header() { grep -i "^$2:" "$1" | head -n1 | cut -d' ' -f2- | tr -d '\r'; }
for path in / /call.js /files.js /call.css /vendor/socket.io.min.js; do
  curl -sS -D "$WORK/h" -o "$WORK/body" "$base$path?call=x" || fail "GET $path failed"
  grep -q '^HTTP/1.1 200' "$WORK/h" || fail "GET $path: $(head -n1 "$WORK/h")"
  case $path in
    /) want='text/html; charset=utf-8' ;;
    *.css) want='text/css; charset=utf-8' ;;
    *) want='text/javascript; charset=utf-8' ;;
  esac
  [ "$(header "$WORK/h" Content-Type)" = "$want" ] || fail "GET $path: Content-Type '$(header "$WORK/h" Content-Type)', want '$want'"
  [ "$(header "$WORK/h" Cache-Control)" = no-cache ] || fail "GET $path: Cache-Control '$(header "$WORK/h" Cache-Control)'"
  [ "$(header "$WORK/h" X-Content-Type-Options)" = nosniff ] || fail "GET $path: no X-Content-Type-Options: nosniff"
  etag=$(header "$WORK/h" ETag)
  [[ $etag =~ ^\"[0-9a-f]{20}\"$ ]] || fail "GET $path: ETag '$etag'"
  code=$(curl -sS -o "$WORK/body304" -D "$WORK/h304" -w '%{http_code}' -H "If-None-Match: W/\"other\", $etag" "$base$path")
  [ "$code" = 304 ] && [ ! -s "$WORK/body304" ] || fail "GET $path with If-None-Match $etag: $code, $(wc -c <"$WORK/body304") bytes"
  [ "$(header "$WORK/h304" ETag)" = "$etag" ] || fail "$path: the 304 does not repeat the ETag"
  code=$(curl -sS -o /dev/null -w '%{http_code}' -H 'If-None-Match: "0000"' "$base$path")
  [ "$code" = 200 ] || fail "GET $path with another ETag: $code, want 200"
done
cmp -s "$WORK/body" "$NODE_PATH/socket.io-client/dist/socket.io.min.js" ||
  fail "/vendor/socket.io.min.js is not socket.io-client's bundle"
curl -sS -D "$WORK/h" -o "$WORK/page.html" "$base/"
grep -q "default-src 'none'" <<<"$(header "$WORK/h" Content-Security-Policy)" || fail "the page has no Content-Security-Policy"
grep -q '<script src="/vendor/socket.io.min.js"' "$WORK/page.html" || fail "the page does not load the bundle"
curl -sS -I -o /dev/null -D "$WORK/head" "$base/" || fail "HEAD / failed"
[ "$(header "$WORK/head" Content-Length)" = "$(wc -c <"$WORK/page.html")" ] || fail "HEAD / Content-Length differs from GET's"
code=$(curl -sS -o "$WORK/body" -D "$WORK/h" -w '%{http_code}' -X DELETE "$base/")
[ "$code" = 405 ] && [ "$(header "$WORK/h" Allow)" = "GET, HEAD" ] || fail "DELETE /: $code, Allow '$(header "$WORK/h" Allow)'"
code=$(curl -sS -o "$WORK/body" -w '%{http_code}' "$base/index.html")
[ "$code" = 404 ] && grep -q '"error"' "$WORK/body" || fail "GET /index.html: $code $(cat "$WORK/body")"
log "HTTP: Content-Type, ETag, Cache-Control: no-cache, 304, HEAD, 405 and 404 as documented"

# ---- the call ------------------------------------------------------------------------
CALL_ID=page-call
SIGNAL_URL="ws://127.0.0.1:$(cat "$WORK/port")"
PAGE_NAME="Ada on the page"
mkdir -p "$WORK/in1" "$WORK/in2"
head -c 300000 /dev/urandom >"$WORK/page-file.bin"
file_sha=$(sha256sum "$WORK/page-file.bin" | cut -d' ' -f1)

shot=()
[ "${KEEP_WORK:-0}" = 1 ] && shot=(--screenshot "$WORK/page.png")
start_join mc1 --token "$TOKEN" --say "hello from mc1 before the page" --chat-log "$WORK/mc1.chat" --accept-files "$WORK/in1"
wait_participants "$CALL_ID" 1 10
TMPDIR="$WORK" node "$NODE_DIR/call_page.js" --url "$base/?call=$CALL_ID#token=$TOKEN" --name "$PAGE_NAME" --peers 2 \
  --expect-chat "hello from mc1 before the page" --expect-chat "live from mc2" --say "typed in the page ✓" \
  --send-file "$WORK/page-file.bin" --mute "${shot[@]}" >"$WORK/page.log" 2>&1 &
PIDS[page]=$!
wait_participants "$CALL_ID" 2 15
start_join mc2 --token "$TOKEN" --say "live from mc2" --chat-log "$WORK/mc2.chat" --accept-files "$WORK/in2"

wait_event page 15 '"event":"joined","callId":"'"$CALL_ID"'"' "the link's call id in the form, then joined"
wait_event page 45 '"event":"decoding"' "decoded video and audio from mc1 and mc2"
expect_stats 20 --peers 2 --min-frames 15 --min-audio 15 --rising "$WORK/mc1.json" "$WORK/mc2.json"
log "all three decode each other"

wait_event page 20 '"event":"chat-seen","text":"hello from mc1 before the page"' "mc1's --say (history) in the page"
wait_event page 20 '"event":"chat-seen","text":"live from mc2"' "mc2's --say (live) in the page"
wait_event page 10 '"event":"chat-typed"' "the page's message typed and sent"
for mc in mc1 mc2; do
  wait_until 15 "the page's message in $mc's --chat-log" grep -q 'typed in the page ✓' "$WORK/$mc.chat"
  node -e '
    const lines = require("fs").readFileSync(process.argv[1], "utf8").split("\n").filter(Boolean).map(JSON.parse);
    const m = lines.filter((l) => l.text === "typed in the page ✓");
    if (m.length !== 1 || m[0].local || m[0].name !== process.argv[2] || !/^web-[0-9a-f]{12}$/.test(m[0].from))
      throw new Error("want the page message once, from web-…, named as the page: " + JSON.stringify(m));
  ' "$WORK/$mc.chat" "$PAGE_NAME" || fail "$mc's --chat-log is wrong"
done
log "chat: both --say in the page (one from history), the page's message in both --chat-logs"

wait_event page 60 '"event":"file-sent"' "the page's file sent to both"
for n in 1 2; do
  wait_until 10 "the page's file in in$n" test -f "$WORK/in$n/page-file.bin"
  [ "$(sha256sum "$WORK/in$n/page-file.bin" | cut -d' ' -f1)" = "$file_sha" ] || fail "mc$n's copy of the page's file differs"
done
log "file: the page's file arrived at mc1 and mc2 with its SHA-256"

wait_event page 10 '"event":"ready"' "the Mute button pressed"
# remote_muted FILE: meshcall's --stats-json says the page's participant is muted.
remote_muted() {
  node -e '
    const doc = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const p = (doc.peers || []).find((x) => x.name === process.argv[2]);
    process.exit(p && p.remoteAudioMuted === true && p.remoteVideoOff === false ? 0 : 1);
  ' "$1" "$PAGE_NAME" 2>/dev/null
}
for mc in mc1 mc2; do wait_until 10 "$mc's --stats-json to show the page muted" remote_muted "$WORK/$mc.json"; done
log "mute: both meshcall participants show the page as muted"

no_event page '"event":"(page-error|console-error|fatal)"' "the page threw or logged an error"
stop_proc page
stop_proc mc2
stop_proc mc1
log "PASS"
