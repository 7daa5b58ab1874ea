#!/usr/bin/env bash
# Files between Chromium (the reference page, tests/node/browser_peer.html)
# and meshcall over "file:ID" data channels (docs/protocol.md, "File
# transfer"): meshcall --send a 50 MiB random file and the page gets it with
# the same SHA-256; the page sends 5 MiB under the name
# "../../etc/evil\x01name.bin" and meshcall (--accept-files) saves it as
# "evilname.bin" in its directory, SHA-256 checked, nothing else there.
source "$(dirname "$0")/browser_lib.bash"
source "$(dirname "$0")/wait.bash"

mkdir -p "$WORK/inbox" "$WORK/send"
head -c $((50 * 1024 * 1024)) /dev/urandom >"$WORK/send/big.bin"
big_sha=$(sha256sum "$WORK/send/big.bin" | cut -d' ' -f1)

start_server
SIGNAL_URL="ws://127.0.0.1:$(cat "$WORK/port")"
CALL_ID=files
start_browser web1 --signal "$SIGNAL_URL" --peer web1 --name "Chromium" --stats-file "$WORK/web1.json" \
  --control "$WORK/web1.control"
wait_event web1 20 '"event":"join-ack","ack":\{"ok":true' "joined the call"
start_join mc1 --accept-files "$WORK/inbox" --send "$WORK/send/big.bin"
wait_event web1 90 '"event":"file-received","remote":"mc1","name":"big.bin","size":52428800,"sha256":"'"$big_sha"'","ok":true' \
  "meshcall's 50 MiB file in the page, SHA-256 matching"
wait_until 15 "meshcall to hear that the page checked it" grep -q "sent big.bin to Chromium (52428800 bytes, SHA-256 checked)" \
  "$WORK/mc1.log"
log "50 MiB from meshcall to Chromium, same SHA-256"

echo 'send-file 5242880 ../../etc/evil\x01name.bin' >"$WORK/web1.control"
wait_event web1 10 '"event":"file-sending"' "the page sending"
wait_event web1 60 '"event":"file-sent","remote":"mc1".*"ok":true' "meshcall's file-done ok for the page's file"
web_sha=$(grep -o '"event":"file-sending".*' "$WORK/web1.log" | grep -o '"sha256":"[0-9a-f]*"' | head -n1 | cut -d'"' -f4)
[ -f "$WORK/inbox/evilname.bin" ] || fail "the page's file is not saved as evilname.bin: $(ls -A "$WORK/inbox")"
[ "$(sha256sum "$WORK/inbox/evilname.bin" | cut -d' ' -f1)" = "$web_sha" ] || fail "the page's file differs"
[ "$(ls -A "$WORK/inbox")" = "evilname.bin" ] || fail "more than the file in the inbox: $(ls -A "$WORK/inbox")"
log "5 MiB from Chromium to meshcall, the name made safe, same SHA-256"
log "PASS"
