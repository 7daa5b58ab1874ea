#!/usr/bin/env bash
# TLS (issue 12, "Secure contexts"): `meshcall serve --tls-cert --tls-key`
# with a CA and a server certificate this test makes (SAN IP:127.0.0.1 and
# DNS:localhost), in one call:
#   - start-up refuses a key that is not the certificate's, naming the file;
#   - meshcall join without --ca-file refuses the server: exit 1, a message
#     that says the certificate is not trusted and to pass --ca-file;
#   - two meshcall participants with --ca-file (one at wss://127.0.0.1, one
#     at https://localhost) and a headless Chromium that trusts only that
#     certificate's key (--ignore-certificate-errors-spki-list) over wss://
#     with tests/node/browser_peer.html decode each other;
#   - meanwhile tests/node/serve_tls.js: stock socket.io-client with `ca`
#     over wss:// and https://, refused without it; a plain HTTP request
#     (400), garbage, a silent client and a stalled ClientHello, which the
#     header timeout closes; /stats counts them;
#   - and the call goes on undisturbed: every side's counts still rise.
source "$(dirname "$0")/browser_lib.bash"

command -v openssl >/dev/null || fail "openssl is not installed"
HEADER_TIMEOUT=1500

# The CA, and the server's certificate it signs.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=meshcall-test-ca \
  -keyout "$WORK/ca.key" -out "$WORK/ca.pem" 2>"$WORK/openssl.log" || fail "openssl: CA"
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=127.0.0.1 \
  -keyout "$WORK/server.key" -out "$WORK/server.csr" 2>>"$WORK/openssl.log" || fail "openssl: request"
openssl x509 -req -in "$WORK/server.csr" -CA "$WORK/ca.pem" -CAkey "$WORK/ca.key" -CAcreateserial -days 2 \
  -extfile <(printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n') -out "$WORK/server.pem" 2>>"$WORK/openssl.log" ||
  fail "openssl: server certificate"
SPKI=$(openssl x509 -in "$WORK/server.pem" -pubkey -noout | openssl pkey -pubin -outform der |
       openssl dgst -sha256 -binary | base64)

# A key that is not the certificate's: refused at start, naming the file.
rc=0
"$MESHCALL_BIN" serve --listen 127.0.0.1:0 --tls-cert "$WORK/server.pem" --tls-key "$WORK/ca.key" \
  >"$WORK/badkey.out" 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "serve with the wrong key exited $rc, want 1"
grep -q "TLS key file '$WORK/ca.key' is not the key of the certificate in '$WORK/server.pem'" "$WORK/badkey.out" ||
  fail "serve with the wrong key did not say which file is wrong: $(cat "$WORK/badkey.out")"
log "serve refuses a key that is not the certificate's: $(cat "$WORK/badkey.out")"

start_server --tls-cert "$WORK/server.pem" --tls-key "$WORK/server.key" --header-timeout "$HEADER_TIMEOUT"
PORT=$(cat "$WORK/port")
grep -q "with TLS only" "$WORK/serve.log" || fail "serve does not say it serves TLS only"
grep -q -- "--signal https://127.0.0.1:$PORT" "$WORK/serve.log" || fail "serve's join hint is not https://"
curl -sf --cacert "$WORK/ca.pem" "https://127.0.0.1:$PORT/health" | grep -q '"status":"ok"' ||
  fail "GET /health over https failed"
# The call page and its bundle over https (a secure context for a LAN browser).
page=$(curl -sf --cacert "$WORK/ca.pem" "https://localhost:$PORT/?call=tls") || fail "GET / over https failed"
[[ $page == *"/vendor/socket.io.min.js"* ]] || fail "the page over https does not load the bundle"
curl -sf --cacert "$WORK/ca.pem" -o /dev/null "https://localhost:$PORT/vendor/socket.io.min.js" ||
  fail "GET /vendor/socket.io.min.js over https failed"

# Without --ca-file the self-made CA is unknown: a final refusal that says what to do.
rc=0
timeout 20 "$MESHCALL_BIN" join untrusted --signal "wss://127.0.0.1:$PORT" --headless --video test --audio test \
  --size 320x240 --no-audio-processing >"$WORK/untrusted.out" 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "join without --ca-file exited $rc, want 1"
grep -q "the TLS certificate of wss://127.0.0.1:$PORT is not trusted" "$WORK/untrusted.out" &&
  grep -q -- "--ca-file" "$WORK/untrusted.out" || fail "join without --ca-file: unclear message: $(cat "$WORK/untrusted.out")"
log "join without --ca-file: $(grep 'not trusted' "$WORK/untrusted.out")"

CALL_ID=tls
SIGNAL_URL="wss://127.0.0.1:$PORT"
start_join mc1 --ca-file "$WORK/ca.pem"
SIGNAL_URL="https://localhost:$PORT"
start_join mc2 --ca-file "$WORK/ca.pem"
start_browser web1 --signal "wss://127.0.0.1:$PORT" --trust-spki "$SPKI" --peer web1 --name "Chromium TLS" \
  --stats-file "$WORK/web1.json"
wait_event web1 20 '"event":"join-ack","ack":\{"ok":true' "joined the call over wss://"
expect_stats 30 --peers 2 --min-frames 15 --min-audio 20 --width 320 --height 240 --rising \
  "$WORK/mc1.json" "$WORK/mc2.json" "$WORK/web1.json"
log "meshcall (wss://127.0.0.1, https://localhost) and Chromium (wss://) decode each other"

run_node() { node "$NODE_DIR/$1" "${@:2}" || fail "node $1 failed"; }
run_node serve_tls.js "$PORT" "$HEADER_TIMEOUT" "$WORK/ca.pem"

expect_stats 10 --peers 2 --min-frames 15 --rising "$WORK/mc1.json" "$WORK/mc2.json" "$WORK/web1.json"
log "the call went on undisturbed"
no_event web1 '"event":"(sdp-error|candidate-rejected|call-error|signal-refused|protocol-error|page-error|connect-error|socket-disconnected)"' \
  "the browser saw an error or lost its socket"
grep -q "closed: TLS handshake failed (as it does for a client that does not trust" "$WORK/serve.log" || fail "serve did not log the failed handshakes"
grep -q "closed: the first record is not a TLS handshake" "$WORK/serve.log" || fail "serve did not log the garbage"
stop_proc web1
stop_proc mc2
stop_proc mc1
log "PASS"
